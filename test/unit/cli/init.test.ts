/**
 * `runbook init`: a team repository that works out of the box. The Done-when of issue 9, as a user
 * types it (`runbook init /tmp/team && cd /tmp/team && runbook validate && runbook test`), and a runbook
 * written there that uses both a shipped action and the team's own, mistakes included.
 */
import { spawnSync } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
  lstatSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { cli } from '../../helpers/cli.ts'
import { useHostDir } from '../../helpers/host-dir.ts'

/** The environment of a new user: none of runbook's own variables. */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' }
  for (const k of Object.keys(env)) if (k.startsWith('RUNBOOK_') && k !== 'RUNBOOK_HOST_DIR') delete env[k]
  return { ...env, ...extra }
}

let tmp = ''
let team = ''
useHostDir('rb-init-', (d) => {
  tmp = d
  team = join(d, 'team')
})
const inTeam = (argv: string[], env: NodeJS.ProcessEnv = {}) =>
  cli(argv, { cwd: team, env: cleanEnv({ RUNBOOK_STATE_DIR: join(tmp, 'state'), ...env }) })

/** Every file under dir, relative, sorted. */
function tree(dir: string, base = dir): string[] {
  return readdirSync(dir)
    .flatMap((f) => {
      const p = join(dir, f)
      return lstatSync(p).isDirectory() ? tree(p, base) : [p.slice(base.length + 1)]
    })
    .sort()
}

const USES_BOTH = `apiVersion: runbook/v1
name: tmp-budget
summary: A scratch directory outgrows its budget.
params:
  dir: { type: path, required: true }
steps:
  size:
    uses: team/dir-size@1
    with: { dir: "\${{ params.dir }}" }
    next:
      - if: result.total > 1024
        goto: rotated
      - goto: fine
  rotated:
    uses: files/archive-rotated@1
    with: { dir: "\${{ params.dir }}", archive: "\${{ params.dir }}.tar" }
    next: archived
outcomes:
  fine: { severity: ok, summary: "small enough" }
  archived: { severity: info, summary: "archived" }
`

describe('runbook init', () => {
  it('`runbook init DIR && cd DIR && runbook validate && runbook test` passes on a fresh scaffold, with no RUNBOOK_* set', () => {
    // Exactly as typed in a shell, with `runbook` on PATH: the built CLI (npm test builds it first).
    const bin = join(tmp, 'bin')
    mkdirSync(bin)
    symlinkSync(resolve('bin/runbook.js'), join(bin, 'runbook'))
    const r = spawnSync('sh', ['-c', 'runbook init "$TEAM" && cd "$TEAM" && runbook validate && runbook test'], {
      cwd: tmp,
      encoding: 'utf8',
      // No RUNBOOK_* at all; a home of its own, so nothing of this machine's user is read or written.
      env: Object.fromEntries(
        Object.entries(cleanEnv({ PATH: `${bin}:${process.env.PATH}`, TEAM: team, HOME: join(tmp, 'home') })).filter(
          ([k]) => !k.startsWith('RUNBOOK_'),
        ),
      ),
    })
    expect(readdirSync(tmp).sort()).toEqual(['bin', 'team'])
    expect(r.status, r.stdout + r.stderr).toBe(0)
    expect(r.stdout).toContain('ok    runbooks/dir-budget.yaml')
    expect(r.stdout).toContain('ok    actions/team/dir-size.yaml')
    expect(r.stdout).toMatch(/dir-budget: 3\/3 fixtures pass, transitions \d+\/\d+ covered/)
    // Transitions no fixture takes are named; shipped runbooks without fixtures here are one line, not a failure.
    expect(r.stdout).toMatch(/not covered: measure~on_failure \(measure → unreadable\)/)
    expect(r.stdout).toMatch(/shipped runbooks with no fixtures in fixtures, not tested: .*unreachable-host/)
  })

  it('scaffolds runbooks/, actions/, fixtures/, an inventory example, editor settings and CI', async () => {
    const r = await cli(['init', team])
    expect(r.code).toBe(0)
    expect(tree(team)).toEqual([
      '.github/workflows/runbooks.yml',
      '.runbook/schemas/action.schema.json',
      '.runbook/schemas/inventory.schema.json',
      '.runbook/schemas/runbook.schema.json',
      '.vscode/settings.json',
      'actions/team/dir-size.yaml',
      'ci.sh',
      'fixtures/dir-budget/rotated-logs-apply.jsonl',
      'fixtures/dir-budget/rotated-logs.jsonl',
      'fixtures/dir-budget/within-budget.jsonl',
      'inventory.example.yaml',
      'runbooks/dir-budget.yaml',
    ])
    expect(statSync(join(team, 'ci.sh')).mode & 0o111).not.toBe(0)
    expect(readFileSync(join(team, 'ci.sh'), 'utf8')).toMatch(/^runbook validate\nrunbook test$/m)
    expect(readFileSync(join(team, '.github/workflows/runbooks.yml'), 'utf8')).toContain('./ci.sh')
    expect(readFileSync(join(team, '.github/workflows/runbooks.yml'), 'utf8')).not.toContain('__VERSION__')
    // The example inventory is valid: copied to inventory.yaml, `runbook exec` would read it.
    const { parseInventory } = await import('../../../src/inventory/load.ts')
    expect(
      Object.keys(parseInventory(readFileSync(join(team, 'inventory.example.yaml'), 'utf8'), join(team, 'inventory.yaml')).hosts),
    ).toContain('web1')
  })

  it('editor settings and modelines map the schemas by relative paths that exist in the scaffold; the copies are the schemas', async () => {
    await cli(['init', team])
    const settings = JSON.parse(readFileSync(join(team, '.vscode/settings.json'), 'utf8')) as { 'yaml.schemas': Record<string, string[]> }
    const mapped = Object.entries(settings['yaml.schemas'])
    expect(mapped.length).toBe(3)
    for (const [schema, globs] of mapped) {
      expect(schema.startsWith('./'), schema).toBe(true)
      expect(existsSync(join(team, schema)), schema).toBe(true)
      expect(globs.length).toBeGreaterThan(0)
    }
    expect(readFileSync(join(team, '.vscode/settings.json'), 'utf8')).not.toContain(tmp)
    for (const f of tree(team).filter((p) => p.endsWith('.yaml'))) {
      const line = readFileSync(join(team, f), 'utf8').split('\n')[0]!
      const m = /^# yaml-language-server: \$schema=(.+)$/.exec(line)
      expect(m, f).not.toBeNull()
      expect(m![1]!.startsWith('/'), f).toBe(false)
      expect(existsSync(resolve(team, dirname(f), m![1]!)), `${f} → ${m![1]}`).toBe(true)
    }
    for (const s of ['runbook', 'action', 'inventory']) {
      expect(readFileSync(join(team, `.runbook/schemas/${s}.schema.json`), 'utf8')).toBe(readFileSync(`schemas/${s}.schema.json`, 'utf8'))
    }
  })

  it('the sample runbook uses the team action and a shipped one, and runbook actions lists both', async () => {
    await cli(['init', team])
    const show = JSON.parse((await inTeam(['show', 'dir-budget', '--json'])).stdout) as {
      steps: Array<{ name: string; action: string | null }>
    }
    expect(Object.fromEntries(show.steps.map((s) => [s.name, s.action]))).toEqual({
      measure: 'team/dir-size@1',
      archive_rotated: 'files/archive-rotated@1',
    })
    const actions = JSON.parse((await inTeam(['actions', '--json'])).stdout) as Array<{ name: string; file: string }>
    expect(actions.find((a) => a.name === 'team/dir-size')?.file).toBe(join(team, 'actions/team/dir-size.yaml'))
    expect(actions.find((a) => a.name === 'files/archive-rotated')?.file).toBe(resolve('actions/files/archive-rotated.yaml'))
  })

  it("a runbook written there uses both a shipped action and the team's own: it validates, runs and records", async () => {
    await cli(['init', team])
    writeFileSync(join(team, 'runbooks/tmp-budget.yaml'), USES_BOTH)
    expect((await inTeam(['validate'])).code).toBe(0)
    const scratch = join(tmp, 'scratch')
    mkdirSync(scratch)
    writeFileSync(join(scratch, 'big.log.1'), Buffer.alloc(2 * 1024 * 1024, 'x'))
    const r = await inTeam(['record', 'tmp-budget', '--case', 'rotated', '--local', '-p', `dir=${scratch}`])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toContain('fixture: fixtures/tmp-budget/rotated.jsonl (new): run exited 4, outcome _proposed')
    const events = readFileSync(join(team, 'fixtures/tmp-budget/rotated.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; spec?: { action?: string }; step?: string })
    expect(events.find((e) => e.type === 'command.finished' && e.step === 'size')?.spec?.action).toBe('team/dir-size@1')
    expect(events.some((e) => e.type === 'fix.proposed' && e.step === 'rotated')).toBe(true)
    // Dry-run: the file is still there.
    expect(existsSync(join(scratch, 'big.log.1'))).toBe(true)
    const t = await inTeam(['test'])
    expect(t.code, t.stdout).toBe(0)
    expect(t.stdout).toContain('tmp-budget: 1/1 fixtures pass')
  })

  it('a wrong input at a uses: site in the team repo is an error at its file:line:col, with did you mean', async () => {
    await cli(['init', team])
    writeFileSync(
      join(team, 'runbooks/tmp-budget.yaml'),
      USES_BOTH.replace('with: { dir: "${{ params.dir }}" }', 'with: { dirr: "${{ params.dir }}" }'),
    )
    const r = await inTeam(['validate'])
    expect(r.code).toBe(2)
    expect(r.stdout).toContain('FAIL  runbooks/tmp-budget.yaml')
    // line 9 is `    with: { dirr: ... }`; the error points at the input's name
    expect(r.stderr).toMatch(/runbooks\/tmp-budget\.yaml:9:13: .*'dirr'.*did you mean 'dir'/)
    expect(r.stderr).toMatch(/> +9 \| +with: \{ dirr:/)

    writeFileSync(
      join(team, 'runbooks/tmp-budget.yaml'),
      USES_BOTH.replace('archive: "${{ params.dir }}.tar"', 'archive: "relative/x.tar"'),
    )
    const typed = await inTeam(['validate'])
    expect(typed.code).toBe(2)
    expect(typed.stderr).toMatch(/runbooks\/tmp-budget\.yaml:16:\d+: .*archive/)
    expect(typed.stderr).toContain('RB_ACTION_INPUT')
  })

  it('a broken team action is reported in its own file by runbook validate', async () => {
    await cli(['init', team])
    const file = join(team, 'actions/team/dir-size.yaml')
    writeFileSync(file, readFileSync(file, 'utf8').replace('parser: du', 'parser: duu'))
    const r = await inTeam(['validate'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/actions\/team\/dir-size\.yaml:\d+:\d+: .*'duu'.*did you mean 'du'/)
  })
})

describe('runbook init refuses to overwrite', () => {
  beforeEach(async () => {
    expect((await cli(['init', team])).code).toBe(0)
  })

  it('an existing file stops it before anything is written (exit 2), naming the files', async () => {
    const sample = join(team, 'runbooks/dir-budget.yaml')
    writeFileSync(sample, '# ours now\n')
    rmSync(join(team, 'ci.sh'))
    const r = await cli(['init', team])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('would be overwritten')
    expect(r.stderr).toContain('runbooks/dir-budget.yaml')
    expect(r.stderr).toContain('--force')
    expect(readFileSync(sample, 'utf8')).toBe('# ours now\n')
    expect(existsSync(join(team, 'ci.sh'))).toBe(false)
  })

  it('--force replaces its own files and nothing else; a symlink is replaced, not written through', async () => {
    const sample = join(team, 'runbooks/dir-budget.yaml')
    writeFileSync(sample, '# ours now\n')
    writeFileSync(join(team, 'runbooks/mine.yaml'), '# a runbook of ours\n')
    const outside = join(tmp, 'outside.sh')
    writeFileSync(outside, 'keep me\n')
    rmSync(join(team, 'ci.sh'))
    symlinkSync(outside, join(team, 'ci.sh'))
    const r = await cli(['init', team, '--force'])
    expect(r.code, r.stderr).toBe(0)
    expect(readFileSync(sample, 'utf8')).toContain('name: dir-budget')
    expect(readFileSync(join(team, 'runbooks/mine.yaml'), 'utf8')).toBe('# a runbook of ours\n')
    expect(lstatSync(join(team, 'ci.sh')).isSymbolicLink()).toBe(false)
    expect(readFileSync(outside, 'utf8')).toBe('keep me\n')
  })

  it('--schemas rewrites only the schema copies', async () => {
    writeFileSync(join(team, '.runbook/schemas/runbook.schema.json'), '{}')
    writeFileSync(join(team, 'runbooks/dir-budget.yaml'), '# ours now\n')
    const r = await cli(['init', team, '--schemas'])
    expect(r.code).toBe(0)
    expect(readFileSync(join(team, '.runbook/schemas/runbook.schema.json'), 'utf8')).toBe(
      readFileSync('schemas/runbook.schema.json', 'utf8'),
    )
    expect(readFileSync(join(team, 'runbooks/dir-budget.yaml'), 'utf8')).toBe('# ours now\n')
  })

  it('a target that is a file is a usage error', async () => {
    const file = join(tmp, 'a-file')
    writeFileSync(file, '')
    expect((await cli(['init', file])).code).toBe(2)
  })
})

describe('runbook init in the current directory', () => {
  let cwd = ''
  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), 'rb-init-cwd-'))
  })
  afterEach(() => rmSync(cwd, { recursive: true, force: true }))

  it('defaults to . and says what to run next', async () => {
    const r = await cli(['init'], { cwd })
    expect(r.code).toBe(0)
    expect(existsSync(join(cwd, 'runbooks/dir-budget.yaml'))).toBe(true)
    expect(r.stdout).toContain('runbook validate && runbook test')
    expect(r.stdout).not.toContain('cd ')
  })
})
