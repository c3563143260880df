import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { builtinParsers, createParserRegistry } from '../../../src/parsers/index.ts'
import { RunbookError } from '../../../src/errors.ts'
import { commandResult, FIXTURES, loadCases } from './cases.ts'

describe('built-in parser registry', () => {
  it('registers every parser once, by kebab-case name', () => {
    const names = createParserRegistry().names()
    expect(names).toHaveLength(builtinParsers.length)
    for (const n of names) expect(n).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/)
  })

  // Runbook validation rejects `result.<field>` not in `fields`: every field a parser returns must be declared.
  for (const parser of builtinParsers) {
    it(`${parser.name}: declares exactly the top-level fields it returns`, () => {
      expect(parser.describe.length).toBeGreaterThan(0)
      if (!existsSync(join(FIXTURES, parser.name))) return
      for (const c of loadCases(parser.name)) {
        const value = parser.parse(c.result) as Record<string, unknown>
        expect(Object.keys(value).sort(), c.name).toEqual(Object.keys(parser.fields).sort())
      }
    })
  }

  // Every parser meets every other program's real output (a runbook pointed at the wrong command,
  // a cut capture, stderr only): it answers or refuses with RB_PARSE naming itself, never a TypeError.
  const everyCase = readdirSync(FIXTURES, { withFileTypes: true }).filter((d) => d.isDirectory()).flatMap((d) => loadCases(d.name).map((c) => ({ ...c, folder: d.name })))
  const halves = everyCase.map((c) => ({ ...c, name: `${c.name} (first half)`, result: { ...c.result, stdout: c.result.stdout.slice(0, Math.floor(c.result.stdout.length / 2)) } }))
  const empties = [commandResult(''), commandResult('', 'some error\n', 1), commandResult('\n\n'), commandResult('', '', null)]
  for (const parser of builtinParsers) {
    it(`${parser.name}: never crashes on any captured output, whole or cut`, () => {
      for (const c of [...everyCase, ...halves, ...empties.map((result, i) => ({ folder: 'synthetic', name: `empty-${i}`, result }))]) {
        try {
          const v = parser.parse(c.result)
          expect(JSON.parse(JSON.stringify(v)), `${c.folder}/${c.name}`).toEqual(v)
        } catch (e) {
          expect(e, `${c.folder}/${c.name}: ${(e as Error).stack}`).toBeInstanceOf(RunbookError)
          expect((e as RunbookError).code, `${c.folder}/${c.name}`).toBe('RB_PARSE')
        }
      }
    })
  }
})
