/**
 * What each step kind does when the machine enters it: render the command from the run's scope,
 * hand it to an executor, parse the output, and return the step's record. Knows executors only by
 * their interface; emits every command and result as an event.
 */
import { createHash } from 'node:crypto'
import { evaluateGuard, type ExprScope, type Template } from '../dsl/expr.ts'
import type { CompiledCommand, CompiledFix, CompiledRun, CompiledStep } from '../compile/model.ts'
import { scopeFor, type RunContext, type StepRecord } from '../compile/compile.ts'
import { ExecError, RunbookError } from '../errors.ts'
import type { CommandResult, CommandSpec, ExecFailure, ExecutorFactory, FixPhase, FixPlan, ProbeSpec, StepStatus } from '../types.ts'
import type { Approver } from './approval.ts'
import type { Emitter } from './emitter.ts'

/** Grace on top of a command's own timeout before the engine stops waiting for the executor. */
const EXECUTOR_GRACE_MS = 5_000

export interface StepDeps {
  runbook: string
  executors: ExecutorFactory
  emitter: Emitter
  approver: Approver
  /** Host for commands that name none: params.host, or `local`. */
  defaultHost: string
  signal: AbortSignal
  sleep(ms: number, signal: AbortSignal): Promise<void>
}

/** A command's outcome as guards and evidence see it. */
export function outputView(r: CommandResult): NonNullable<StepRecord['output']> {
  const lines = r.stdout === '' ? [] : r.stdout.replace(/\n$/, '').split('\n')
  return { exitCode: r.exitCode, signal: r.signal, stdout: r.stdout, stderr: r.stderr, lines, durationMs: r.durationMs, timedOut: r.timedOut }
}

const WORST: readonly StepStatus[] = ['ok', 'failed', 'timeout', 'error']
const worst = (a: StepStatus, b: StepStatus): StepStatus => (WORST.indexOf(a) >= WORST.indexOf(b) ? a : b)

export class StepRunner {
  constructor(readonly deps: StepDeps) {}

  /** run / probe / parallel steps. */
  async step(step: CompiledStep, context: RunContext): Promise<StepRecord> {
    const started = Date.now()
    const scope = scopeFor(context, step.name, undefined)
    let record: StepRecord
    if (step.kind === 'parallel') {
      const subs = await Promise.all(step.parallel.map(async ([sub, cmd]) => [sub, await this.command(step.name, sub, cmd, scope)] as const))
      const status = subs.reduce<StepStatus>((acc, [, r]) => worst(acc, r.status), 'ok')
      const failed = subs.find(([, r]) => r.status !== 'ok')
      record = {
        status,
        result: Object.fromEntries(subs.map(([sub, r]) => [sub, r.result])),
        ...(failed?.[1].error ? { error: failed[1].error } : {}),
      }
    } else {
      record = await this.command(step.name, undefined, step.command!, scope)
    }
    this.deps.emitter.emit({ type: 'step.finished', step: step.name, status: record.status, durationMs: Date.now() - started, ...(record.error ? { error: record.error } : {}) })
    return record
  }

  async command(step: string, sub: string | undefined, cmd: CompiledCommand, scope: ExprScope, phase?: FixPhase): Promise<StepRecord> {
    return cmd.kind === 'probe' ? this.probe(step, sub, cmd, scope) : this.run(step, sub, cmd, scope, phase, false)
  }

  async run(step: string, sub: string | undefined, cmd: CompiledRun, scope: ExprScope, phase: FixPhase | undefined, mutating: boolean): Promise<StepRecord> {
    const spec: CommandSpec = { host: this.host(cmd.host, scope), command: cmd.run.render(scope, 'shell'), sudo: cmd.sudo, timeoutMs: cmd.timeoutMs, mutating }
    const where = { step, ...(sub !== undefined ? { sub } : {}), ...(phase ? { phase } : {}) }
    this.deps.emitter.emit({ type: 'command.started', ...where, spec })
    let result: CommandResult
    try {
      result = await this.exec(spec)
    } catch (err) {
      if (!(err instanceof ExecError)) throw err
      const error = err.toFailure()
      this.deps.emitter.emit({ type: 'command.finished', ...where, spec, error })
      return { status: error.kind === 'command-timeout' ? 'timeout' : 'error', result: null, error }
    }
    this.deps.emitter.emit({ type: 'command.finished', ...where, spec, result })
    const output = outputView(result)
    let status: StepStatus = result.timedOut ? 'timeout' : cmd.okExit === 'any' || (result.exitCode !== null && cmd.okExit.includes(result.exitCode)) ? 'ok' : 'failed'
    let error: ExecFailure | undefined = result.timedOut ? { kind: 'command-timeout', message: `command ran past its ${cmd.timeoutMs} ms timeout` } : undefined
    let value: unknown = output
    if (cmd.parser && !result.timedOut) {
      try {
        value = cmd.parser.parse(result)
        this.deps.emitter.emit({ type: 'result.parsed', ...where, parser: cmd.parser.name, value })
      } catch (err) {
        if (!(err instanceof RunbookError) || err.code !== 'RB_PARSE') throw err
        value = null
        if (status === 'ok') {
          status = 'error'
          error = { kind: 'parse-failed', message: err.message }
        }
      }
    }
    return { status, result: value, output, ...(error ? { error } : {}) }
  }

  async probe(step: string, sub: string | undefined, cmd: Extract<CompiledCommand, { kind: 'probe' }>, scope: ExprScope): Promise<StepRecord> {
    const target = cmd.target.render(scope, 'text')
    const spec = probeSpec(cmd.probe, target, cmd.count, cmd.timeoutMs)
    const result = await this.deps.executors.prober.probe(spec, this.deps.signal)
    this.deps.emitter.emit({ type: 'probe.finished', step, ...(sub !== undefined ? { sub } : {}), spec, result })
    // A closed port or a lost ping is data for the runbook's guards, not a failure of the step.
    return { status: 'ok', result }
  }

  async exec(spec: CommandSpec): Promise<CommandResult> {
    const signal = AbortSignal.any([this.deps.signal, AbortSignal.timeout(spec.timeoutMs + EXECUTOR_GRACE_MS)])
    const executor = this.deps.executors.executor(spec.host)
    try {
      return await executor.exec(spec, signal)
    } catch (err) {
      if (err instanceof ExecError && err.kind === 'aborted' && !this.deps.signal.aborted) {
        throw new ExecError('command-timeout', spec.host, `no answer from the executor ${EXECUTOR_GRACE_MS} ms after the command's ${spec.timeoutMs} ms timeout`)
      }
      if (err instanceof ExecError && this.deps.signal.aborted) throw new RunbookError('RB_USAGE', 'run interrupted', { cause: err })
      throw err
    }
  }

  host(template: Template | null, scope: ExprScope): string {
    return template ? template.render(scope, 'text') : this.deps.defaultHost
  }

  // --- fixes ------------------------------------------------------------------------------------

  async fixCheck(step: CompiledStep, context: RunContext): Promise<StepRecord> {
    const fix = step.fix!
    const base = scopeFor(context, step.name, undefined)
    let check: StepRecord | null = null
    if (fix.check) {
      check = await this.run(step.name, undefined, fix.check.run, base, 'check', false)
      if (check.status !== 'ok') return { ...check, result: { status: 'check-failed', check: check.result } }
      const needed = evaluateGuard(fix.check.neededIf, { ...base, result: check.result })
      if (!needed) {
        const summary = fix.summary.render({ ...base, result: check.result }, 'text')
        this.deps.emitter.emit({ type: 'fix.not_needed', step: step.name, summary })
        return { status: 'ok', result: { status: 'not_needed', check: check.result }, ...(check.output ? { output: check.output } : {}) }
      }
    }
    const scope = { ...base, result: check?.result ?? null }
    const plan = this.plan(fix, scope)
    const summary = fix.summary.render(scope, 'text')
    this.deps.emitter.emit({ type: 'fix.proposed', step: step.name, summary, plan })
    return { status: 'ok', result: { status: 'needed', check: check?.result ?? null, plan, summary }, ...(check?.output ? { output: check.output } : {}) }
  }

  plan(fix: CompiledFix, scope: ExprScope): FixPlan {
    const host = this.host(fix.host, scope)
    const render = (ts: Template[]) => ts.map((t) => t.render(scope, 'shell'))
    const verify = fix.verify ? [fix.verify.command.kind === 'run' ? fix.verify.command.run.render(scope, 'shell') : `probe ${fix.verify.command.probe} ${fix.verify.command.target.render(scope, 'text')}`] : []
    const check = fix.check ? [fix.check.run.run.render(scope, 'shell')] : []
    const body = { host, sudo: fix.sudo, check, apply: render(fix.apply), verify, rollback: render(fix.rollback) }
    return { ...body, hash: createHash('sha256').update(JSON.stringify(body)).digest('hex') }
  }

  async approve(step: CompiledStep, context: RunContext): Promise<StepRecord> {
    const prev = context.steps[step.name]!
    const fixState = prev.result as { plan: FixPlan; summary: string }
    const decision = await this.deps.approver.approve({ runbook: this.deps.runbook, step: step.name, summary: fixState.summary, plan: fixState.plan }, this.deps.signal)
    if (decision.approved) this.deps.emitter.emit({ type: 'fix.approved', step: step.name, planHash: fixState.plan.hash, by: decision.by })
    else this.deps.emitter.emit({ type: 'fix.declined', step: step.name, planHash: fixState.plan.hash, by: decision.by, reason: decision.reason ?? 'declined' })
    return { ...prev, result: { ...fixState, status: decision.approved ? 'approved' : 'declined' } }
  }

  async fixApply(step: CompiledStep, context: RunContext): Promise<StepRecord> {
    const prev = context.steps[step.name]!
    const state = prev.result as { plan: FixPlan; check: unknown }
    const ok = await this.mutate(step, state.plan.apply, 'apply', state.plan)
    if (ok) this.deps.emitter.emit({ type: 'fix.applied', step: step.name, planHash: state.plan.hash })
    return { ...prev, status: ok ? 'ok' : 'failed', result: { ...state, status: ok ? 'applied' : 'apply-failed' } }
  }

  async fixVerify(step: CompiledStep, context: RunContext): Promise<StepRecord> {
    const prev = context.steps[step.name]!
    const state = prev.result as { plan: FixPlan; check: unknown }
    const verify = step.fix!.verify
    if (!verify) {
      this.deps.emitter.emit({ type: 'fix.verified', step: step.name, ok: true })
      return { ...prev, status: 'ok', result: { ...state, status: 'verified', verify: null } }
    }
    const scope = { ...scopeFor(context, step.name, undefined), result: state.check }
    let last: StepRecord | undefined
    let ok = false
    for (let attempt = 0; attempt <= verify.retries && !ok; attempt++) {
      if (attempt > 0) await this.deps.sleep(verify.intervalMs, this.deps.signal)
      last = verify.command.kind === 'run'
        ? await this.run(step.name, undefined, { ...verify.command, sudo: step.fix!.sudo }, scope, 'verify', false)
        : await this.probe(step.name, undefined, verify.command, scope)
      ok = last.status === 'ok' && evaluateGuard(verify.expect, { ...scope, result: last.result })
    }
    this.deps.emitter.emit({ type: 'fix.verified', step: step.name, ok })
    return { ...prev, status: ok ? 'ok' : 'failed', result: { ...state, status: ok ? 'verified' : 'verify-failed', verify: last?.result ?? null } }
  }

  async fixRollback(step: CompiledStep, context: RunContext): Promise<StepRecord> {
    const prev = context.steps[step.name]!
    const state = prev.result as { plan: FixPlan }
    // Run every rollback command even when one fails: restore as much as can be restored.
    const ok = await this.mutate(step, state.plan.rollback, 'rollback', state.plan, false)
    this.deps.emitter.emit({ type: 'fix.rolled_back', step: step.name, ok })
    return { ...prev, status: ok ? 'ok' : 'failed', result: { ...state, status: ok ? 'rolled_back' : 'rollback-failed' } }
  }

  /** Runs plan commands in order, on the plan's host (only ever in apply mode, after approval). */
  async mutate(step: CompiledStep, commands: readonly string[], phase: 'apply' | 'rollback', plan: FixPlan, stopOnFailure = true): Promise<boolean> {
    let ok = true
    for (const command of commands) {
      const spec: CommandSpec = { host: plan.host, command, sudo: plan.sudo, timeoutMs: step.fix!.timeoutMs, mutating: true }
      if (!(await this.rawMutating(step.name, phase, spec))) {
        ok = false
        if (stopOnFailure) break
      }
    }
    return ok
  }

  async rawMutating(step: string, phase: FixPhase, spec: CommandSpec): Promise<boolean> {
    this.deps.emitter.emit({ type: 'command.started', step, phase, spec })
    try {
      const result = await this.exec(spec)
      this.deps.emitter.emit({ type: 'command.finished', step, phase, spec, result })
      return !result.timedOut && result.exitCode === 0
    } catch (err) {
      if (!(err instanceof ExecError)) throw err
      this.deps.emitter.emit({ type: 'command.finished', step, phase, spec, error: err.toFailure() })
      return false
    }
  }
}

export function probeSpec(kind: 'tcp' | 'ping' | 'http', target: string, count: number, timeoutMs: number): ProbeSpec {
  if (kind === 'ping') return { kind, host: target, count, timeoutMs }
  if (kind === 'http') return { kind, url: target, timeoutMs }
  const m = /^(?:\[([^\]]+)\]|([^:]+)):([0-9]{1,5})$/.exec(target)
  if (!m) throw new RunbookError('RB_PARAM_TYPE', `probe tcp target ${JSON.stringify(target)} is not host:port`)
  return { kind, host: (m[1] ?? m[2])!, port: Number(m[3]), timeoutMs }
}
