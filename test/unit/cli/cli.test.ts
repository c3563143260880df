import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it, onTestFinished } from 'vitest'
import { COMMANDS } from '../../../src/cli/main.ts'
import { ERROR_CODES } from '../../../src/errors.ts'
import { SCENARIOS } from '../../../src/lab/scenarios.ts'
import { cli } from '../../helpers/cli.ts'
import { makeLogDir, type LogDir } from '../../helpers/logdir.ts'

const dirs: LogDir[] = []
afterEach(() => dirs.splice(0).forEach((d) => d.cleanup()))

describe('runbook CLI', () => {
  it('--help teaches: every command, the first steps, the exit codes', async () => {
    const r = await cli(['--help'])
    expect(r.code).toBe(0)
    for (const c of COMMANDS) expect(r.stdout).toContain(c.name)
    expect(r.stdout).toMatch(/Exit codes: 0 healthy/)
  })

  it('every command has --help generated from its declaration', async () => {
    for (const c of COMMANDS) {
      const r = await cli([c.name, '--help'])
      expect(r.code).toBe(0)
      expect(r.stdout.startsWith(`runbook ${c.usage}`)).toBe(true)
    }
  })

  it('an unknown command or flag is a usage error (exit 2) that says what to do', async () => {
    expect((await cli(['frobnicate'])).code).toBe(2)
    const r = await cli(['run', 'log-dir-full', '--aply'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("Unknown option '--aply'")
  })

  it('validate runbooks/ passes; a broken file fails with file:line:col and a frame', async () => {
    expect((await cli(['validate', 'runbooks/'])).code).toBe(0)
    const r = await cli(['validate', 'fixtures/runbooks/invalid/RB_UNKNOWN_PARSER--typo.yaml'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(
      "fixtures/runbooks/invalid/RB_UNKNOWN_PARSER--typo.yaml:9:12: parser 'iptabels' is not registered: did you mean 'iptables'?",
    )
    expect(r.stderr).toMatch(/> +9 \| +parse: iptabels\n +\| +\^/)
    const json = JSON.parse((await cli(['validate', '--json', 'fixtures/runbooks/invalid'])).stdout) as Array<{ valid: boolean }>
    expect(json.length).toBe(readdirSync('fixtures/runbooks/invalid').length)
    expect(json.every((f) => !f.valid)).toBe(true)
  })

  it('list and show describe the shipped runbooks', async () => {
    expect((await cli(['list'])).stdout).toMatch(/log-dir-full +A log directory/)
    const show = JSON.parse((await cli(['show', 'log-dir-full', '--json'])).stdout)
    expect(show.params.map((p: { name: string }) => p.name)).toEqual(['host', 'dir', 'max_dir_mb', 'archive'])
    expect((await cli(['show', 'no-such-runbook'])).code).toBe(2)
  })

  it('graph prints the machine as Mermaid and as dot', async () => {
    const m = await cli(['graph', 'log-dir-full'])
    expect(m.stdout.split('\n')[0]).toBe('stateDiagram-v2')
    expect(m.stdout).toContain('usage --> largest : result.dir.total > params.max_dir_mb * 1024')
    expect(m.stdout).not.toContain('_aborted')
    expect((await cli(['graph', 'log-dir-full', '--internal'])).stdout).toContain('_aborted')
    expect((await cli(['graph', 'log-dir-full', '--format', 'dot'])).stdout).toMatch(/^digraph "log-dir-full" \{/)
  })

  it('test replays the fixtures and prints 100% transition coverage', async () => {
    const r = await cli(['test', 'log-dir-full', '--min-coverage', '100'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('log-dir-full: 6/6 fixtures pass, transitions 14/14 covered (100%)')
  })

  it('run --local: dry-run by default, records a transcript, exit 4 for a proposed fix', async () => {
    const d = makeLogDir('rotated')
    dirs.push(d)
    const before = d.snapshot()
    // Next to the log dir's root (not in it: the snapshot covers the root), removed after the test.
    const transcript = `${d.root}-run.jsonl`
    onTestFinished(() => rmSync(transcript, { force: true }))
    const r = await cli([
      'run',
      'log-dir-full',
      '--local',
      '-p',
      `dir=${d.dir}`,
      '-p',
      'max_dir_mb=2',
      '-p',
      `archive=${d.archive}`,
      '--transcript',
      transcript,
    ])
    expect(r.code).toBe(4)
    expect(r.stdout).toContain('run again with --apply')
    expect(d.snapshot()).toEqual(before)
    const first = JSON.parse(readFileSync(transcript, 'utf8').split('\n')[0]!)
    expect(first).toMatchObject({ type: 'run.started', mode: 'dry-run', runbook: 'log-dir-full' })
    // replay re-renders it and returns its exit code
    const replay = await cli(['replay', transcript])
    expect(replay.code).toBe(4)
    expect(replay.stdout).toContain('Move 2 rotated log file(s)')
  })

  it('run --json prints only JSON lines; --apply --yes applies (exit 5)', async () => {
    const d = makeLogDir('rotated')
    dirs.push(d)
    const r = await cli([
      'run',
      'log-dir-full',
      '--local',
      '--json',
      '--apply',
      '--yes',
      '-p',
      `dir=${d.dir}`,
      '-p',
      'max_dir_mb=2',
      '-p',
      `archive=${d.archive}`,
    ])
    expect(r.code).toBe(5)
    const events = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string })
    expect(events[0]!.type).toBe('run.started')
    expect(events.at(-1)).toMatchObject({ type: 'run.finished', status: 'fix-applied', exitCode: 5 })
    expect(existsSync(d.archive)).toBe(true)
  })

  it('an injected param is refused (exit 2) and nothing runs', async () => {
    const d = makeLogDir('small')
    dirs.push(d)
    const marker = join(d.root, 'pwned')
    const r = await cli(['run', 'log-dir-full', '--local', '--json', '-p', `dir=${d.dir}`, '-p', `max_dir_mb=5; touch ${marker}`])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(`param 'max_dir_mb': "5; touch ${marker}" is not an integer from 1 to ∞`)
    expect(r.stdout).toBe('')
    expect(existsSync(marker)).toBe(false)
  })

  it('a path with shell metacharacters reaches commands as one quoted word', async () => {
    const d = makeLogDir('small')
    dirs.push(d)
    const marker = join(d.root, 'pwned')
    const r = await cli(['run', 'log-dir-full', '--local', '--json', '-p', `dir=${d.dir}; touch ${marker}`])
    expect(existsSync(marker)).toBe(false)
    expect(r.code).toBe(3) // no such directory: the outcome 'unreadable'
    expect(r.stdout).toContain(`du -sk -- '${d.dir}; touch ${marker}'`)
  })

  it('--yes without --apply is refused: dry-run never needs approval', async () => {
    expect((await cli(['run', 'log-dir-full', '--local', '--yes'])).code).toBe(2)
  })
})

describe('lab --help', () => {
  it('lists every scenario with its name and summary apart (the longest names once ran into their summaries)', async () => {
    const r = await cli(['lab', '--help'])
    expect(r.code).toBe(0)
    for (const sc of SCENARIOS.values()) expect(r.stdout).toMatch(new RegExp(`^  ${sc.name} {2,}\\S`, 'm'))
  })
})

describe('error catalogue', () => {
  it('every code in the catalogue is raised somewhere in src/', () => {
    const src = (function walk(d: string): string {
      return readdirSync(d, { withFileTypes: true })
        .map((f) =>
          f.isDirectory()
            ? walk(join(d, f.name))
            : f.name.endsWith('.ts') && f.name !== 'errors.ts'
              ? readFileSync(join(d, f.name), 'utf8')
              : '',
        )
        .join('\n')
    })('src')
    for (const code of Object.keys(ERROR_CODES)) expect(src, code).toContain(`'${code}'`)
  })

  it('every error code is documented in README.md with a fix', () => {
    const readme = readFileSync('README.md', 'utf8')
    for (const [code, info] of Object.entries(ERROR_CODES)) {
      expect(readme, code).toMatch(new RegExp(`\\| \`${code}\` \\|`))
      expect(info.fix.length).toBeGreaterThan(10)
    }
  })
})
