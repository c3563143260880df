/**
 * Records templates/init/fixtures/dir-budget/*.jsonl, the fixtures `runbook init` ships with its sample
 * runbook, from REAL runs: it scaffolds a team repository with the built CLI, makes real directories, and
 * records each case with `runbook record --local` there. Re-run after changing the sample runbook or its
 * action: `npm run build && npx tsx test/helpers/record-init-fixtures.ts`.
 */
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const CLI = resolve('bin/runbook.js')
const OUT = resolve('templates/init/fixtures/dir-budget')
// Fixed paths, so the recorded commands read the same on every re-recording.
const DIR = '/tmp/runbook-sample/logs'

const cases: Array<{ name: string; files: Record<string, number>; params: string[]; expectRunExit: number }> = [
  { name: 'within-budget', files: { 'app.log': 64 * 1024 }, params: [], expectRunExit: 0 },
  { name: 'rotated-logs', files: { 'app.log': 64 * 1024, 'app.log.1': 2 * 1024 * 1024 }, params: ['-p', 'max_mb=1'], expectRunExit: 4 },
  {
    name: 'rotated-logs-apply',
    files: { 'app.log': 64 * 1024, 'app.log.1': 2 * 1024 * 1024 },
    params: ['-p', 'max_mb=1', '-p', 'archive=/tmp/runbook-sample/rotated.tar', '--apply', '--yes'],
    expectRunExit: 5,
  },
]

const team = mkdtempSync(join(tmpdir(), 'rb-init-record-'))
// RUNBOOK_HOST_DIR: this run's host lock (and backups) in the sample folder, not /var/lib/runbook, which
// other runs on this machine may hold; the recorded commands read the variable, so they do not change.
const env: NodeJS.ProcessEnv = { ...process.env, RUNBOOK_STATE_DIR: join(team, '.state'), RUNBOOK_HOST_DIR: '/tmp/runbook-sample/host' }
delete env.RUNBOOK_PATH
delete env.RUNBOOK_SERVER
const cli = (args: string[]) => spawnSync('node', [CLI, ...args], { cwd: team, encoding: 'utf8', env })
try {
  const init = cli(['init', '.'])
  if (init.status !== 0) throw new Error(`runbook init: exit ${init.status}\n${init.stdout}${init.stderr}`)
  rmSync(join(team, 'fixtures'), { recursive: true, force: true })
  for (const c of cases) {
    rmSync('/tmp/runbook-sample', { recursive: true, force: true })
    mkdirSync(DIR, { recursive: true })
    for (const [f, size] of Object.entries(c.files)) writeFileSync(join(DIR, f), Buffer.alloc(size, 'x'))
    const r = cli(['record', 'dir-budget', '--case', c.name, '--local', '-p', `dir=${DIR}`, ...c.params])
    const ran = /run exited (\d+)/.exec(r.stderr)?.[1]
    console.log(`${c.name}: record exit ${r.status}, run exit ${ran ?? '-'} (expected ${c.expectRunExit})`)
    if (r.status !== 0 || Number(ran) !== c.expectRunExit) {
      console.error(r.stdout, r.stderr)
      process.exitCode = 1
    }
  }
  if (process.exitCode !== 1) {
    rmSync(OUT, { recursive: true, force: true })
    mkdirSync(OUT, { recursive: true })
    for (const f of readdirSync(join(team, 'fixtures', 'dir-budget'))) copyFileSync(join(team, 'fixtures', 'dir-budget', f), join(OUT, f))
    console.log(`wrote ${OUT}`)
  }
} finally {
  rmSync(team, { recursive: true, force: true })
  rmSync('/tmp/runbook-sample', { recursive: true, force: true })
}
