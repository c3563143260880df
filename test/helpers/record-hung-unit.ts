/**
 * Records fixtures/hung-unit/*.jsonl from REAL runs of the built CLI against the lab (root, Linux):
 * one fresh `hung-unit` lab per case (web1 boots a real systemd 252 in its own namespaces, see
 * src/lab/scenario-hung-unit.ts), plus, for some cases, a change made inside web1's systemd through
 * `nsenter -t <its PID 1> -a` (never on the machine): the hanging unit stopped, the failed unit
 * reset, the makecache mirror down again. Re-record after changing the runbook:
 * `npm run build && npx tsx test/helpers/record-hung-unit.ts [case...]`.
 *
 * One systemd boot per machine at a time (the lab's boot lock); every lab is removed at the end,
 * also on failure.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { labDown, labUp } from '../../src/lab/lab.ts'
import { inSystemd, MIRROR_DOWN_FLAG } from '../../src/lab/scenario-hung-unit.ts'
import type { LabState } from '../../src/lab/state.ts'
import { judge, recordCases } from './record.ts'

const OUT = 'fixtures/hung-unit'
const ROOT = '/run/runbook-lab-record-hu'
const env = { ...process.env, RUNBOOK_LAB_DIR: ROOT }

type Extra = (state: LabState) => void
const run = (state: LabState, ...argv: string[]): void => {
  const r = inSystemd(state, argv, 20_000)
  if (r.status !== 0) throw new Error(`${argv.join(' ')} in web1's systemd: exit ${r.status}: ${r.stderr}`)
}
/** Nothing hangs any more: the stuck unit is stopped (cancelling its start fails it: reset that too). */
export const stopHanging: Extra = (s) => {
  run(s, 'systemctl', 'stop', 'backup-sync.service')
  run(s, 'systemctl', 'reset-failed', 'backup-sync.service')
}
/** Someone reset the failed unit by hand. */
export const resetFailed: Extra = (s) => run(s, 'systemctl', 'reset-failed', 'makecache.service')
/** The mirror is down again: a restart hangs and is killed again. */
export const mirrorDown: Extra = (s) => run(s, 'touch', MIRROR_DOWN_FLAG)

export interface Case {
  name: string
  host: string
  extras: Extra[]
  apply: boolean
  expectExit: number
  outcome: string
}

export const CASES: Case[] = [
  { name: 'healthy', host: 'web1', extras: [stopHanging, resetFailed], apply: false, expectExit: 0, outcome: 'healthy' },
  { name: 'no-systemd', host: 'web2', extras: [], apply: false, expectExit: 3, outcome: 'no_systemd' },
  { name: 'killed-dry-run', host: 'web1', extras: [], apply: false, expectExit: 4, outcome: '_proposed' },
  { name: 'killed-apply-still-hanging', host: 'web1', extras: [], apply: true, expectExit: 5, outcome: 'hanging' },
  { name: 'killed-apply-recovered', host: 'web1', extras: [stopHanging], apply: true, expectExit: 5, outcome: 'recovered' },
  {
    name: 'killed-apply-fails-again',
    host: 'web1',
    extras: [stopHanging, mirrorDown],
    apply: true,
    expectExit: 8,
    outcome: 'still_failing',
  },
  { name: 'hanging-only', host: 'web1', extras: [resetFailed], apply: false, expectExit: 3, outcome: 'hanging' },
]

async function record(c: Case): Promise<boolean> {
  const up = await labUp('hung-unit', { name: 'rec', env })
  try {
    for (const extra of c.extras) extra(up.state)
    const transcript = join(OUT, `${c.name}.jsonl`)
    rmSync(transcript, { force: true })
    const args = [
      'bin/runbook.js',
      'run',
      'hung-unit',
      '--host',
      c.host,
      '--inventory',
      up.inventory,
      '--transcript',
      transcript,
      '--json',
      ...(c.apply ? ['--apply', '--yes'] : []),
    ]
    const r = spawnSync('node', args, {
      encoding: 'utf8',
      env: { ...process.env, RUNBOOK_STATE_DIR: join(ROOT, 'state') },
      timeout: 120_000,
    })
    return judge(c, r)
  } finally {
    await labDown({ name: 'rec', env })
  }
}

async function main(): Promise<void> {
  await recordCases({
    script: 'record-hung-unit',
    out: OUT,
    cases: CASES,
    record,
    cleanup: async () => {
      await labDown({ name: 'rec', env })
      rmSync(ROOT, { recursive: true, force: true })
    },
  })
}

if (import.meta.url === `file://${process.argv[1]}`) await main()
