/**
 * The run queue on BullMQ (Redis), for more than one machine: `runbook serve --queue redis://...`
 * submits jobs, `runbook worker` processes take them and run them with the same engine
 * (RunService.executeRun). The only file that imports bullmq.
 *
 *   - one job per run, its job id the run id: submitting a run twice (a restarted serve resubmits
 *     the runs it finds live) adds nothing while the job exists;
 *   - a worker that dies (SIGKILL, a lost machine) stops renewing its job lock; BullMQ's stalled
 *     check puts the job back, another worker takes it and resumes the run from its journal
 *     (journal.ts: a finished step never runs again, an interrupted apply goes to verify);
 *   - a worker that stops (SIGTERM) interrupts its runs without ending them and hands their jobs
 *     back at once;
 *   - one mutating run per host across workers: the store's host lock (Postgres), taken before the
 *     run starts; a job whose host is busy is delayed and tried again;
 *   - cancel reaches the worker running the run through a custom queue event;
 *   - a fleet is a BullMQ flow: a parent job (queue `runbook-fleets`) with one child job per host
 *     (queue `runbook-runs`); the parent runs when every child has finished, and returns the
 *     fleet's statuses by run.
 */
import {
  DelayedError,
  FlowProducer,
  Queue,
  QueueEvents,
  QueueEventsProducer,
  WaitingError,
  Worker,
  type Job,
  type JobsOptions,
} from 'bullmq'
import { RunTimeout, ServerStopping, type CancelResult, type QueuedFleet, type QueuedRun, type RunQueue } from './queue.ts'
import { LIVE_STATUSES, type Store } from './store.ts'

export const RUNS_QUEUE = 'runbook-runs'
export const FLEETS_QUEUE = 'runbook-fleets'
const CANCEL_EVENT = 'runbook.cancel'

/** What a run's job carries: ids only; the run itself (params, secrets) stays in the store. */
export type RunJobData = QueuedRun
export interface FleetJobData {
  fleetId: string
  runbook: string
  runs: string[]
}
/** A run job's return value, which the fleet's parent job collects. */
export interface RunJobResult {
  id: string
  status: string
}

const RUN_JOB: JobsOptions = {
  // A failed attempt is infrastructure (the store unreachable): try again, the run resumes from its journal.
  attempts: 20,
  backoff: { type: 'fixed', delay: 1000 },
  removeOnComplete: { count: 1000 },
  removeOnFail: { count: 1000 },
}

export interface BullConnection {
  /** redis://[user:password@]host:port[/db] */
  url: string
  /** Key prefix (default `runbook`): several installations can share one Redis. */
  prefix?: string
}

const connection = (c: BullConnection) => ({ connection: { url: c.url, maxRetriesPerRequest: null }, prefix: c.prefix ?? 'runbook' })

/**
 * Resolves when `ready` does; rejects after `timeoutMs` or on `signal` (ioredis retries a refused
 * connection for ever: a wrong --queue must fail at start, with the last connection error).
 */
async function within(ready: Promise<unknown>, what: () => string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  let onAbort: (() => void) | undefined
  try {
    await Promise.race([
      ready,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${Math.round(timeoutMs / 1000)} s (${what()})`)), timeoutMs)
        onAbort = () => reject(new Error(`interrupted while connecting (${what()})`))
        if (signal?.aborted) onAbort()
        else signal?.addEventListener('abort', onAbort, { once: true })
      }),
    ])
  } finally {
    clearTimeout(timer)
    if (onAbort) signal?.removeEventListener('abort', onAbort)
  }
}

/** Closes, but gives up waiting after `ms` (a queue that never connected may never say it closed). */
export async function closeWithin(close: Promise<unknown>, ms = 5000): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  await Promise.race([close.catch(() => {}), new Promise((r) => (timer = setTimeout(r, ms)))])
  clearTimeout(timer)
}

/** Logs each component's error once until it changes (ioredis repeats a refused connect every few ms). */
function errorLog(log: ((message: string) => void) | undefined) {
  const last = new Map<string, string>()
  return (what: string) => (err: Error) => {
    if (last.get(what) === err.message) return
    last.set(what, err.message)
    log?.(`${what}: ${err.message}`)
  }
}

/** Redis URL without its password, for messages. */
export function describeRedis(url: string): string {
  try {
    const u = new URL(url)
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`
  } catch {
    return 'redis'
  }
}

/** The flow a fleet is submitted as: a parent job, one child job per host. */
export function fleetFlow(fleet: QueuedFleet) {
  return {
    name: 'fleet',
    queueName: FLEETS_QUEUE,
    data: { fleetId: fleet.id, runbook: fleet.runbook, runs: fleet.runs.map((r) => r.id) } satisfies FleetJobData,
    opts: { jobId: fleet.id, removeOnComplete: { count: 1000 } },
    children: fleet.runs.map((r) => ({
      name: 'run',
      queueName: RUNS_QUEUE,
      data: r satisfies RunJobData,
      opts: { ...RUN_JOB, jobId: r.id },
    })),
  }
}

/** serve's side: submits jobs and cancels; runs nothing itself. */
export class BullRunQueue implements RunQueue {
  readonly shared = true
  readonly #queue: Queue<RunJobData>
  readonly #flows: FlowProducer
  readonly #events: QueueEventsProducer
  readonly #pending = new Set<Promise<unknown>>()
  #depth = 0
  #running = 0
  #lastError: string | undefined
  readonly #timer: NodeJS.Timeout

  constructor(readonly o: { connection: BullConnection; store: Store; log?(message: string): void }) {
    this.#queue = new Queue(RUNS_QUEUE, connection(o.connection))
    this.#flows = new FlowProducer(connection(o.connection))
    this.#events = new QueueEventsProducer(RUNS_QUEUE, connection(o.connection))
    const logOnce = errorLog(o.log)
    const onError = (what: string) => (err: Error) => {
      this.#lastError = err.message
      logOnce(what)(err)
    }
    this.#queue.on('error', onError('queue'))
    this.#flows.on('error', onError('fleets'))
    this.#events.on('error', onError('queue events'))
    // depth and running are read synchronously (metrics): counts refreshed in the background.
    this.#timer = setInterval(() => void this.#refresh(), 2000).unref()
  }

  /** Waits until Redis answers: a wrong --queue fails at start, not at the first run. */
  async ready(o: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<void> {
    await within(
      Promise.all([this.#queue.waitUntilReady(), this.#events.waitUntilReady()]),
      () => this.#lastError ?? 'no error yet',
      o.timeoutMs ?? 30_000,
      o.signal,
    )
    await this.#refresh()
  }

  async #refresh(): Promise<void> {
    try {
      const c = await this.#queue.getJobCounts('waiting', 'delayed', 'prioritized', 'active')
      this.#depth = (c.waiting ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0)
      this.#running = c.active ?? 0
    } catch {
      // Metrics keep the last known counts while Redis is away.
    }
  }

  get depth(): number {
    return this.#depth
  }
  get running(): number {
    return this.#running
  }

  #track<T>(p: Promise<T>): Promise<T> {
    this.#pending.add(p)
    void p.finally(() => this.#pending.delete(p)).catch(() => {})
    return p
  }

  async submit(run: QueuedRun): Promise<void> {
    await this.#track(this.#queue.add('run', run, { ...RUN_JOB, jobId: run.id }))
  }

  async submitFleet(fleet: QueuedFleet): Promise<void> {
    await this.#track(this.#flows.add(fleetFlow(fleet)))
  }

  async cancel(id: string, reason: string): Promise<CancelResult> {
    const { store } = this.o
    const job = await this.#queue.getJob(id)
    // Not taken by a worker yet: removing the job is the cancel (a worker holding it makes remove fail).
    if (
      job &&
      (await job.getState()) !== 'active' &&
      (await job.remove().then(
        () => true,
        () => false,
      ))
    ) {
      await store.claimJob(id)
      return 'queued'
    }
    if (!job && (await store.claimJob(id))) return 'queued'
    const run = await store.getRun(id)
    if (!run || !(LIVE_STATUSES as readonly string[]).includes(run.status)) return false
    await this.#events.publishEvent({ eventName: CANCEL_EVENT, runId: id, reason })
    return 'running'
  }

  async close(): Promise<void> {
    clearInterval(this.#timer)
    await Promise.allSettled([...this.#pending])
    await closeWithin(Promise.all([this.#queue.close(), this.#flows.close(), this.#events.close()]))
    await closeWithin(Promise.all([this.#queue.disconnect(), this.#flows.disconnect(), this.#events.disconnect()]))
  }
}

export interface RunWorkerOptions {
  connection: BullConnection
  store: Store
  /** Runs at once in this worker (default 4). */
  concurrency: number
  /** Runs one run (RunService.executeRun): records its own end, returns early on ServerStopping. */
  execute(id: string, signal: AbortSignal): Promise<void>
  timeoutMs: number
  now(): number
  /** BullMQ job lock: a worker silent this long is taken for dead (default 30 s). */
  lockDurationMs?: number
  /** How often workers look for stalled jobs (default 30 s). */
  stalledIntervalMs?: number
  /** A busy host's job is tried again after this (default 1 s). */
  hostBusyDelayMs?: number
  log?(message: string): void
}

/** `runbook worker`'s side: takes run jobs (and fleet parents) and runs them. */
export class RunWorker {
  /** Created by ready() once Redis answers: a BullMQ Worker that never connected keeps retrying for ever. */
  #bull: { runs: Worker<RunJobData, RunJobResult>; fleets: Worker<FleetJobData>; events: QueueEvents } | undefined
  readonly #controllers = new Map<string, AbortController>()
  readonly #cancelled = new Map<string, string>()
  #stopping = false
  #lastError: string | undefined
  readonly #log: (what: string) => (err: Error) => void

  constructor(readonly o: RunWorkerOptions) {
    const logOnce = errorLog(o.log)
    this.#log = (what) => (err) => {
      this.#lastError = err.message
      logOnce(what)(err)
    }
  }

  /** Connects (a probe first, so a wrong --queue fails cleanly), then starts taking jobs. */
  async ready(o: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<void> {
    const probe = new Queue(RUNS_QUEUE, connection(this.o.connection))
    probe.on('error', this.#log('queue'))
    try {
      await within(probe.waitUntilReady(), () => this.#lastError ?? 'no error yet', o.timeoutMs ?? 30_000, o.signal)
    } finally {
      await closeWithin(probe.close())
    }
    if (this.#stopping) return
    const { o: opts } = this
    const lock = { lockDuration: opts.lockDurationMs ?? 30_000, stalledInterval: opts.stalledIntervalMs ?? 30_000, maxStalledCount: 1000 }
    const runs = new Worker<RunJobData, RunJobResult>(RUNS_QUEUE, (job, token) => this.#process(job, token), {
      ...connection(opts.connection),
      ...lock,
      concurrency: opts.concurrency,
    })
    const fleets = new Worker<FleetJobData>(FLEETS_QUEUE, (job) => this.#fleet(job), {
      ...connection(opts.connection),
      ...lock,
      concurrency: 1,
    })
    const events = new QueueEvents(RUNS_QUEUE, connection(opts.connection))
    this.#bull = { runs, fleets, events }
    runs.on('error', this.#log('runs queue'))
    fleets.on('error', this.#log('fleets queue'))
    events.on('error', this.#log('queue events'))
    // A lock this worker could not renew is another worker's now (or soon): stop, without ending the run.
    runs.on('lockRenewalFailed', (ids: string[]) => {
      for (const id of ids) this.#controllers.get(id)?.abort(new ServerStopping())
    })
    events.on(
      CANCEL_EVENT as 'error',
      ((e: { runId: string; reason: string }) => {
        const c = this.#controllers.get(e.runId)
        if (c) return c.abort(new Error(e.reason))
        // Maybe this worker is about to take it: remembered for a minute.
        this.#cancelled.set(e.runId, e.reason)
        setTimeout(() => this.#cancelled.delete(e.runId), 60_000).unref()
      }) as never,
    )
    await within(
      Promise.all([runs.waitUntilReady(), fleets.waitUntilReady(), events.waitUntilReady()]),
      () => this.#lastError ?? 'no error yet',
      o.timeoutMs ?? 30_000,
      o.signal,
    )
  }

  get running(): number {
    return this.#controllers.size
  }

  async #process(job: Job<RunJobData, RunJobResult>, token: string | undefined): Promise<RunJobResult> {
    const { store } = this.o
    const { id, host, mutating } = job.data
    if (this.#stopping) {
      // Taken while closing (BullMQ may fetch once more): straight back to the queue.
      await job.moveToWait(token)
      throw new WaitingError()
    }
    const status = async () => (await store.getRun(id))?.status ?? 'missing'
    if (mutating && host !== null && !(await this.#hostLock(host, id))) {
      // Another run holds the host (on this worker or another): try again later, without a failed attempt.
      await job.moveToDelayed(Date.now() + (this.o.hostBusyDelayMs ?? 1000), token)
      throw new DelayedError()
    }
    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort(new RunTimeout(this.o.timeoutMs)), this.o.timeoutMs)
    this.#controllers.set(id, controller)
    try {
      // First start: the store's job row is ours. Otherwise: a live run whose worker died or stopped
      // (even before it recorded a thing) goes on from its journal; a finished one is done.
      if (!(await store.claimJob(id))) {
        const now = await status()
        if (!(LIVE_STATUSES as readonly string[]).includes(now)) return { id, status: now }
        this.o.log?.(`resuming run ${id} (${now}) from its journal`)
      }
      // A cancel that came before this worker took the job.
      const early = this.#cancelled.get(id)
      if (early !== undefined) controller.abort(new Error(early))
      await this.o.execute(id, controller.signal)
      if (controller.signal.aborted && controller.signal.reason instanceof ServerStopping) {
        // Not the run's end: the job goes back to the queue for another worker (or this one, later).
        if (!this.#stopping) throw controller.signal.reason // lock lost: BullMQ has given the job away already
        await job.moveToWait(token)
        throw new WaitingError()
      }
      return { id, status: await status() }
    } finally {
      clearTimeout(timer)
      this.#controllers.delete(id)
      if (mutating && host !== null) await store.releaseHostLock(host, id)
    }
  }

  /** The store's host lock; one held by a run that has ended (its job gave up) is stale and taken over. */
  async #hostLock(host: string, id: string): Promise<boolean> {
    const { store } = this.o
    if (await store.acquireHostLock(host, id, this.o.now())) return true
    const holder = (await store.hostLocks()).find((l) => l.host === host)
    const status = holder && (await store.getRun(holder.runId))?.status
    if (!holder || (status !== undefined && (LIVE_STATUSES as readonly string[]).includes(status))) return false
    await store.releaseHostLock(host, holder.runId)
    return store.acquireHostLock(host, id, this.o.now())
  }

  async #fleet(job: Job<FleetJobData>): Promise<{ fleetId: string; runs: Record<string, string> }> {
    const children = await job.getChildrenValues<RunJobResult>()
    const runs: Record<string, string> = {}
    for (const r of Object.values(children)) runs[r.id] = r.status
    // A child not among the values (removed, failed): its status from the store.
    for (const id of job.data.runs) runs[id] ??= (await this.o.store.getRun(id))?.status ?? 'missing'
    return { fleetId: job.data.fleetId, runs }
  }

  /** Stops taking jobs; interrupts running runs without ending them and hands their jobs back. */
  async close(): Promise<void> {
    this.#stopping = true
    const bull = this.#bull
    if (!bull) return
    // No new job (a job handed back below must go to another worker), then interrupt the running ones.
    await closeWithin(Promise.all([bull.runs.pause(true), bull.fleets.pause(true)]))
    const closing = [bull.runs.close(), bull.fleets.close()]
    for (const c of this.#controllers.values()) c.abort(new ServerStopping())
    // Running runs end quickly once aborted (they are handed back, not finished).
    await closeWithin(Promise.all(closing), this.#controllers.size > 0 ? 60_000 : 10_000)
    await closeWithin(bull.events.close())
  }
}
