/**
 * The BullMQ queue with real Redis and PostgreSQL (test/helpers): serve's RunService submits
 * through BullRunQueue, two in-process workers (RunWorker + their own RunService and store pool,
 * as two `runbook worker` processes would have) run the jobs. What must hold across workers: every
 * run once, one mutating run per host at a time, approvals decided at serve, cancel, fleets as flows.
 * The SIGKILL of a real worker process is test/integration/scaleout.int.test.ts.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { Queue } from 'bullmq'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createLocalExecutorFactory } from '../../../src/executors/local.ts'
import { AccessControl, parseAccess } from '../../../src/service/access.ts'
import { BullRunQueue, FLEETS_QUEUE, RunWorker } from '../../../src/service/bullmq-queue.ts'
import { openPostgresStore } from '../../../src/service/postgres-store.ts'
import { RunService } from '../../../src/service/service.ts'
import type { RunRecord, Store } from '../../../src/service/store.ts'
import type { RunEvent } from '../../../src/types.ts'
import { startPostgres, type TestPostgres } from '../../helpers/postgres.ts'
import { startRedis, type TestRedis } from '../../helpers/redis.ts'
import { ACCESS_YAML, TOKENS } from './fixture.ts'
import { STATUS_EXIT } from '../../../src/engine/summary.ts'

const RUNBOOK = resolve('fixtures/runbooks/valid/resume-marker.yaml')
const access = new AccessControl(parseAccess(ACCESS_YAML), TOKENS.admin)
const who = (name: keyof typeof TOKENS) => access.authenticate(TOKENS[name])!
/** Every status a run ends in. */
const FINAL: string[] = Object.keys(STATUS_EXIT)

let pg: TestPostgres
let redis: TestRedis
let root: string
const saved = process.env.RUNBOOK_HOST_DIR
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'rb-bull-'))
  // One host-state dir per host name: the local executor stands in for several hosts.
  process.env.RUNBOOK_HOST_DIR = join(root, 'host-state', '{host}')
  ;[pg, redis] = await Promise.all([startPostgres(), startRedis()])
})
afterAll(async () => {
  await Promise.all([pg?.stop(), redis?.stop()])
  if (saved === undefined) delete process.env.RUNBOOK_HOST_DIR
  else process.env.RUNBOOK_HOST_DIR = saved
  rmSync(root, { recursive: true, force: true })
})

let cleanup: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const f of cleanup.reverse()) await f().catch(() => {})
  cleanup = []
})

/** serve + two workers on a fresh database and key prefix. */
async function cluster(n = 2) {
  const url = await pg.createDatabase()
  const prefix = `t${Math.random().toString(36).slice(2, 8)}`
  const runbooks = join(root, prefix, 'runbooks')
  mkdirSync(runbooks, { recursive: true })
  copyFileSync(RUNBOOK, join(runbooks, 'resume-marker.yaml'))
  const connection = { url: redis.url, prefix }
  const store = await openPostgresStore(url)
  const queue = new BullRunQueue({ connection, store })
  const serve = new RunService({
    store,
    access,
    runbookDirs: [runbooks],
    executors: () => createLocalExecutorFactory(),
    queue: () => queue,
    approvalPollMs: 100,
  })
  await queue.ready()
  await serve.start()
  cleanup.push(async () => {
    await serve.close()
    await store.close()
  })
  const workers: Array<{ store: Store; worker: RunWorker }> = []
  for (let i = 0; i < n; i++) {
    const wstore = await openPostgresStore(url)
    const service = new RunService({
      store: wstore,
      access,
      runbookDirs: [runbooks],
      executors: () => createLocalExecutorFactory(),
      approvalPollMs: 100,
    })
    const worker = new RunWorker({
      connection,
      store: wstore,
      concurrency: 4,
      execute: (id, s) => service.executeRun(id, s),
      timeoutMs: 60_000,
      now: Date.now,
      hostBusyDelayMs: 100,
    })
    await worker.ready()
    workers.push({ store: wstore, worker })
    cleanup.push(async () => {
      await worker.close()
      await service.close()
      await wstore.close()
    })
  }
  const until = async (id: string, statuses: string[], timeoutMs = 30_000) => {
    const end = Date.now() + timeoutMs
    for (;;) {
      const run = (await store.getRun(id))!
      if (statuses.includes(run.status)) return run
      if (Date.now() > end) throw new Error(`run ${id} is ${run.status}, not ${statuses.join('|')}`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }
  const events = async (id: string) => (await store.events(id)).map((e) => JSON.parse(e.json) as RunEvent)
  return { serve, store, workers, until, events, connection, database: url, dir: join(root, prefix) }
}

const marker = (dir: string, name: string) => {
  const f = join(dir, `${name}.marker`)
  writeFileSync(f, '')
  return f
}
const lines = (f: string) => readFileSync(f, 'utf8').split('\n').filter(Boolean)

describe('BullMQ queue and workers', () => {
  it('runs submitted at serve run on the workers, each once, with their journals in the shared store', async () => {
    const c = await cluster()
    const runs: RunRecord[] = []
    for (let i = 0; i < 6; i++)
      runs.push(
        await c.serve.submit(who('alice'), {
          runbook: 'resume-marker',
          host: `h${i}`,
          params: { marker: marker(c.dir, `h${i}`), pause: '0.05' },
        }),
      )
    // A follower at serve (SSE, `runbook run --server`) sees the worker's events live, then the end.
    const followed: number[] = []
    const ended = new Promise<void>((done) => c.serve.subscribe(runs[0]!.id, (e) => (e ? followed.push(e.seq) : done())))
    for (const r of runs) expect(await c.until(r.id, FINAL)).toMatchObject({ status: 'fix-proposed', exitCode: 4 })
    for (const r of runs) {
      const events = await c.events(r.id)
      expect(events.filter((e) => e.type === 'run.started')).toHaveLength(1)
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1))
    }
    expect(await c.store.queuedJobs()).toEqual([])
    await ended
    expect(followed).toEqual((await c.events(runs[0]!.id)).map((e) => e.seq))
  })

  it('an apply waits for an approval given at serve (another process), then applies once', async () => {
    const c = await cluster()
    const m = marker(c.dir, 'web1')
    const run = await c.serve.submit(who('alice'), {
      runbook: 'resume-marker',
      host: 'web1',
      params: { marker: m, pause: '0.05' },
      mode: 'apply',
    })
    await c.until(run.id, ['waiting-approval'])
    const request = (await c.store.approvalRequest(run.id))!
    await expect(c.serve.decide(who('alice'), run.id, request.planHash, 'approve')).rejects.toMatchObject({ code: 'RB_APPROVAL_REFUSED' })
    expect(await c.serve.decide(who('bob'), run.id, request.planHash, 'approve')).toMatchObject({ state: 'approved' })
    expect(await c.until(run.id, FINAL)).toMatchObject({ status: 'fix-applied' })
    expect(lines(m)).toEqual(['applied-1', 'applied-2'])
  })

  it('one mutating run per host across workers: applies on one host never overlap', async () => {
    const c = await cluster()
    const shared = marker(c.dir, 'same')
    const runs: RunRecord[] = []
    for (let i = 0; i < 4; i++)
      runs.push(
        await c.serve.submit(who('alice'), {
          runbook: 'resume-marker',
          host: 'same',
          params: { marker: shared, pause: '0.05', apply_pause: '0.3' },
          mode: 'apply',
        }),
      )
    const seenLocks: string[] = []
    const approve = async () => {
      for (;;) {
        const all = await Promise.all(runs.map((r) => c.store.getRun(r.id)))
        for (const lock of await c.store.hostLocks()) if (!seenLocks.includes(lock.runId)) seenLocks.push(lock.runId)
        for (const r of all) {
          if (r!.status !== 'waiting-approval') continue
          const req = await c.store.approvalRequest(r!.id)
          if (req?.state === 'open') await c.serve.decide(who('bob'), r!.id, req.planHash, 'approve').catch(() => {})
        }
        if (all.every((r) => FINAL.includes(r!.status))) return all
        await new Promise((ok) => setTimeout(ok, 50))
      }
    }
    const done = await approve()
    expect(done.map((r) => r!.status)).toEqual(['fix-applied', 'fix-applied', 'fix-applied', 'fix-applied'])
    // Never interleaved: each run's two lines are next to each other.
    expect(lines(shared)).toEqual(Array.from({ length: 4 }, () => ['applied-1', 'applied-2']).flat())
    expect(seenLocks.length).toBeGreaterThan(0)
  }, 60_000)

  it('cancel reaches the worker running the run', async () => {
    const c = await cluster(1)
    const slow = await c.serve.submit(who('alice'), {
      runbook: 'resume-marker',
      host: 'slow',
      params: { marker: marker(c.dir, 'slow'), pause: '5' },
    })
    await c.until(slow.id, ['running'])
    await new Promise((r) => setTimeout(r, 300))
    expect(await c.serve.cancel(who('alice'), slow.id)).toBeTruthy()
    expect(await c.until(slow.id, FINAL, 10_000)).toMatchObject({
      status: 'incomplete',
      error: expect.stringMatching(/cancelled by alice/),
    })
  })

  it('a worker that stops (SIGTERM) hands its runs back at once: another worker resumes them from the journal', async () => {
    const c = await cluster(1)
    const m = marker(c.dir, 'handback')
    const run = await c.serve.submit(who('alice'), { runbook: 'resume-marker', host: 'hb', params: { marker: m, pause: '1' } })
    await c.until(run.id, ['running'])
    await new Promise((r) => setTimeout(r, 300))
    const first = c.workers[0]!
    await first.worker.close()
    expect((await c.store.getRun(run.id))!.status).toBe('running')
    // A second worker comes up and takes the job back at once (no lock to wait out).
    const runbooks = join(c.dir, 'runbooks')
    const wstore = await openPostgresStore(c.database)
    const service = new RunService({ store: wstore, access, runbookDirs: [runbooks], executors: () => createLocalExecutorFactory() })
    const second = new RunWorker({
      connection: c.connection,
      store: wstore,
      concurrency: 1,
      execute: (id, s) => service.executeRun(id, s),
      timeoutMs: 60_000,
      now: Date.now,
    })
    cleanup.push(async () => {
      await second.close()
      await wstore.close()
    })
    await second.ready()
    expect(await c.until(run.id, FINAL)).toMatchObject({ status: 'fix-proposed' })
    const events = await c.events(run.id)
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1))
    expect(events.filter((e) => e.type === 'run.started')).toHaveLength(1)
    // The parallel look step finished before the stop: its commands ran once.
    expect(events.filter((e) => e.type === 'command.finished' && e.step === 'look')).toHaveLength(2)
  })

  it('a fleet is a flow: one child job per host, the parent collects their statuses', async () => {
    const c = await cluster()
    const hosts = ['f1', 'f2', 'f3']
    const fleet = await c.serve.submitFleet(who('alice'), {
      runbook: 'resume-marker',
      hosts,
      params: { marker: marker(c.dir, 'fleet'), pause: '0.05' },
    })
    expect(fleet.runs.map((r) => r.host)).toEqual(hosts)
    for (const r of fleet.runs) await c.until(r.id, FINAL)
    const q = new Queue(FLEETS_QUEUE, { connection: { url: redis.url }, prefix: c.connection.prefix })
    try {
      let parent = await q.getJob(fleet.id)
      for (let i = 0; i < 100 && !(await parent?.isCompleted()); i++) {
        await new Promise((r) => setTimeout(r, 100))
        parent = await q.getJob(fleet.id)
      }
      expect(parent!.returnvalue).toEqual({ fleetId: fleet.id, runs: Object.fromEntries(fleet.runs.map((r) => [r.id, 'fix-proposed'])) })
    } finally {
      await q.close()
    }
  })
})
