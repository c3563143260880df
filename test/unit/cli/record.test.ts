/**
 * `runbook record`: a real run (the local executor, on real directories) kept as a fixture where
 * `runbook test` finds it, replacing the old one of that case only when the new one replays.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cli } from '../../helpers/cli.ts'
import { useHostDir } from '../../helpers/host-dir.ts'

let tmp = ''
useHostDir('rb-record-', (d) => {
  tmp = d
})

/** A log dir under tmp: `rotated` holds a 3 MiB rotated log (over a 2 MiB budget), else a small live log. */
function logDir(kind: 'small' | 'rotated'): string {
  const dir = join(tmp, `logs-${kind}`)
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'app.log'), 'live\n')
  if (kind === 'rotated') writeFileSync(join(dir, 'app.log.1'), Buffer.alloc(3 * 1024 * 1024, 'x'))
  return dir
}

const fixtures = () => join(tmp, 'fixtures')
const record = (args: string[]) =>
  cli([
    'record',
    'log-dir-full',
    '--fixtures',
    fixtures(),
    '--local',
    '-p',
    'max_dir_mb=2',
    '-p',
    `archive=${join(tmp, 'rotated.tar')}`,
    ...args,
  ])
const outcomeOf = (file: string) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; id?: string })
    .find((e) => e.type === 'outcome')?.id

describe('runbook record', () => {
  it('writes <fixtures>/<runbook>/<case>.jsonl from a real run, and runbook test replays it', async () => {
    const r = await record(['--case', 'small', '-p', `dir=${logDir('small')}`])
    expect(r.code, r.stderr).toBe(0)
    const file = join(fixtures(), 'log-dir-full', 'small.jsonl')
    expect(r.stderr).toContain(`fixture: ${file} (new): run exited 0, outcome within_budget`)
    expect(outcomeOf(file)).toBe('within_budget')
    // The temporary name the run recorded to is not shown: it no longer exists.
    expect(r.stderr).not.toContain('.recording-')
    const t = await cli(['test', 'log-dir-full', '--fixtures', fixtures()])
    expect(t.code, t.stdout).toBe(0)
    expect(t.stdout).toContain('log-dir-full: 1/1 fixtures pass')
  })

  it('replaces the old fixture of the same case, and leaves no partial files', async () => {
    expect((await record(['--case', 'budget', '-p', `dir=${logDir('small')}`])).code).toBe(0)
    const file = join(fixtures(), 'log-dir-full', 'budget.jsonl')
    expect(outcomeOf(file)).toBe('within_budget')
    const r = await record(['--case', 'budget', '-p', `dir=${logDir('rotated')}`])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toContain('(replaced the old one): run exited 4, outcome _proposed')
    expect(outcomeOf(file)).toBe('_proposed')
    expect(readdirSync(join(fixtures(), 'log-dir-full'))).toEqual(['budget.jsonl'])
    // A dry-run: the rotated log is still there.
    expect(existsSync(join(tmp, 'logs-rotated', 'app.log.1'))).toBe(true)
  })

  it('records --apply runs too (approved with --yes)', async () => {
    const dir = logDir('rotated')
    const r = await record(['--case', 'apply', '-p', `dir=${dir}`, '--apply', '--yes'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toContain('run exited 5, outcome archived')
    expect(existsSync(join(dir, 'app.log.1'))).toBe(false)
    expect((await cli(['test', 'log-dir-full', '--fixtures', fixtures()])).code).toBe(0)
  })

  it('a run that does not start (a bad param) keeps the old fixture and writes nothing', async () => {
    expect((await record(['--case', 'keep', '-p', `dir=${logDir('small')}`])).code).toBe(0)
    const file = join(fixtures(), 'log-dir-full', 'keep.jsonl')
    const before = readFileSync(file, 'utf8')
    const r = await record(['--case', 'keep', '-p', 'dir=relative/path'])
    expect(r.code).toBe(2)
    expect(readFileSync(file, 'utf8')).toBe(before)
    expect(readdirSync(join(fixtures(), 'log-dir-full'))).toEqual(['keep.jsonl'])
  })

  it('--case is required and must be a plain file name', async () => {
    const dir = logDir('small')
    const none = await record(['-p', `dir=${dir}`])
    expect(none.code).toBe(2)
    expect(none.stderr).toContain('--case NAME is required')
    for (const bad of ['../escape', '.hidden', 'a/b', 'x.jsonl', '']) {
      const r = await record(['--case', bad, '-p', `dir=${dir}`])
      expect(r.code, bad).toBe(2)
    }
    expect(existsSync(fixtures())).toBe(false)
  })

  it('is listed in --help with the run options it takes, and not the fleet ones', async () => {
    const r = await cli(['record', '--help'])
    expect(r.stdout).toContain('--case NAME')
    expect(r.stdout).toContain('--apply')
    expect(r.stdout).toContain('--param-file')
    expect(r.stdout).not.toContain('--hosts')
    expect(r.stdout).not.toContain('--transcript')
  })
})
