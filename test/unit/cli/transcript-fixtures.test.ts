/**
 * The files `run --transcript` writes and `test --fixtures` reads, through the CLI as typed: a
 * transcript file holds one run, and a fixtures directory is found however it is given, or the
 * command fails loudly.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { EXIT } from '../../../src/errors.ts'
import { cli } from '../../helpers/cli.ts'

// Runs on this machine, no host: `word=0` ends healthy, `word=7` proposes a fix (exit 4).
const RUNBOOK = resolve('fixtures/runbooks/valid/cel-eval-error.yaml')

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rb-cli-files-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const run = (transcript: string, word: string) =>
  cli(['run', RUNBOOK, '--local', '-p', `word=${word}`, '--transcript', transcript], {
    env: { RUNBOOK_STATE_DIR: join(dir, 'state') },
    cwd: dir,
  })
const runsIn = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.includes('"type":"run.started"')).length

describe('run --transcript FILE', () => {
  it('holds one run: a second run to the same file replaces the first, and replays as itself', async () => {
    const fixtures = join(dir, 'fixtures', 'cel-eval-error')
    mkdirSync(fixtures, { recursive: true })
    const file = join(fixtures, 'proposed.jsonl')
    expect((await run(file, '0')).code).toBe(EXIT.OK)
    expect((await run(file, '7')).code).toBe(EXIT.FIX_PROPOSED)
    expect(runsIn(file)).toBe(1)
    const replay = await cli(['replay', file, '--json'], { cwd: dir })
    expect(replay.code).toBe(EXIT.FIX_PROPOSED)
    expect(replay.stdout.split('\n').filter((l) => l.includes('"type":"run.finished"'))).toHaveLength(1)
    const test = await cli(['test', RUNBOOK, '--fixtures', 'fixtures'], { cwd: dir })
    expect(test.stdout).not.toContain('RB_REPLAY_MISMATCH')
    expect(test.code).toBe(0)
  })
})

describe('test --fixtures DIR', () => {
  const record = async () => {
    const fixtures = join(dir, 'fixtures', 'cel-eval-error')
    mkdirSync(fixtures, { recursive: true })
    expect((await run(join(fixtures, 'healthy.jsonl'), '0')).code).toBe(EXIT.OK)
  }

  it('an absolute directory finds the same fixtures as a relative one', async () => {
    await record()
    const relative = await cli(['test', RUNBOOK, '--fixtures', 'fixtures'], { cwd: dir })
    const absolute = await cli(['test', RUNBOOK, '--fixtures', join(dir, 'fixtures')], { cwd: dir })
    expect(relative.stdout).toContain('1/1 fixtures pass')
    expect(absolute.stdout).toContain('1/1 fixtures pass')
    expect([relative.code, absolute.code]).toEqual([0, 0])
  })

  it.each([
    ['absolute', () => join(dir, 'no-such-dir')],
    ['relative', () => 'no-such-dir'],
  ])('a missing %s directory is a usage error naming it, not "no fixtures"', async (_, given) => {
    const r = await cli(['test', RUNBOOK, '--fixtures', given()], { cwd: dir })
    expect(r.code).toBe(EXIT.USAGE)
    expect(r.stderr).toContain(join(dir, 'no-such-dir'))
    expect(r.stdout).not.toContain('no fixtures')
  })
})
