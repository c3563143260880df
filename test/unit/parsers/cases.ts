/**
 * Loads the captured fixtures of one parser: fixtures/parsers/<parser>/<case>.stdout plus the
 * optional .stderr, .exit and .cmd files, as CommandResults ready to parse.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'
import { RunbookError } from '../../../src/errors.ts'
import type { Parser } from '../../../src/parsers/registry.ts'
import type { CommandResult } from '../../../src/types.ts'

export const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../../../fixtures/parsers')

export interface Case {
  name: string
  /** The command line it was captured with (the .cmd file), when recorded. */
  cmd: string | undefined
  result: CommandResult
  expectedPath: string
}

function readOptional(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined
}

/** Builds a CommandResult the way an executor would return it. */
export function commandResult(stdout: string, stderr = '', exitCode: number | null = 0): CommandResult {
  return { exitCode, signal: null, stdout, stderr, durationMs: 0, timedOut: false }
}

export function loadCases(parser: string): Case[] {
  const dir = join(FIXTURES, parser)
  return readdirSync(dir)
    .filter((f) => f.endsWith('.stdout'))
    .sort()
    .map((f) => {
      const base = join(dir, f.slice(0, -'.stdout'.length))
      const exit = readOptional(`${base}.exit`)
      return {
        name: f.slice(0, -'.stdout'.length),
        cmd: readOptional(`${base}.cmd`)?.trim(),
        result: commandResult(
          readFileSync(`${base}.stdout`, 'utf8'),
          readOptional(`${base}.stderr`) ?? '',
          exit === undefined ? 0 : Number(exit.trim()),
        ),
        expectedPath: `${base}.expected.json`,
      }
    })
}

/** One snapshot test per captured case of the parser's fixture folder. */
export function snapshotCases(parser: Parser, folder: string = parser.name): void {
  const cases = loadCases(folder)
  it('has captured fixtures', () => {
    expect(cases.length).toBeGreaterThan(0)
  })
  for (const c of cases) {
    it(`parses ${folder}/${c.name}${c.cmd ? ` (${c.cmd})` : ''}`, async () => {
      const value = parser.parse(c.result)
      // Results travel in transcripts: they must survive JSON unchanged.
      expect(JSON.parse(JSON.stringify(value))).toEqual(value)
      await expect(JSON.stringify(value, null, 2) + '\n').toMatchFileSnapshot(c.expectedPath)
    })
  }
}

/** Reads one captured stdout (to build malformed input from real output). */
export function fixtureStdout(parser: string, name: string): string {
  return readFileSync(join(FIXTURES, parser, `${name}.stdout`), 'utf8')
}

/** Asserts that parsing throws RB_PARSE naming the parser and (when given) the line number. */
export function expectParseError(parser: Parser, result: CommandResult, line?: number): void {
  let caught: unknown
  try {
    parser.parse(result)
  } catch (e) {
    caught = e
  }
  expect(caught).toBeInstanceOf(RunbookError)
  const err = caught as RunbookError
  expect(err.code).toBe('RB_PARSE')
  expect(err.detail['parser']).toBe(parser.name)
  expect(err.message).toContain(`parser '${parser.name}'`)
  if (line !== undefined) expect(err.detail['line']).toBe(line)
}

/** A captured case under fixtures/parsers/<parser>/malformed/: real output the parser must refuse. */
export function malformed(parser: string, name: string): CommandResult {
  const base = join(FIXTURES, parser, 'malformed', name)
  const exit = readOptional(`${base}.exit`)
  return commandResult(
    readFileSync(`${base}.stdout`, 'utf8'),
    readOptional(`${base}.stderr`) ?? '',
    exit === undefined ? 0 : Number(exit.trim()),
  )
}
