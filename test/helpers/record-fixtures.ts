/**
 * Records fixtures/log-dir-full/*.jsonl from REAL runs of the built CLI (`--local`) against real
 * directories, one per scenario, so `runbook test` covers every transition. Re-run after changing
 * the runbook: `npm run build && npm run record:fixtures`.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { makeLogDir, type LogDirCase } from './logdir.ts'

const OUT = 'fixtures/log-dir-full'
// Fixed paths, so the recorded commands read the same on every re-recording.
const ROOT = '/tmp/runbook-fixture'

const cases: Array<{ name: string; kind: LogDirCase | 'missing'; apply: boolean; expectExit: number }> = [
  { name: 'within-budget', kind: 'small', apply: false, expectExit: 0 },
  { name: 'unreadable', kind: 'missing', apply: false, expectExit: 3 },
  { name: 'rotated-dry-run', kind: 'rotated', apply: false, expectExit: 4 },
  { name: 'rotated-apply', kind: 'rotated', apply: true, expectExit: 5 },
  { name: 'live-logs-apply-rolled-back', kind: 'live', apply: true, expectExit: 6 },
  { name: 'live-logs-no-rotated', kind: 'no-rotated', apply: false, expectExit: 3 },
]

mkdirSync(OUT, { recursive: true })
for (const c of cases) {
  rmSync(ROOT, { recursive: true, force: true })
  mkdirSync(ROOT, { recursive: true })
  const dir = c.kind === 'missing' ? join(ROOT, 'log') : makeLogDir(c.kind, ROOT).dir
  const transcript = join(OUT, `${c.name}.jsonl`)
  rmSync(transcript, { force: true })
  const args = [
    'bin/runbook.js',
    'run',
    'log-dir-full',
    '--local',
    '--param',
    `dir=${dir}`,
    '--param',
    'max_dir_mb=2',
    '--param',
    `archive=${join(ROOT, 'rotated.tar')}`,
    '--transcript',
    transcript,
    ...(c.apply ? ['--apply', '--yes'] : []),
  ]
  const r = spawnSync('node', args, { encoding: 'utf8', env: { ...process.env, RUNBOOK_STATE_DIR: join(ROOT, 'state') } })
  console.log(`${c.name}: exit ${r.status} (expected ${c.expectExit})`)
  if (r.status !== c.expectExit) {
    console.error(r.stdout, r.stderr)
    process.exitCode = 1
  }
}
rmSync(ROOT, { recursive: true, force: true })
