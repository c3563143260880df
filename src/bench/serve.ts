/**
 * `npm run bench:serve`: how fast `runbook serve` takes runs. 200 concurrent `POST /api/runs` of a
 * replayed runbook (log-dir-full, recorded once for real on a temp dir, then answered by the replay
 * executor, so every accepted run also runs through the engine and the SQLite journal) against a
 * server in its own process. The baseline, measured in the same run with the same client, is
 * fastify alone answering a static POST route with the same body in a process of its own. Printed:
 * runs accepted per second and the p99 latency of the API, and both as ratios to the baseline.
 *
 * BENCH_CONCURRENCY (default 200) requests at once, BENCH_ROUNDS (default 5) rounds after a warm-up.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import Fastify from 'fastify'
import { refusingApprover } from '../engine/approval.ts'
import { runRunbook } from '../engine/run.ts'
import { createLocalExecutorFactory } from '../executors/local.ts'
import { ReplayExecutors } from '../executors/replay.ts'
import { loadRunbook, SHIPPED_RUNBOOKS } from '../library.ts'
import { AccessControl } from '../service/access.ts'
import { buildServer } from '../service/http/server.ts'
import { RunService } from '../service/service.ts'
import { openSqliteStore } from '../service/sqlite-store.ts'
import type { RunEvent } from '../types.ts'
import { loadShellParser } from '../dsl/readonly.ts'

await loadShellParser()

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 200)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const TOKEN = 'bench-admin-token'

interface Setup {
  dir: string
  params: Record<string, unknown>
  events: RunEvent[]
}

/** Records log-dir-full once, for real, on a small temp log dir: what every served run replays. */
async function record(root: string): Promise<Setup> {
  const dir = join(root, 'log')
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'syslog'), 'x'.repeat(10_000))
  const params = { host: 'local', dir, max_dir_mb: 2, archive: join(root, 'rotated.tar') }
  const events: RunEvent[] = []
  const local = createLocalExecutorFactory()
  const summary = await runRunbook(loadRunbook(join(SHIPPED_RUNBOOKS, 'log-dir-full.yaml')), {
    params,
    mode: 'dry-run',
    executors: local,
    approver: refusingApprover,
    onEvent: (e) => events.push(e),
  })
  await local.close()
  if (summary.status !== 'healthy') throw new Error(`recording run ended ${summary.status}`)
  return { dir, params, events }
}

/** In the child: one server, its address sent to the parent; stops when the parent says so. */
async function child(kind: string, setup: Setup, root: string): Promise<void> {
  let close: () => Promise<void>
  let address: string
  if (kind === 'static') {
    const app = Fastify({ logger: false, bodyLimit: 64 * 1024 })
    const reply = { id: '00000000-0000-0000-0000-000000000000', url: 'http://127.0.0.1/api/runs/00000000-0000-0000-0000-000000000000' }
    app.post('/api/runs', async (_request, r) => r.code(202).send(reply))
    app.get('/healthz', async () => ({ ok: true, queued: 0, running: 0 }))
    address = await app.listen({ host: '127.0.0.1', port: 0 })
    close = () => app.close()
  } else {
    const store = openSqliteStore(join(root, 'state'))
    const service = new RunService({
      store,
      access: new AccessControl({ identities: [], roles: {}, fourEyes: true }, TOKEN),
      runbookDirs: [SHIPPED_RUNBOOKS],
      executors: () => new ReplayExecutors(setup.events),
      concurrency: 4,
    })
    await service.start()
    const app = await buildServer(service)
    address = await app.listen({ host: '127.0.0.1', port: 0 })
    close = async () => {
      await app.close()
      await service.close()
      await store.close()
    }
  }
  process.send!({ address })
  process.on('message', (m: { stop?: boolean }) => {
    if (m.stop) void close().then(() => process.disconnect())
  })
}

function post(agent: Agent, url: URL, body: string): Promise<{ status: number; ms: number }> {
  const t = performance.now()
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume()
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t }))
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

async function health(agent: Agent, base: string): Promise<{ queued: number; running: number }> {
  return new Promise((resolve, reject) => {
    request(`${base}/healthz`, { agent }, (res) => {
      let text = ''
      res.on('data', (c: Buffer) => (text += c.toString()))
      res.on('end', () => resolve(JSON.parse(text) as { queued: number; running: number }))
    })
      .on('error', reject)
      .end()
  })
}

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(q * xs.length) - 1)]!
const median = (xs: number[]) => quantile(xs, 0.5)

interface Measured {
  acceptedPerSecond: number
  p50: number
  p99: number
  /** Rounds' time from the first request to an empty queue (runbook server only). */
  drainedMs: number[]
}

async function measure(kind: 'static' | 'runbook', setup: Setup, root: string): Promise<Measured> {
  const proc: ChildProcess = fork(fileURLToPath(import.meta.url), ['--child', kind, root], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  try {
    const address = await new Promise<string>((resolve, reject) => {
      proc.once('message', (m: { address: string }) => resolve(m.address))
      proc.once('exit', (code) => reject(new Error(`${kind} server exited ${code}`)))
    })
    const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY })
    const url = new URL('/api/runs', address)
    const body = JSON.stringify({
      runbook: 'log-dir-full',
      host: 'local',
      params: { dir: setup.params.dir, max_dir_mb: setup.params.max_dir_mb, archive: setup.params.archive },
    })
    const latencies: number[] = []
    const rates: number[] = []
    const drainedMs: number[] = []
    for (let round = -1; round < ROUNDS; round++) {
      const t = performance.now()
      const replies = await Promise.all(Array.from({ length: CONCURRENCY }, () => post(agent, url, body)))
      const took = performance.now() - t
      const bad = replies.filter((r) => r.status !== 202)
      if (bad.length) throw new Error(`${kind}: ${bad.length} of ${CONCURRENCY} requests were not accepted (status ${bad[0]!.status})`)
      // Every round starts with an empty queue: the runs accepted must run to their end first.
      for (let h = await health(agent, address); h.queued + h.running > 0; h = await health(agent, address))
        await new Promise((r) => setTimeout(r, 20))
      if (round < 0) continue // warm-up
      drainedMs.push(performance.now() - t)
      latencies.push(...replies.map((r) => r.ms))
      rates.push(CONCURRENCY / (took / 1000))
    }
    agent.destroy()
    return { acceptedPerSecond: median(rates), p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), drainedMs }
  } finally {
    proc.send({ stop: true })
    await new Promise<void>((resolve) => (proc.exitCode !== null ? resolve() : proc.once('exit', () => resolve())))
  }
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'rb-bench-serve-'))
  process.env.RUNBOOK_HOST_DIR = join(root, 'host-state')
  try {
    const setup = await record(root)
    writeFileSync(join(root, 'events.json'), JSON.stringify(setup))
    const baseline = await measure('static', setup, root)
    const served = await measure('runbook', setup, root)
    const runs = ROUNDS * CONCURRENCY
    console.log(
      `bench:serve: ${CONCURRENCY} concurrent POST /api/runs (log-dir-full, replayed), ${ROUNDS} rounds after a warm-up, server and baseline each in their own process (node ${process.version})`,
    )
    const row = (what: string, m: Measured) =>
      console.log(
        `  ${what.padEnd(44)} ${m.acceptedPerSecond.toFixed(0).padStart(7)} accepted/s   p50 ${m.p50.toFixed(1).padStart(7)} ms   p99 ${m.p99.toFixed(1).padStart(7)} ms`,
      )
    row('runbook serve (auth, checks, SQLite, queue)', served)
    row('baseline: fastify, static POST route', baseline)
    console.log(
      `  ratios runbook/baseline: ${(served.acceptedPerSecond / baseline.acceptedPerSecond).toFixed(2)}x the accepted/s, ${(served.p99 / baseline.p99).toFixed(1)}x the p99 latency`,
    )
    console.log(
      `  ${runs} runs accepted and replayed to their end (4 workers): a round of ${CONCURRENCY} drains in ${median(served.drainedMs).toFixed(0)} ms median (${((CONCURRENCY / median(served.drainedMs)) * 1000).toFixed(0)} runs finished/s)`,
    )
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}

if (process.argv[2] === '--child') {
  const root = process.argv[4]!
  const { readFileSync } = await import('node:fs')
  await child(process.argv[3]!, JSON.parse(readFileSync(join(root, 'events.json'), 'utf8')) as Setup, root)
} else {
  await main()
}
