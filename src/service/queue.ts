/**
 * The in-process run queue: a concurrency limit, one mutating (apply) run per host at a time
 * through a store-level host lock (on top of the host-side lock the engine takes), cancellation by
 * AbortSignal, and a timeout per run. bullmq-queue.ts implements the same RunQueue interface over Redis.
 */
import type { Store } from './store.ts'

export interface QueuedRun {
  id: string
  host: string | null
  /** Apply mode: holds the host's queue lock while it runs. */
  mutating: boolean
  /** A run the server stopped in the middle of: it has no job to claim, it goes on from its journal. */
  resume?: boolean
}

export type CancelResult = 'queued' | 'running' | false

/** Runs submitted together, one per host (a fleet): BullMQ submits them as one flow. */
export interface QueuedFleet {
  id: string
  runbook: string
  runs: QueuedRun[]
}

export interface RunQueue {
  /** A queue over the network (bullmq-queue.ts) resolves once the job is stored. */
  submit(run: QueuedRun): void | Promise<void>
  /** Submits the runs together (default: one by one). */
  submitFleet?(fleet: QueuedFleet): Promise<void>
  /** `queued`: removed before it started; `running`: its signal aborted (or, shared, the cancel sent to its worker); false: not here. */
  cancel(id: string, reason: string): CancelResult | Promise<CancelResult>
  /**
   * Runs are executed by other processes (`runbook worker`): the host locks in the store are
   * theirs, not left over from a crash of this one.
   */
  readonly shared?: boolean
  readonly depth: number
  readonly running: number
  /** Abort every running run (reason: ServerStopping, so they resume at the next start) and wait for all of them. */
  close(): Promise<void>
}

export interface LocalQueueOptions {
  store: Store
  concurrency: number
  timeoutMs: number
  now(): number
  /** Runs one job; the signal aborts on cancel or timeout (its reason says which). */
  execute(id: string, signal: AbortSignal): Promise<void>
}

export class RunTimeout extends Error {
  constructor(ms: number) {
    super(`run timed out after ${Math.round(ms / 1000)} s`)
    this.name = 'RunTimeout'
  }
}

/**
 * The reason runs are aborted with when the server stops (SIGTERM, a deploy): not an end of the
 * run. Nothing more is recorded for them, so they resume from their journal at the next start.
 */
export class ServerStopping extends Error {
  constructor() {
    super('the server is stopping')
    this.name = 'ServerStopping'
  }
}

export class LocalRunQueue implements RunQueue {
  readonly #waiting: QueuedRun[] = []
  readonly #running = new Map<string, { controller: AbortController; done: Promise<void> }>()
  #pumping: Promise<void> | undefined
  #again = false
  #closed = false

  constructor(readonly o: LocalQueueOptions) {}

  get depth(): number {
    return this.#waiting.length
  }
  get running(): number {
    return this.#running.size
  }

  submit(run: QueuedRun): void {
    this.#waiting.push(run)
    this.#pump()
  }

  cancel(id: string, reason: string): CancelResult {
    const i = this.#waiting.findIndex((r) => r.id === id)
    if (i >= 0) {
      this.#waiting.splice(i, 1)
      return 'queued'
    }
    const r = this.#running.get(id)
    if (!r) return false
    r.controller.abort(new Error(reason))
    return 'running'
  }

  async close(): Promise<void> {
    this.#closed = true
    this.#waiting.length = 0
    const all = [...this.#running.values()]
    for (const r of all) r.controller.abort(new ServerStopping())
    await Promise.all(all.map((r) => r.done))
    await this.#pumping
  }

  /** One pump at a time (lock acquisition is async); a call during a pump makes it go round again. */
  #pump(): void {
    if (this.#pumping) {
      this.#again = true
      return
    }
    this.#pumping = (async () => {
      do {
        this.#again = false
        await this.#startWhatCan()
      } while (this.#again)
    })().finally(() => {
      this.#pumping = undefined
      // A submit that came after the last round's check but before this point must not be lost.
      if (this.#again && !this.#closed) this.#pump()
    })
  }

  async #startWhatCan(): Promise<void> {
    const { store } = this.o
    // In order, but a job blocked by its host's lock does not hold up jobs for other hosts.
    for (const run of [...this.#waiting]) {
      if (this.#closed || this.#running.size >= this.o.concurrency) return
      if (run.mutating && run.host !== null && !(await store.acquireHostLock(run.host, run.id, this.o.now()))) continue
      const i = this.#waiting.indexOf(run)
      if (i < 0) {
        // Cancelled while we took the lock.
        if (run.mutating && run.host !== null) await store.releaseHostLock(run.host, run.id)
        continue
      }
      this.#waiting.splice(i, 1)
      if (!run.resume && !(await store.claimJob(run.id))) {
        if (run.mutating && run.host !== null) await store.releaseHostLock(run.host, run.id)
        continue
      }
      const controller = new AbortController()
      const timer = setTimeout(() => controller.abort(new RunTimeout(this.o.timeoutMs)), this.o.timeoutMs)
      const done = this.o
        .execute(run.id, controller.signal)
        .catch(() => {}) // execute records its own failures in the store
        .finally(async () => {
          clearTimeout(timer)
          if (run.mutating && run.host !== null) await store.releaseHostLock(run.host, run.id)
          this.#running.delete(run.id)
          if (!this.#closed) this.#pump()
        })
      this.#running.set(run.id, { controller, done })
    }
  }
}
