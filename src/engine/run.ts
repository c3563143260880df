/**
 * Runs a compiled runbook: checks the params, starts the machine with this run's implementations
 * (actors.ts), and ends with one RunSummary whose status decides the exit code. The summary is a
 * fold over the run's own events (summary.ts); the outcome's words come from outcome.ts.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { setMaxListeners } from 'node:events'
import { createActor, type AnyActorRef } from 'xstate'
import type { CompiledRunbook, RunContext } from '../compile/compile.ts'
import { INTERNAL_FINALS } from '../compile/model.ts'
import { compileTemplate } from '../dsl/expr.ts'
import { checkParam, resolveParams } from '../dsl/params.ts'
import { EXIT } from '../errors.ts'
import { TRANSCRIPT_VERSION, type Clock, type ExecutorFactory, type Mode, type RunEvent } from '../types.ts'
import { VERSION } from '../version.ts'
import { currentOperator } from '../shared/operator.ts'
import { provideRun } from './actors.ts'
import type { Approver } from './approval.ts'
import { systemClock } from './clock.ts'
import { Emitter, type EventSink } from './emitter.ts'
import { FixRunner, type FixDeps } from './fix.ts'
import { asRunbookError } from './outcome.ts'
import { Redactor } from './redact.ts'
import { StepRunner } from './steps.ts'
import { EMPTY_TALLY, runStatus, STATUS_EXIT, tally, type RunSummary, type RunTally } from './summary.ts'

/** Re-exported: where callers have always found it. */
export { currentOperator }

export { STATUS_EXIT, type RunSummary } from './summary.ts'

export interface RunOptions {
  /** Raw values by name (strings from the CLI are fine: they are checked and coerced). */
  params: Readonly<Record<string, unknown>>
  mode: Mode
  executors: ExecutorFactory
  approver: Approver
  onEvent: EventSink
  /** Time and waits (verify retries). Default: the wall clock; replays pass a SimulatedClock. */
  clock?: Clock
  signal?: AbortSignal
  operator?: string
  /** Replay: secret params arrive redacted. */
  acceptRedacted?: boolean
  /** Identifies the run on hosts (lock token). Replays pass the recorded one. */
  runId?: string
  /**
   * Key binding plan hashes to secret values (engine/plan-hash.ts). Default: 32 random bytes for
   * this run, never emitted. A service that must reproduce a run's plan hashes after a restart
   * stores the key with the run (not in its events) and passes it back.
   */
  planKey?: Uint8Array
  /**
   * Awaited before each command and probe runs, after its events were given to onEvent: a sink that
   * cannot commit synchronously (a store over the network) makes them durable here first.
   */
  beforeCommand?: () => Promise<void>
  /** The fix's host lease (DEFAULTS.hostLock); tests shorten it. */
  hostLock?: FixDeps['hostLock']
}

/**
 * Run a compiled runbook to its end. Params are checked first: a bad value throws a RunbookError
 * (RB_PARAM_*) before any event is emitted or any command runs.
 *
 * @example
 * const summary = await runRunbook(compiled, {
 *   params: { host: 'web1', client_ip: '203.0.113.7' }, mode: 'dry-run',
 *   executors, approver: refusingApprover, onEvent: (e) => transcript.write(e),
 * })
 * process.exitCode = summary.exitCode
 */
export async function runRunbook(compiled: CompiledRunbook, options: RunOptions): Promise<RunSummary> {
  const facts = await runFacts(compiled, options)
  const params = resolveParams(compiled.params, options.params, {
    ...(options.acceptRedacted ? { acceptRedacted: true } : {}),
    renderDefault: (t, resolved) => compileTemplate(t).render({ params: resolved, steps: {}, facts, result: null }, 'text'),
  })
  const secrets = Object.entries(compiled.params)
    .filter(([name, decl]) => decl.secret && typeof params[name] === 'string')
    .map(([name]) => [name, String(params[name])] as const)
  // Active also in a replay, where the values are already `[redacted]`: plan ids must be derived alike.
  const redactor = new Redactor(
    secrets.map(([, v]) => v),
    secrets.length > 0,
  )
  const clock = options.clock ?? systemClock
  const runController = new AbortController()
  const signal = options.signal ? AbortSignal.any([options.signal, runController.signal]) : runController.signal
  // Each running command listens on it (steps.ts commandSignal): a wide parallel step is no leak.
  setMaxListeners(0, signal)
  // The summary is a fold over the run's own events (summary.ts), taken as each one is emitted.
  let tallied: RunTally = EMPTY_TALLY
  const emitter = new Emitter(
    clock,
    (e) => {
      options.onEvent(e)
      tallied = tally(tallied, e)
    },
    redactor,
  )
  const defaultHost = 'host' in compiled.params && typeof params.host === 'string' ? params.host : 'local'
  const startedAt = clock.now()
  const runId = options.runId ?? randomUUID().slice(0, 8)

  emitter.emit({
    type: 'run.started',
    transcriptVersion: TRANSCRIPT_VERSION,
    runbook: compiled.name,
    hash: compiled.hash,
    tool: { name: 'runbook', version: VERSION },
    mode: options.mode,
    params,
    targets: [defaultHost],
    operator: options.operator ?? currentOperator(),
    startedAt: new Date(startedAt).toISOString(),
    runId,
  })

  const steps = new StepRunner({
    runbook: compiled.name,
    executors: options.executors,
    emitter,
    approver: options.approver,
    defaultHost,
    signal,
    clock,
    ...(options.beforeCommand ? { beforeCommand: options.beforeCommand } : {}),
  })
  const seal = { redactor, key: options.planKey ?? randomBytes(32), secrets }
  const fixes = new FixRunner(steps, {
    runId,
    operator: options.operator ?? currentOperator(),
    mode: options.mode,
    seal,
    ...(options.hostLock ? { hostLock: options.hostLock } : {}),
  })
  const { machine, record, stepStarted } = provideRun(compiled, { emitter, steps, fixes, signal, tally: () => tallied })

  const ended = await new Promise<{ error?: unknown }>((resolve) => {
    const ref: AnyActorRef = createActor(machine, { input: { params, facts } })
    ref.subscribe({ complete: () => resolve({}), error: (error) => resolve({ error }) })
    stepStarted(compiled.start)
    ref.start()
  })
  await null // flush the deferred outcome event
  await fixes.releaseAll()
  const crash = ended.error !== undefined ? (record.guardError ?? ended.error) : record.crash

  const interrupted = options.signal?.aborted ?? false
  const status = runStatus({
    final: record.final,
    tally: tallied,
    unverified: fixes.unverified.length,
    severity: record.outcome?.severity,
    crashed: ended.error !== undefined,
  })
  let outcome = record.outcome
  const error = status === 'incomplete' ? asRunbookError(crash, record.lastStep) : undefined
  if (error && outcome === null) {
    const where = error.code === 'RB_CEL_EVAL' ? 'Run stopped' : `Run stopped at step '${record.lastStep ?? '?'}'`
    outcome = { id: INTERNAL_FINALS.aborted, severity: 'critical', summary: `${where}: ${error.message}`, evidence: [] }
    emitter.emit({ type: 'outcome', ...outcome })
  }
  const exitCode = interrupted ? EXIT.INTERRUPTED : STATUS_EXIT[status]
  emitter.emit({
    type: 'run.finished',
    status,
    exitCode,
    durationMs: clock.now() - startedAt,
    ...(error ? { error: { code: error.code, message: error.message } } : {}),
  })
  // The run is over: whatever still listens lets go. A plain reason: a DOMException per run is slow.
  runController.abort(new Error('run ended'))
  return { status, exitCode, outcome, path: [...tallied.path], interrupted, ...(error ? { error } : {}) }
}

/**
 * What a run knows about where it runs, for guards and param defaults. `operator_ip` (this
 * machine's address as the target sees us) is looked up only when a param default uses it; the
 * resolved param is recorded, so a replay never looks it up.
 */
async function runFacts(compiled: CompiledRunbook, options: RunOptions): Promise<RunContext['facts']> {
  const facts: RunContext['facts'] = { mode: options.mode }
  const wants = (fact: string) =>
    Object.values(compiled.params).some((p) => typeof p.default === 'string' && p.default.includes(`facts.${fact}`))
  const host = options.params.host
  // Only a host that passes its type: nothing, not even a route lookup, happens with an unchecked value.
  const decl = compiled.params.host
  const valid = typeof host === 'string' && decl !== undefined && checkParam(decl, host).ok
  // Unknown facts are null: a default that needs one comes out empty (a required param is then reported missing).
  if (wants('operator_ip')) {
    facts.operator_ip =
      valid && options.executors.sourceAddress
        ? ((await options.executors.sourceAddress(host as string).catch(() => undefined)) ?? null)
        : null
  }
  if (wants('bastion')) {
    let bastion: string | undefined
    try {
      bastion = valid ? options.executors.bastionOf?.(host as string) : undefined
    } catch {
      bastion = undefined // an unresolvable host fails later, where its step can handle it
    }
    facts.bastion = bastion ?? null
  }
  return facts
}

export type { RunEvent }
