/**
 * The service side of `npm run bench:fleet`: the same fleet run submitted with `POST /api/fleets`
 * to `runbook serve` as it runs by default (one process, SQLite, the in-process queue) and to
 * `runbook serve --database postgres://… --queue redis://…` with two `runbook worker` processes
 * (a real PostgreSQL and Redis from src/testing, on loopback, temporary directories). Timed from
 * the request to the last run's end (the store polled every 25 ms). Each setup runs a fleet first
 * to warm up, then the best of 2. SSH connections idle for 0.5 s are closed (RUNBOOK_SSH_IDLE_TIMEOUT_MS)
 * and fleets start 1.5 s apart, so each fleet opens its connections as the CLI does, whichever
 * worker takes a host. Every process and server is stopped by PID at the end, also on failure.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { freePort } from '../testing/daemon.ts'
import { startPostgres, type TestPostgres } from '../testing/postgres.ts'
import { startRedis, type TestRedis } from '../testing/redis.ts'

const TOKEN = 'bench-fleet-token'
const LIVE = new Set(['queued', 'running', 'waiting-approval'])

export interface ServiceSetup {
  /** A temporary folder of its own. */
  dir: string
  bin: string
  runbookFile: string
  runbook: string
  inventory: string
  hosts: readonly string[]
}

export interface ServiceTimes {
  embedded: number
  workers: number
}

interface Proc {
  child: ChildProcess
  log: string
}

function start(bin: string, args: string[], env: NodeJS.ProcessEnv, procs: Proc[]): Proc {
  const child = spawn(process.execPath, [bin, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] })
  const p = { child, log: '' }
  child.stderr!.on('data', (c: Buffer) => (p.log = (p.log + c.toString()).slice(-8000)))
  procs.push(p)
  return p
}

async function stop(p: Proc): Promise<void> {
  const c = p.child
  if (c.exitCode !== null || c.signalCode !== null || c.pid === undefined) return
  const gone = new Promise((r) => c.once('exit', r))
  process.kill(c.pid, 'SIGTERM')
  const timer = setTimeout(() => c.exitCode === null && c.signalCode === null && process.kill(c.pid!, 'SIGKILL'), 10_000)
  await gone
  clearTimeout(timer)
}

async function waitFor(what: string, procs: Proc[], check: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (
    !(await Promise.resolve()
      .then(check)
      .catch(() => false))
  ) {
    const dead = procs.find((p) => p.child.exitCode !== null || p.child.signalCode !== null)
    if (dead || Date.now() > end) throw new Error(`bench:fleet: ${what}\n${procs.map((p) => p.log.slice(-2000)).join('\n---\n')}`)
    await sleep(50)
  }
}

/** One fleet through the API: seconds from the request to the last run's end. */
async function fleet(port: number, s: ServiceSetup, procs: Proc[]): Promise<number> {
  const api = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const r = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    })
    if (!r.ok) throw new Error(`bench:fleet: ${method} ${path}: ${r.status} ${await r.text()}`)
    return r.json()
  }
  const t0 = performance.now()
  const submitted = (await api('POST', '/api/fleets', { runbook: s.runbook, hosts: s.hosts, mode: 'dry-run' })) as {
    runs: Array<{ id: string }>
  }
  const ids = new Set(submitted.runs.map((r) => r.id))
  let runs: Array<{ id: string; status: string }> = []
  await waitFor(
    'the fleet did not end',
    procs,
    async () => {
      const list = (await api('GET', `/api/runs?runbook=${s.runbook}&limit=999`)) as { runs: Array<{ id: string; status: string }> }
      runs = list.runs.filter((r) => ids.has(r.id))
      return runs.length === ids.size && runs.every((r) => !LIVE.has(r.status))
    },
    300_000,
  )
  const seconds = (performance.now() - t0) / 1000
  const unwell = runs.filter((r) => r.status !== 'healthy')
  if (unwell.length > 0)
    throw new Error(
      `bench:fleet: service fleet: ${unwell.length} runs did not end healthy: ${unwell
        .slice(0, 5)
        .map((r) => `${r.id} ${r.status}`)
        .join(', ')}`,
    )
  return seconds
}

async function bestOf2(port: number, s: ServiceSetup, procs: Proc[]): Promise<number> {
  await fleet(port, s, procs) // warm-up
  const times: number[] = []
  for (let i = 0; i < 2; i++) {
    await sleep(1500) // the previous fleet's connections close (idle 0.5 s)
    times.push(await fleet(port, s, procs))
  }
  return Math.min(...times)
}

/** The same fleet on the embedded service and on serve + 2 workers; best of 2 after a warm-up each. */
export async function serviceFleets(s: ServiceSetup): Promise<ServiceTimes> {
  mkdirSync(join(s.dir, 'runbooks'), { recursive: true })
  copyFileSync(s.runbookFile, join(s.dir, 'runbooks', `${s.runbook}.yaml`))
  const access = join(s.dir, 'access.yaml')
  writeFileSync(
    access,
    [
      'identities:',
      `  bench: { token_sha256: ${createHash('sha256').update(TOKEN).digest('hex')}, roles: [operator] }`,
      'roles:',
      '  operator:',
      '    - { verbs: [view, run], runbooks: ["*"], hosts: ["*"] }',
      '',
    ].join('\n'),
  )
  const env = {
    ...process.env,
    NO_COLOR: '1',
    RUNBOOK_PATH: join(s.dir, 'runbooks'),
    RUNBOOK_INVENTORY: s.inventory,
    RUNBOOK_SSH_IDLE_TIMEOUT_MS: '500',
  }
  const common = ['--access', access, '--inventory', s.inventory]
  const n = s.hosts.length
  const procs: Proc[] = []
  let pg: TestPostgres | undefined
  let redis: TestRedis | undefined
  try {
    const port1 = await freePort()
    start(
      s.bin,
      ['serve', '--listen', `127.0.0.1:${port1}`, '--state-dir', join(s.dir, 'embedded'), '--concurrency', String(n), ...common],
      env,
      procs,
    )
    await waitFor('embedded serve did not come up', procs, async () => (await fetch(`http://127.0.0.1:${port1}/healthz`)).ok)
    const embedded = await bestOf2(port1, s, procs)
    await Promise.all(procs.splice(0).map(stop))

    ;[pg, redis] = await Promise.all([startPostgres(), startRedis()])
    const shared = ['--database', await pg.createDatabase('bench_fleet'), '--queue', redis.url, ...common]
    const port2 = await freePort()
    start(s.bin, ['serve', '--listen', `127.0.0.1:${port2}`, ...shared], env, procs)
    const workers = [1, 2].map(() => start(s.bin, ['worker', ...shared, '--concurrency', String(Math.ceil(n / 2))], env, procs))
    await waitFor('serve --queue did not come up', procs, async () => (await fetch(`http://127.0.0.1:${port2}/healthz`)).ok)
    await waitFor('the workers did not start', procs, () => workers.every((w) => w.log.includes('taking runs from')))
    return { embedded, workers: await bestOf2(port2, s, procs) }
  } finally {
    await Promise.all(procs.map(stop))
    await Promise.all([pg?.stop(), redis?.stop()])
  }
}
