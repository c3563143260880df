/**
 * `runbook serve`'s core, under the HTTP layer: intake (RBAC, runbook and params checked before
 * anything is queued), the queue and its workers (the same engine and executors as the CLI), the
 * approval desk, live event fan-out and metrics. Every RunEvent is committed to the store inside
 * the engine's synchronous onEvent, before the engine takes its next step.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { statSync } from 'node:fs'
import { runRunbook } from '../engine/run.ts'
import { resolveParams } from '../dsl/params.ts'
import { EXIT, RunbookError, RunbookErrors, type ErrorCode } from '../errors.ts'
import { listRunbookFiles, loadRunbook } from '../library.ts'
import type { CompiledRunbook } from '../compile/compile.ts'
import type { ExecutorFactory, Mode, RunEvent } from '../types.ts'
import type { AccessControl, Identity, Verb } from './access.ts'
import { ApprovalDesk } from './approvals.ts'
import { DEFAULTS } from '../shared/defaults.ts'
import { Histogram, gauge } from './metrics.ts'
import { Journal, JournalExecutors, journalApprover } from './journal.ts'
import { LocalRunQueue, RunTimeout, ServerStopping, type RunQueue } from './queue.ts'
import { JournalConflict, LIVE_STATUSES, type ApprovalRecord, type RunFilter, type RunRecord, type Store } from './store.ts'
import { loadShellParser } from '../dsl/readonly.ts'

export interface ServiceOptions {
  store: Store
  access: AccessControl
  /** Where runbooks are found by name (library.ts runbookDirs). Paths are never accepted. */
  runbookDirs: string[]
  /** A fresh executor factory per run (the CLI's chooseExecutors). */
  executors(): ExecutorFactory
  concurrency?: number
  runTimeoutMs?: number
  approvalTtlMs?: number
  now?(): number
  /**
   * The queue runs go through (default: in this process, LocalRunQueue). `runbook serve --queue`
   * passes a BullRunQueue: runs are then executed by `runbook worker` processes (executeRun).
   */
  queue?(execute: (id: string, signal: AbortSignal) => Promise<void>): RunQueue
  /** Approvals may be decided in another process (serve and workers share the store): poll it this often. */
  approvalPollMs?: number
  /** Another process took this one's claim on the store (Store.claim): the process must stop. */
  onClaimLost?(err: Error): void
}

export interface SubmitBody {
  runbook: string
  host?: string
  params?: Record<string, unknown>
  mode?: Mode
}

/** One runbook on several hosts: one run per host, submitted together (a BullMQ flow on a shared queue). */
export interface FleetBody {
  runbook: string
  hosts: string[]
  params?: Record<string, unknown>
  mode?: Mode
}

/** A run as the API shows it: status, outcome, the plan waiting (with its hash), approvals. */
export interface RunView {
  id: string
  runbook: string
  host: string | null
  mode: Mode
  requestedBy: string
  status: RunRecord['status']
  exitCode: number | null
  outcome: unknown
  error: string | null
  createdAt: string
  startedAt: string | null
  finishedAt: string | null
  plan: unknown
  approvalRequest: { step: string; planHash: string; required: number; expiresAt: string; state: string } | null
  approvals: Array<Pick<ApprovalRecord, 'identity' | 'decision' | 'planHash' | 'voided'> & { at: string }>
}

/** Called with each committed event, then with null when the run's worker is done. */
type Listener = (e: { seq: number; json: string; event: RunEvent } | null) => void

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

export class RunService {
  readonly store: Store
  readonly access: AccessControl
  readonly desk: ApprovalDesk
  readonly queue: RunQueue
  readonly #listeners = new Map<string, Set<Listener>>()
  /** Compiled runbooks by file, reloaded when the file changes: loading one (YAML, validation, compile) takes ~60 ms. */
  readonly #compiled = new Map<string, { signature: string; compiled: CompiledRunbook }>()
  readonly #now: () => number
  readonly #runDuration = new Histogram(
    'runbook_run_duration_seconds',
    'Duration of finished runs',
    [0.1, 0.5, 1, 5, 30, 60, 300, 900, 3600],
  )
  readonly #stepDuration = new Histogram(
    'runbook_step_duration_seconds',
    'Duration of finished steps',
    [0.01, 0.05, 0.1, 0.5, 1, 5, 30, 60],
  )

  constructor(readonly o: ServiceOptions) {
    this.store = o.store
    this.access = o.access
    this.#now = o.now ?? Date.now
    this.desk = new ApprovalDesk({
      store: o.store,
      access: o.access,
      ttlMs: o.approvalTtlMs ?? DEFAULTS.approvalTtlMs,
      now: this.#now,
      ...(o.approvalPollMs ? { pollMs: o.approvalPollMs } : {}),
    })
    const execute = (id: string, signal: AbortSignal) => this.#execute(id, signal)
    this.queue = o.queue
      ? o.queue(execute)
      : new LocalRunQueue({
          store: o.store,
          concurrency: o.concurrency ?? DEFAULTS.concurrency,
          timeoutMs: o.runTimeoutMs ?? DEFAULTS.runTimeoutMs,
          now: this.#now,
          execute,
        })
  }

  /**
   * After a restart (or a crash): every run that was running or waiting for approval resumes from
   * its journal (journal.ts) ahead of the queue, then jobs never started are queued again.
   */
  async start(): Promise<void> {
    await loadShellParser()
    // Before anything is taken back: a second server on the same store would take this one's
    // locks and runs (Store.claim).
    await this.store.claim(this.queue.shared ? 'shared' : 'sole', this.o.onClaimLost)
    const queued = new Set(await this.store.queuedJobs())
    // No run is running yet: a queue lock left by a killed server would block its host for ever.
    // (With workers, the locks are theirs; a dead worker's run takes its lock back when it resumes.)
    if (!this.queue.shared) for (const lock of await this.store.hostLocks()) await this.store.releaseHostLock(lock.host, lock.runId)
    const resume: RunRecord[] = []
    for (const status of LIVE_STATUSES) {
      for (const run of await this.store.listRuns({ status, limit: 100_000 })) if (!queued.has(run.id)) resume.push(run)
    }
    for (const run of resume.sort((a, b) => a.createdAt - b.createdAt))
      await this.queue.submit({ id: run.id, host: run.host, mutating: run.mode === 'apply', resume: true })
    for (const id of queued) {
      const run = await this.store.getRun(id)
      if (run) await this.queue.submit({ id, host: run.host, mutating: run.mode === 'apply' })
    }
  }

  async close(): Promise<void> {
    await this.queue.close()
  }

  async #refuse(identity: Identity, action: string, runId: string | null, code: ErrorCode, reason: string): Promise<never> {
    await this.store.recordRefusal({ at: this.#now(), identity: identity.name, action, runId, code, reason })
    throw new RunbookError(code, reason)
  }

  async #authorize(
    identity: Identity,
    verb: Verb,
    runbook: string,
    host: string | null,
    runId: string | null,
    action: string = verb,
  ): Promise<void> {
    if (!this.access.can(identity, verb, runbook, host))
      await this.#refuse(identity, action, runId, 'RB_FORBIDDEN', this.access.why(identity, verb, runbook, host))
  }

  async #load(file: string): Promise<CompiledRunbook> {
    // A long-lived server validates runbooks as they change: the bash grammar is loaded once.
    await loadShellParser()
    const st = statSync(file)
    const signature = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`
    const hit = this.#compiled.get(file)
    if (hit?.signature === signature) return hit.compiled
    const compiled = loadRunbook(file)
    this.#compiled.set(file, { signature, compiled })
    return compiled
  }

  /** Checks everything a run needs before it is queued: a refusal queues nothing and runs nothing. */
  async submit(identity: Identity, body: SubmitBody): Promise<RunRecord> {
    const run = await this.store.createRun(await this.#accept(identity, body))
    await this.queue.submit({ id: run.id, host: run.host, mutating: run.mode === 'apply' })
    return run
  }

  /**
   * One runbook on several hosts: every host's run is checked (RBAC, params) before any is
   * queued, then they are submitted together (on BullMQ: a parent job with one child per host).
   */
  async submitFleet(identity: Identity, body: FleetBody): Promise<{ id: string; runs: RunRecord[] }> {
    const hosts = [...new Set(body.hosts)]
    if (hosts.length === 0) await this.#refuse(identity, 'run', null, 'RB_USAGE', 'a fleet needs at least one host')
    const accepted = []
    for (const host of hosts)
      accepted.push(
        await this.#accept(identity, {
          runbook: body.runbook,
          host,
          ...(body.params ? { params: body.params } : {}),
          ...(body.mode ? { mode: body.mode } : {}),
        }),
      )
    const runs: RunRecord[] = []
    for (const run of accepted) runs.push(await this.store.createRun(run))
    const fleet = {
      id: `fleet-${randomUUID()}`,
      runbook: body.runbook,
      runs: runs.map((r) => ({ id: r.id, host: r.host, mutating: r.mode === 'apply' })),
    }
    if (this.queue.submitFleet) await this.queue.submitFleet(fleet)
    else for (const r of fleet.runs) await this.queue.submit(r)
    return { id: fleet.id, runs }
  }

  /**
   * What a client needs to run a runbook here on a fleet (`runbook run --server --hosts`): its name,
   * hash and params, to check the params once before any host's run is submitted. For an identity
   * that may run it on some host. Secret params' defaults are left out.
   */
  async runbookInfo(
    identity: Identity,
    name: string,
  ): Promise<{ name: string; summary: string; hash: string; params: CompiledRunbook['params'] }> {
    const file = listRunbookFiles(this.o.runbookDirs).get(name)
    if (!file) await this.#refuse(identity, 'view', null, 'RB_RUNBOOK_NOT_FOUND', `no runbook named '${name}'`)
    if (!this.access.canAnywhere(identity, 'run', name))
      await this.#refuse(identity, 'view', null, 'RB_FORBIDDEN', this.access.why(identity, 'run', name, null))
    const c = await this.#load(file!)
    const params = Object.fromEntries(Object.entries(c.params).map(([k, d]) => [k, d.secret ? (({ default: _, ...rest }) => rest)(d) : d]))
    return { name: c.name, summary: c.summary, hash: c.hash, params }
  }

  /** The run to create, or a recorded refusal (thrown). Creates nothing. */
  async #accept(identity: Identity, body: SubmitBody): Promise<Parameters<Store['createRun']>[0]> {
    const mode = body.mode ?? 'dry-run'
    const host = body.host ?? (typeof body.params?.host === 'string' ? body.params.host : null)
    const file = listRunbookFiles(this.o.runbookDirs).get(body.runbook)
    if (!file) {
      const known = [...listRunbookFiles(this.o.runbookDirs).keys()]
      await this.#refuse(
        identity,
        'run',
        null,
        'RB_RUNBOOK_NOT_FOUND',
        `no runbook named '${body.runbook}'${known.length ? ` (known: ${known.join(', ')})` : ''}`,
      )
    }
    await this.#authorize(identity, mode === 'apply' ? 'apply' : 'run', body.runbook, host, null, 'run')
    const compiled = await this.#load(file!)
    const params: Record<string, unknown> = { ...(body.params ?? {}) }
    if (body.host !== undefined) {
      if (!('host' in compiled.params))
        await this.#refuse(
          identity,
          'run',
          null,
          'RB_PARAM_UNKNOWN',
          `run: runbook '${compiled.name}' takes no host (it runs with --local)`,
        )
      params.host = body.host
    }
    try {
      // Templated defaults (facts.operator_ip, ...) are only known on the worker: checked there.
      const decls = Object.fromEntries(
        Object.entries(compiled.params).map(([n, d]) => [
          n,
          typeof d.default === 'string' && d.default.includes('${{') ? { ...d, required: false } : d,
        ]),
      )
      resolveParams(decls, params, { renderDefault: () => undefined as never })
    } catch (err) {
      if (err instanceof RunbookError) await this.#refuse(identity, 'run', null, err.code, err.message)
      if (err instanceof RunbookErrors) await this.#refuse(identity, 'run', null, err.errors[0]!.code, err.message)
      throw err
    }
    return {
      id: randomUUID(),
      runbook: compiled.name,
      file: file!,
      host,
      mode,
      params,
      requestedBy: identity.name,
      createdAt: this.#now(),
      planKey: new Uint8Array(randomBytes(32)),
    }
  }

  /** A run the identity may view, or RB_NOT_FOUND / RB_FORBIDDEN. */
  async run(identity: Identity, id: string, action = 'view'): Promise<RunRecord> {
    const run = await this.store.getRun(id)
    if (!run) return this.#refuse(identity, action, null, 'RB_NOT_FOUND', `no run ${id}`)
    await this.#authorize(identity, 'view', run.runbook, run.host, id, action)
    return run
  }

  /** The newest `limit` runs the identity may view (runs it may not view do not count against the limit). */
  async list(identity: Identity, filter: RunFilter): Promise<RunRecord[]> {
    const limit = filter.limit ?? 50
    for (let fetch = limit; ; fetch *= 10) {
      const runs = await this.store.listRuns({ ...filter, limit: fetch })
      const visible = runs.filter((r) => this.access.can(identity, 'view', r.runbook, r.host))
      if (visible.length >= limit || runs.length < fetch) return visible.slice(0, limit)
    }
  }

  async view(run: RunRecord): Promise<RunView> {
    let plan: unknown = null
    for (const { json } of await this.store.events(run.id)) {
      if (!json.includes('"fix.proposed"') && !json.includes('"fix.replanned"')) continue
      const e = JSON.parse(json) as RunEvent
      if (e.type === 'fix.proposed' || e.type === 'fix.replanned') plan = { step: e.step, ...e.plan }
    }
    const request = await this.store.approvalRequest(run.id)
    return {
      id: run.id,
      runbook: run.runbook,
      host: run.host,
      mode: run.mode,
      requestedBy: run.requestedBy,
      status: run.status,
      exitCode: run.exitCode,
      outcome: run.outcome,
      error: run.error,
      createdAt: iso(run.createdAt)!,
      startedAt: iso(run.startedAt),
      finishedAt: iso(run.finishedAt),
      plan,
      approvalRequest: request
        ? {
            step: request.step,
            planHash: request.planHash,
            required: request.required,
            expiresAt: iso(request.expiresAt)!,
            state: request.state,
          }
        : null,
      approvals: (await this.store.approvals(run.id)).map((a) => ({
        identity: a.identity,
        decision: a.decision,
        planHash: a.planHash,
        voided: a.voided,
        at: iso(a.at)!,
      })),
    }
  }

  async decide(identity: Identity, id: string, planHash: string, decision: 'approve' | 'decline') {
    const run = await this.run(identity, id, decision)
    return this.desk.decide(identity, run, planHash, decision)
  }

  /** Cancel: a queued run never starts; a running one is aborted (the engine ends it, exit 130). */
  async cancel(identity: Identity, id: string): Promise<RunRecord> {
    const run = await this.run(identity, id, 'cancel')
    // Cancelling takes the right to start such a run.
    await this.#authorize(identity, run.mode === 'apply' ? 'apply' : 'run', run.runbook, run.host, id, 'cancel')
    if (!LIVE_STATUSES.includes(run.status as never))
      await this.#refuse(identity, 'cancel', id, 'RB_RUN_FINISHED', `run ${id} has already finished (${run.status})`)
    const where = await this.queue.cancel(id, `cancelled by ${identity.name}`)
    if (where === 'queued') {
      await this.store.claimJob(id)
      await this.store.updateRun(id, {
        status: 'incomplete',
        exitCode: EXIT.INTERRUPTED,
        finishedAt: this.#now(),
        error: `cancelled by ${identity.name} before it started`,
      })
    }
    return (await this.store.getRun(id))!
  }

  /** Live events of a run, after they are committed. Returns the unsubscribe function. */
  subscribe(runId: string, listener: Listener): () => void {
    const set = this.#listeners.get(runId) ?? new Set()
    set.add(listener)
    this.#listeners.set(runId, set)
    if (this.queue.shared && !this.#polled.has(runId)) this.#follow(runId)
    return () => {
      set.delete(listener)
      if (set.size === 0) this.#listeners.delete(runId)
    }
  }

  readonly #polled = new Set<string>()

  /**
   * Runs executed by `runbook worker` processes commit their events to the shared store, not to
   * this process's listeners: while anyone follows such a run, its new events are read from the
   * store (every 250 ms), and the followers are told when it ends.
   */
  #follow(runId: string): void {
    this.#polled.add(runId)
    let after = 0
    const tick = async () => {
      const set = this.#listeners.get(runId)
      if (!set?.size) return this.#polled.delete(runId)
      const fresh = await this.store.events(runId, after)
      for (const e of fresh) {
        after = e.seq
        const event = JSON.parse(e.json) as RunEvent
        for (const l of set) l({ seq: e.seq, json: e.json, event })
      }
      const run = await this.store.getRun(runId)
      if (fresh.length === 0 && (!run || !LIVE_STATUSES.includes(run.status as never))) {
        for (const l of set) l(null)
        return this.#polled.delete(runId)
      }
      setTimeout(() => void tick().catch(retry), 250)
    }
    const retry = () => setTimeout(() => void tick().catch(retry), 1000)
    void tick().catch(retry)
  }

  async metrics(): Promise<string> {
    const byStatus = await this.store.countByStatus()
    return [
      ...gauge(
        'runbook_runs',
        'Runs in the store by status',
        Object.entries(byStatus).map(([status, n]) => [{ status }, n]),
      ),
      ...gauge('runbook_queue_depth', 'Runs queued, not started', [[{}, this.queue.depth]]),
      ...gauge('runbook_runs_running', 'Runs a worker is running now', [[{}, this.queue.running]]),
      ...gauge('runbook_approvals_waiting', 'Runs waiting for an approval', [[{}, this.desk.waiting]]),
      ...this.#runDuration.render(),
      ...this.#stepDuration.render(),
      '',
    ].join('\n')
  }

  /**
   * Runs one run to its end (or resumes it from its journal), recording everything in the store:
   * what a queue's worker calls. `runbook worker` calls it for the jobs it takes from BullMQ.
   */
  executeRun(id: string, signal: AbortSignal): Promise<void> {
    return this.#execute(id, signal)
  }

  /**
   * Fenced out by another executor of the same run: this one recorded nothing more, but its start
   * may have set the run `running` after the other had already ended it. The journal is the truth:
   * an ended journal gives the run its end again.
   */
  async #fenced(id: string, conflict: JournalConflict | undefined): Promise<void> {
    if (!conflict) return
    const events = (await this.store.events(id)).map((e) => JSON.parse(e.json) as RunEvent)
    const end = events.at(-1)
    if (end?.type !== 'run.finished') return
    const outcome = events.findLast((e) => e.type === 'outcome')
    const { seq: _s, at: _a, type: _t, ...shown } = (outcome ?? {}) as Record<string, unknown>
    await this.store.updateRun(id, {
      status: end.status,
      exitCode: end.exitCode,
      finishedAt: Date.parse(end.at),
      ...(outcome ? { outcome: shown } : {}),
      ...(end.error ? { error: end.error.message } : {}),
    })
  }

  async #execute(id: string, signal: AbortSignal): Promise<void> {
    const run = (await this.store.getRun(id))!
    const startedAt = run.startedAt ?? this.#now()
    await this.store.updateRun(id, { status: 'running', startedAt })
    let executors: ExecutorFactory | undefined
    // The server stopping is not the run's end: what the engine does after that is not recorded, and
    // the run stays running / waiting-approval in the store, to resume at the next start.
    // Another process writes this run's journal (a worker that took it over): stop, record nothing.
    let conflict: JournalConflict | undefined
    const stopping = () => (signal.aborted && signal.reason instanceof ServerStopping) || conflict !== undefined
    try {
      const compiled = await this.#load(run.file)
      // A run the server stopped in the middle of goes on from its journal (journal.ts).
      const recorded = (await this.store.events(id)).map((e) => JSON.parse(e.json) as RunEvent)
      const journal = recorded.length > 0 ? new Journal(recorded) : undefined
      if (journal && journal.started?.hash !== compiled.hash) {
        throw new RunbookError(
          'RB_RESUME_DIVERGED',
          `cannot resume: runbook '${run.runbook}' (${run.file}) changed since the run started (${journal.started?.hash.slice(0, 12) ?? '?'} → ${compiled.hash.slice(0, 12)})`,
        )
      }
      const live = this.o.executors()
      executors = journal ? new JournalExecutors(journal, live) : live
      const diverged = new AbortController()
      let divergence: RunbookError | undefined
      // A store over the network (Postgres) commits appended events on flush: before each command,
      // probe and approval wait, and before the run's end is recorded.
      const flush = this.store.flush
        ? () =>
            this.store.flush!(id).catch((err: unknown) => {
              if (err instanceof JournalConflict) {
                conflict ??= err
                diverged.abort(err)
              }
              throw err
            })
        : undefined
      const approver = journal ? journalApprover(journal, this.desk.approverFor(run)) : this.desk.approverFor(run)
      const summary = await runRunbook(compiled, {
        // Defaults resolved from facts at the start (operator_ip, ...) come from the journal; secrets from the run.
        params: journal
          ? { ...Object.fromEntries(Object.entries(journal.started!.params).filter(([, v]) => v !== null)), ...run.params }
          : run.params,
        mode: run.mode,
        executors,
        approver: flush ? { approve: async (req, signal) => (await flush(), approver.approve(req, signal)) } : approver,
        ...(flush ? { beforeCommand: flush } : {}),
        operator: run.requestedBy,
        signal: AbortSignal.any([signal, diverged.signal]),
        runId: id,
        planKey: run.planKey,
        ...(journal ? { clock: journal.clock() } : {}),
        onEvent: (event) => {
          if (divergence || stopping()) return
          try {
            if (journal?.replayed(event)) return
          } catch (err) {
            divergence = err as RunbookError
            diverged.abort(divergence)
            return
          }
          const json = JSON.stringify(event)
          // Committed before the engine goes on: better-sqlite3 writes synchronously.
          try {
            this.store.appendEvent(id, event)
          } catch (err) {
            if (!(err instanceof JournalConflict)) throw err
            conflict = err
            diverged.abort(err)
            return
          }
          if (event.type === 'step.finished') this.#stepDuration.observe(event.durationMs / 1000)
          for (const l of this.#listeners.get(id) ?? []) l({ seq: event.seq, json, event })
        },
      })
      if (stopping()) return this.#fenced(id, conflict)
      await flush?.()
      if (divergence) throw divergence
      const reason = signal.aborted
        ? signal.reason instanceof RunTimeout
          ? signal.reason.message
          : ((signal.reason as Error | undefined)?.message ?? 'cancelled')
        : (summary.error?.message ?? null)
      await this.store.updateRun(id, {
        status: summary.status,
        exitCode: summary.exitCode,
        outcome: summary.outcome,
        finishedAt: this.#now(),
        ...(reason ? { error: reason } : {}),
      })
    } catch (err) {
      if (stopping()) return this.#fenced(id, conflict)
      const e = err instanceof RunbookError ? err : err instanceof RunbookErrors ? err.errors[0]! : undefined
      await this.store.updateRun(id, {
        status: 'incomplete',
        exitCode: e?.kind === 'user' ? EXIT.USAGE : e?.code === 'RB_RESUME_DIVERGED' ? EXIT.INCOMPLETE : EXIT.INTERNAL,
        finishedAt: this.#now(),
        error: err instanceof Error ? err.message : String(err),
      })
    } finally {
      this.#runDuration.observe((this.#now() - startedAt) / 1000)
      await executors?.close()
      // Followers of a run that ended without a run.finished event (a crash) must stop waiting too.
      for (const l of this.#listeners.get(id) ?? []) l(null)
    }
  }
}
