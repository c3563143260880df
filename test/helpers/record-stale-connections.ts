/**
 * Records fixtures/stale-connections/*.jsonl from REAL runs of the built CLI against the lab (root,
 * Linux): one fresh lab per case, scenario `stale-connections` (app on web1 holding 111 connections
 * to a hung CRL server on web2) or `healthy`, plus for some cases one more real thing in the lab:
 * the story's crawler calling the app all along, a busy pool of live connections, or the lost pid
 * file of the app's supervisor. Re-record after changing the runbook:
 * `npm run build && npx tsx test/helpers/record-stale-connections.ts [case...]`.
 *
 * One case cannot come from this machine as it is: memory pressure. It has GBs free and no swap,
 * and filling its memory would hurt everyone on it; so `memory-pressure-other` raises the bar
 * instead (min_available_percent just above what the machine really has free): real numbers,
 * judged by a stricter operator.
 *
 * Only the lab's namespaces are touched (198.18.0.0/15); its own lab root, so a lab you have up is
 * left alone. Processes this script starts are ended by their PID; every lab is removed at the
 * end, also on failure.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process'
import { mkdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { labDown, labUp } from '../../src/lab/lab.ts'
import { APP_PORT, staleConnectionsFiles, writeLabProgram } from '../../src/lab/scenario-stale-connections.ts'
import type { LabState } from '../../src/lab/state.ts'
import { cleanEnv, sleep } from '../../src/lab/sys.ts'
import { judge, recordCases } from './record.ts'

const OUT = 'fixtures/stale-connections'
const ROOT = '/run/runbook-lab-record-sc'
const env = { ...process.env, RUNBOOK_LAB_DIR: ROOT }
export const POOL_PORT = 7000
export const POOL_SIZE = 60

/** Something more, made real in the lab before the run; returns the processes to end afterwards. */
type Extra = (state: LabState) => Promise<ChildProcess[]>

function host(state: LabState, name: string): LabState['hosts'][number] {
  const h = state.hosts.find((x) => x.name === name)
  if (!h) throw new Error(`no lab host ${name}`)
  return h
}

/** A lab program in a host's network namespace, as a child of this script (ended by its PID). */
function inHost(state: LabState, name: string, args: string[]): ChildProcess {
  const program = staleConnectionsFiles(state.dir, name).program
  const child = spawn('ip', ['netns', 'exec', host(state, name).netns, 'python3', program, ...args], { stdio: 'ignore', env: cleanEnv() })
  if (child.pid === undefined) throw new Error(`could not start ${args[0]} on ${name}`)
  return child
}

/** The story's crawler keeps calling the app (10 requests a second): the restart does not last. */
export const crawler: Extra = async (state) => {
  const bot = inHost(state, 'bastion', [
    'bot',
    '--target',
    `${host(state, 'web1').address}:${APP_PORT}`,
    '--count',
    '0',
    '--interval',
    '0.1',
  ])
  await sleep(1000)
  return [bot]
}

/** web1 holds a big pool of live connections to web2 (a line each way every second): busy, not stale. */
export const busyPool: Extra = async (state) => {
  const server = inHost(state, 'web2', ['echo-server', '--listen', `${host(state, 'web2').address}:${POOL_PORT}`])
  await sleep(1000)
  const pool = inHost(state, 'web1', ['pool', '--target', `${host(state, 'web2').address}:${POOL_PORT}`, '--size', String(POOL_SIZE)])
  await sleep(12_000) // older than idle_seconds (10): only their activity tells them from stale ones
  return [pool, server]
}

/** The supervisor's pid file is gone (the supervisor still runs): nothing safe to signal. */
export const lostPidFile: Extra = (state) => {
  rmSync(staleConnectionsFiles(state.dir).supervisorPid)
  return Promise.resolve([])
}

function runCli(args: string[]): SpawnSyncReturns<string> {
  return spawnSync('node', args, { encoding: 'utf8', env: { ...process.env, RUNBOOK_STATE_DIR: join(ROOT, 'state') }, timeout: 180_000 })
}

function outcomeOf(stdout: string): string | undefined {
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { type: string; id?: string })
    .find((e) => e.type === 'outcome')?.id
}

/**
 * An older host without ss (iproute2): inside web1's own mount namespace only, an empty file that
 * is not executable is bind-mounted over ss, so `command -v ss` finds nothing and the runbook falls
 * back to netstat -antpW. The machine's ss is untouched (the host's mounts are private).
 */
export const noSs: Extra = (state) => {
  const w = host(state, 'web1')
  const init = readFileSync(`/proc/${w.pid}/task/${w.pid}/children`, 'utf8').trim().split(/\s+/)[0]
  if (!init || readlinkSync(`/proc/${init}/ns/mnt`) === readlinkSync('/proc/self/ns/mnt'))
    throw new Error('web1 has no mount namespace of its own: not hiding ss')
  const blank = join(state.dir, 'hosts', 'web1', 'no-ss')
  writeFileSync(blank, '', { mode: 0o644 })
  const ss = spawnSync('sh', ['-c', 'command -v ss'], { encoding: 'utf8', env: cleanEnv() }).stdout.trim()
  const r = spawnSync('nsenter', ['-t', init, '-m', '--', 'mount', '--bind', blank, ss], { encoding: 'utf8', env: cleanEnv() })
  if (r.status !== 0) throw new Error(`could not hide ss on web1: ${r.stderr}`)
  return Promise.resolve([])
}

export interface Case {
  name: string
  scenario: 'healthy' | 'stale-connections'
  extras: Extra[]
  apply: boolean
  params?: (state: LabState) => Record<string, string>
  expectExit: number
  outcome: string
}

/** min_available_percent just above the share of memory this machine really has available. */
function strictMemory(): Record<string, string> {
  const info = readFileSync('/proc/meminfo', 'utf8')
  const kb = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(info)?.[1] ?? 0)
  const available = (kb('MemAvailable') / kb('MemTotal')) * 100
  return { min_available_percent: String(Math.min(100, Math.floor(available) + 2)) }
}

export const CASES: Case[] = [
  { name: 'healthy', scenario: 'healthy', extras: [], apply: false, expectExit: 0, outcome: 'healthy' },
  {
    name: 'memory-pressure-other',
    scenario: 'healthy',
    extras: [],
    apply: false,
    params: strictMemory,
    expectExit: 3,
    outcome: 'memory_pressure_other',
  },
  { name: 'busy-pool', scenario: 'healthy', extras: [busyPool], apply: false, expectExit: 0, outcome: 'busy_connections' },
  { name: 'stale-dry-run', scenario: 'stale-connections', extras: [], apply: false, expectExit: 4, outcome: '_proposed' },
  { name: 'stale-apply', scenario: 'stale-connections', extras: [], apply: true, expectExit: 5, outcome: 'stale_connections' },
  {
    name: 'stale-apply-crawler-returns',
    scenario: 'stale-connections',
    extras: [crawler],
    apply: true,
    expectExit: 8,
    outcome: 'connections_persist',
  },
  {
    name: 'stale-apply-netstat-no-ss',
    scenario: 'stale-connections',
    extras: [noSs],
    apply: true,
    expectExit: 5,
    outcome: 'stale_connections',
  },
  {
    name: 'stale-no-supervisor-pid-file',
    scenario: 'stale-connections',
    extras: [lostPidFile],
    apply: false,
    expectExit: 3,
    outcome: 'stale_connections_manual',
  },
]

async function record(c: Case): Promise<boolean> {
  const up = await labUp(c.scenario, { name: 'rec', env })
  const started: ChildProcess[] = []
  try {
    // The healthy scenario has no lab program: write it for the extras that run it.
    for (const h of up.state.hosts) writeLabProgram(up.state.dir, h.name)
    for (const extra of c.extras) started.push(...(await extra(up.state)))
    const transcript = join(OUT, `${c.name}.jsonl`)
    rmSync(transcript, { force: true })
    const params = c.params?.(up.state) ?? {}
    const args = [
      'bin/runbook.js',
      'run',
      'stale-connections',
      '--host',
      'web1',
      '--inventory',
      up.inventory,
      ...Object.entries(params).flatMap(([k, v]) => ['--param', `${k}=${v}`]),
      '--transcript',
      transcript,
      '--json',
      ...(c.apply ? ['--apply', '--yes'] : []),
    ]
    let r = runCli(args)
    // Lab hosts share this machine's files, so the engine's host lock (/var/lib/runbook/lock) is
    // one for every lab: a fix of another lab's run refuses ours (exit 9, nothing changed). Wait.
    for (let i = 0; i < 12 && outcomeOf(r.stdout) === '_refused'; i++) {
      console.log(`     ${c.name}: refused (another run holds the lock), again in 5 s`)
      await sleep(5000)
      rmSync(transcript, { force: true })
      r = runCli(args)
    }
    return judge(c, r)
  } finally {
    for (const p of started) {
      if (p.pid !== undefined && p.exitCode === null) process.kill(p.pid, 'SIGTERM')
    }
    await labDown({ name: 'rec', env })
  }
}

async function main(): Promise<void> {
  await recordCases({
    script: 'record-stale-connections',
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
