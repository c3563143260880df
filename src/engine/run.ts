/**
 * Runs a compiled runbook: provides the machine's actors (StepRunner), starts it, turns what
 * happens into RunEvents, and ends with one RunSummary whose status decides the exit code.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { hostname, userInfo } from 'node:os'
import { createActor, fromPromise, type AnyActorRef } from 'xstate'
import { scopeFor, type ActorInput, type CompiledRunbook, type RunContext, type StepRecord } from '../compile/compile.ts'
import { INTERNAL_FINALS, stepOfKind, type CompiledOutcome, type CompiledStep, type EdgeInfo } from '../compile/model.ts'
import { compileTemplate, textOf, type ExprScope } from '../dsl/expr.ts'
import { checkParam, resolveParams } from '../dsl/params.ts'
import { ERROR_CODES, EXIT, RunbookError } from '../errors.ts'
import { TRANSCRIPT_VERSION, type Clock, type Evidence, type ExecutorFactory, type Mode, type RunEvent, type RunStatus, type Severity } from '../types.ts'
import { VERSION } from '../version.ts'
import type { Approver } from './approval.ts'
import { systemClock } from './clock.ts'
import { Emitter, type EventSink } from './emitter.ts'
import { Redactor } from './redact.ts'
import { StepRunner } from './steps.ts'
import { FixRunner } from './fix.ts'

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
}

export interface RunSummary {
  status: RunStatus
  exitCode: number
  outcome: { id: string; severity: Severity; summary: string; evidence: Evidence[]; see?: string[] } | null
  /** Edge ids taken, in order. */
  path: string[]
  /** Set when the run could not finish (status `incomplete`). */
  error?: RunbookError
  interrupted: boolean
}

export const STATUS_EXIT: Readonly<Record<RunStatus, number>> = {
  healthy: EXIT.OK,
  problem: EXIT.PROBLEM,
  'fix-proposed': EXIT.FIX_PROPOSED,
  'fix-applied': EXIT.FIX_APPLIED,
  'fix-rolled-back': EXIT.FIX_ROLLED_BACK,
  // Like a failed rollback, nothing undid the fix: the host needs a human.
  'fix-unverified': EXIT.ROLLBACK_FAILED,
  'rollback-failed': EXIT.ROLLBACK_FAILED,
  refused: EXIT.REFUSED,
  incomplete: EXIT.INCOMPLETE,
}

export function currentOperator(): string {
  try {
    return `${userInfo().username}@${hostname()}`
  } catch {
    return `unknown@${hostname()}`
  }
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
  const redactor = new Redactor(secrets.map(([, v]) => v), secrets.length > 0)
  const clock = options.clock ?? systemClock
  const runController = new AbortController()
  const signal = options.signal ? AbortSignal.any([options.signal, runController.signal]) : runController.signal
  const emitter = new Emitter(clock, options.onEvent, redactor)
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

  const runner = new StepRunner({
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
  const fixes_ = new FixRunner(runner, { runId, operator: options.operator ?? currentOperator(), mode: options.mode, seal })

  // What the outcome and the exit status are made of.
  const outputs = new Map<string, { command: string; text: string }[]>()
  const fixes = { applied: 0, rolledBack: 0, proposedStep: undefined as string | undefined, refusal: undefined as string | undefined, preflightFailed: new Set<string>() }
  const path: string[] = []
  let crash: unknown
  // An error thrown by a guard the machine evaluates: xstate rethrows it as a plain Error with its
  // own wording, so the original (RB_CEL_EVAL, with the step) is kept here.
  let guardError: RunbookError | undefined
  let lastStep: string | undefined
  let outcome: RunSummary['outcome'] = null
  let final: string | undefined

  const watch: EventSink = (e) => {
    if (e.type === 'command.finished') {
      const list = outputs.get(e.step) ?? []
      list.push({ command: e.spec.command, text: e.result ? [e.result.stdout, e.result.exitCode === 0 ? '' : e.result.stderr].filter(Boolean).join('\n') : e.error?.message ?? '' })
      outputs.set(e.step, list)
    } else if (e.type === 'fix.verified' && e.ok) fixes.applied++
    else if (e.type === 'fix.rolled_back') fixes.rolledBack++
    else if (e.type === 'fix.refused') fixes.refusal = e.reason
    else if (e.type === 'fix.proposed') fixes.proposedStep = e.step
    else if (e.type === 'fix.preflight' && !e.ok) fixes.preflightFailed.add(e.step)
  }
  const emit = emitter.emit.bind(emitter)
  emitter.emit = (body) => {
    const e = emit(body)
    watch(e)
    return e
  }

  const steps = compiled.steps
  const stepStarted = (name: string) => {
    const step = steps.get(name)!
    emitter.emit({ type: 'step.started', step: name, kind: step.kind, ...(step.title ? { title: step.title } : {}) })
  }
  const impl = {
    step: (s: CompiledStep, c: RunContext) => runner.step(stepOfKind(s, 'run', 'probe', 'parallel'), c),
    fixCheck: (s: CompiledStep, c: RunContext) => fixes_.check(stepOfKind(s, 'fix'), c),
    approve: (s: CompiledStep, c: RunContext) => fixes_.approve(stepOfKind(s, 'fix'), c),
    fixApply: (s: CompiledStep, c: RunContext) => fixes_.apply(stepOfKind(s, 'fix'), c),
    fixVerify: (s: CompiledStep, c: RunContext) => fixes_.verify(stepOfKind(s, 'fix'), c),
    fixRollback: (s: CompiledStep, c: RunContext) => fixes_.rollback(stepOfKind(s, 'fix'), c),
  }
  const actor = (kind: keyof typeof impl) =>
    fromPromise<StepRecord, ActorInput>(async ({ input }) => {
      try {
        // Runs after xstate reported the transition that led here, so events read transition → step.
        await null
        if (signal.aborted) throw new RunbookError('RB_USAGE', 'run interrupted')
        return await impl[kind](steps.get(input.step)!, input.context)
      } catch (err) {
        crash = err
        throw err
      }
    })

  const edges = new Map<string, EdgeInfo>(compiled.edges.map((e) => [e.id, e]))
  const cel = (compiled.machine.implementations.guards as Record<string, (args: unknown, params: { step: string }) => boolean>).cel!
  const machine = compiled.machine.provide({
    guards: {
      cel: (args: unknown, params: { step: string }) => {
        try {
          return cel(args, params)
        } catch (err) {
          guardError ??= atStep(err instanceof RunbookError ? err : new RunbookError('RB_INTERNAL', String(err), { cause: err }), params.step)
          throw err
        }
      },
    },
    actors: {
      step: actor('step'),
      fixCheck: actor('fixCheck'),
      approve: actor('approve'),
      fixApply: actor('fixApply'),
      fixVerify: actor('fixVerify'),
      fixRollback: actor('fixRollback'),
    },
    actions: {
      transition: (_: unknown, p: { edge: string }) => {
        const edge = edges.get(p.edge)
        if (!edge) return
        path.push(edge.id)
        emitter.emit({ type: 'transition', from: edge.from, to: edge.to, via: edge.via, edge: edge.id })
        // Entering a step (not moving between a fix's phases): announce it right after the transition.
        const target = edge.to.split('.')[0]!
        if (steps.has(target) && (edge.from.split('.')[0] !== target || edge.from === edge.to)) stepStarted(target)
      },
      enter: (_: unknown, p: { step: string }) => {
        lastStep = p.step
      },
      finish: ({ context }: { context: RunContext }, p: { final: string }) => {
        final = p.final
        const built = buildOutcome(compiled, p.final, context, { outputs, proposedStep: fixes.proposedStep, lastStep, crash, refusal: fixes.refusal })
        // The summary goes back to the caller (CLI, chat): as redacted as the event.
        outcome = redactor.value(built)
        queueMicrotask(() => emitter.emit({ type: 'outcome', ...built }))
      },
    },
  } as never)

  const done = new Promise<{ error?: unknown }>((resolve) => {
    const ref: AnyActorRef = createActor(machine, { input: { params, facts } })
    ref.subscribe({ complete: () => resolve({}), error: (error) => resolve({ error }) })
    stepStarted(compiled.start)
    ref.start()
  })
  const ended = await done
  await null // flush the deferred outcome event
  await fixes_.releaseAll()
  if (ended.error !== undefined) crash = guardError ?? ended.error

  const interrupted = options.signal?.aborted ?? false
  let status: RunStatus
  if (ended.error !== undefined || final === INTERNAL_FINALS.aborted || final === undefined) status = 'incomplete'
  else if (final === INTERNAL_FINALS.rollbackFailed) status = 'rollback-failed'
  else if (final === INTERNAL_FINALS.refused) status = 'refused'
  else if (fixes_.unverified.length > 0) status = 'fix-unverified'
  // A dry-run ends at the fix it proposes: one that --apply would refuse is reported as refused (exit 9).
  else if (final === INTERNAL_FINALS.proposed && fixes.proposedStep !== undefined && fixes.preflightFailed.has(fixes.proposedStep)) status = 'refused'
  else if (fixes.rolledBack > 0) status = 'fix-rolled-back'
  else if (fixes.applied > 0) status = 'fix-applied'
  else if (final === INTERNAL_FINALS.proposed || final === INTERNAL_FINALS.declined) status = 'fix-proposed'
  else status = (outcome as RunSummary['outcome'])?.severity === 'ok' || (outcome as RunSummary['outcome'])?.severity === 'info' ? 'healthy' : 'problem'

  const error = status === 'incomplete' ? asRunbookError(crash, lastStep) : undefined
  if (error && outcome === null) {
    const where = error.code === 'RB_CEL_EVAL' ? 'Run stopped' : `Run stopped at step '${lastStep ?? '?'}'`
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
  runController.abort()
  return { status, exitCode, outcome, path, interrupted, ...(error ? { error } : {}) }
}

/**
 * What a run knows about where it runs, for guards and param defaults. `operator_ip` (this
 * machine's address as the target sees us) is looked up only when a param default uses it; the
 * resolved param is recorded, so a replay never looks it up.
 */
async function runFacts(compiled: CompiledRunbook, options: RunOptions): Promise<RunContext['facts']> {
  const facts: RunContext['facts'] = { mode: options.mode }
  const wants = (fact: string) => Object.values(compiled.params).some((p) => typeof p.default === 'string' && p.default.includes(`facts.${fact}`))
  const host = options.params.host
  // Only a host that passes its type: nothing, not even a route lookup, happens with an unchecked value.
  const decl = compiled.params.host
  const valid = typeof host === 'string' && decl !== undefined && checkParam(decl, host).ok
  // Unknown facts are null: a default that needs one comes out empty (a required param is then reported missing).
  if (wants('operator_ip')) {
    facts.operator_ip = valid && options.executors.sourceAddress ? ((await options.executors.sourceAddress(host as string).catch(() => undefined)) ?? null) : null
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

/** A CEL error says which step's expression failed. */
function atStep(err: RunbookError, step: string | undefined): RunbookError {
  if (err.code !== 'RB_CEL_EVAL' || step === undefined || err.detail.step !== undefined) return err
  return new RunbookError('RB_CEL_EVAL', `step '${step}': ${err.message}`, { cause: err.cause, detail: { ...err.detail, step } })
}

function asRunbookError(err: unknown, step: string | undefined): RunbookError {
  if (err instanceof RunbookError) return atStep(err, step)
  if (err === undefined) return new RunbookError('RB_STEP_FAILED', `step '${step ?? '?'}' failed and has no handler for it`, { detail: { step } })
  const message = err instanceof Error ? err.message : String(err)
  return new RunbookError('RB_INTERNAL', message, { cause: err })
}

interface OutcomeFacts {
  outputs: ReadonlyMap<string, { command: string; text: string }[]>
  proposedStep: string | undefined
  lastStep: string | undefined
  crash: unknown
  refusal: string | undefined
}

function evidenceOf(step: string, facts: OutcomeFacts, contains: string | null, maxLines: number): Evidence[] {
  const outputs = (facts.outputs.get(step) ?? []).filter(({ text }) => contains === null || text.includes(contains))
  return outputs.map(({ command, text }) => {
    let lines = text.split('\n').filter((l) => l !== '')
    if (contains !== null) lines = lines.filter((l) => l.includes(contains))
    const shown = lines.slice(0, maxLines)
    if (lines.length > maxLines) shown.push(`… ${lines.length - maxLines} more line(s)`)
    return { step, command, text: shown.join('\n') }
  })
}

function buildOutcome(compiled: CompiledRunbook, final: string, context: RunContext, facts: OutcomeFacts): NonNullable<RunSummary['outcome']> {
  const scope: ExprScope = { ...scopeFor(context, '', undefined), result: null }
  const authored: CompiledOutcome | undefined = compiled.outcomes.get(final)
  if (authored) {
    const evidence = authored.evidence.flatMap((e): Evidence[] =>
      'template' in e ? [{ text: e.template.render(scope, 'text') }] : evidenceOf(e.step, facts, e.contains ? e.contains.render(scope, 'text') : null, e.maxLines),
    )
    return { id: final, severity: authored.severity, summary: authored.summary.render(scope, 'text'), evidence, ...(authored.see.length ? { see: authored.see } : {}) }
  }
  const step = facts.proposedStep ?? facts.lastStep ?? ''
  const fixResult = context.steps[step]?.result as { summary?: string } | undefined
  const fixSummary = fixResult?.summary ?? step
  switch (final) {
    case INTERNAL_FINALS.proposed: {
      const pre = (fixResult as { preflight?: { ok: boolean; message: string } } | undefined)?.preflight
      if (pre && !pre.ok) {
        return { id: final, severity: 'critical', summary: `Fix '${step}' cannot be applied: its pre-flight check fails, so --apply would refuse it: ${pre.message} (dry-run: nothing was changed; the fix: ${fixSummary})`, evidence: evidenceOf(step, facts, null, 20) }
      }
      return { id: final, severity: 'warning', summary: `Fix proposed: ${fixSummary} (dry-run: nothing was changed; run with --apply to apply it)`, evidence: evidenceOf(step, facts, null, 20) }
    }
    case INTERNAL_FINALS.refused:
      return { id: final, severity: 'critical', summary: `Fix '${step}' refused, nothing was changed: ${facts.refusal ?? 'refused'}`, evidence: evidenceOf(step, facts, null, 20) }
    case INTERNAL_FINALS.declined:
      return { id: final, severity: 'warning', summary: `Fix not applied: ${fixSummary} (approval declined)`, evidence: evidenceOf(step, facts, null, 20) }
    case INTERNAL_FINALS.rolledBack:
      return { id: final, severity: 'critical', summary: `Fix '${step}' failed verification and was rolled back: ${fixSummary}`, evidence: evidenceOf(step, facts, null, 20) }
    case INTERNAL_FINALS.unverified: {
      const how = (fixResult as { failedAt?: string } | undefined)?.failedAt === 'apply' ? 'its apply failed part way' : 'it was applied but not verified'
      return { id: final, severity: 'critical', summary: `Fix '${step}': ${how}, and it declares no rollback, so nothing was undone: the host needs a human now (${fixSummary})`, evidence: evidenceOf(step, facts, null, 40) }
    }
    case INTERNAL_FINALS.rollbackFailed:
      return { id: final, severity: 'critical', summary: `Fix '${step}' failed AND its rollback failed: the host needs a human now`, evidence: evidenceOf(step, facts, null, 40) }
    default: {
      if (facts.crash instanceof RunbookError && facts.crash.code === 'RB_CEL_EVAL') {
        return { id: final, severity: 'critical', summary: `Run stopped: ${atStep(facts.crash, facts.lastStep).message}. ${ERROR_CODES.RB_CEL_EVAL.fix}`, evidence: evidenceOf(facts.lastStep ?? '', facts, null, 20) }
      }
      const record = context.steps[facts.lastStep ?? '']
      const why = record?.error ? `${record.error.kind}: ${record.error.message}` : record ? `status ${record.status}${record.output ? `, exit ${textOf(record.output.exitCode ?? record.output.signal)}` : ''}` : facts.crash instanceof Error ? facts.crash.message : 'unknown error'
      return { id: final, severity: 'critical', summary: `Run stopped at step '${facts.lastStep ?? '?'}' (${why}); add on_failure/on_timeout/on_error to handle it`, evidence: evidenceOf(facts.lastStep ?? '', facts, null, 20) }
    }
  }
}

export type { RunEvent }
