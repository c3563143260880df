/**
 * What each step kind does when the machine enters it: render the command from the run's scope,
 * hand it to an executor, parse the output, and return the step's record. Knows executors only by
 * their interface; emits every command and result as an event.
 */
import type { ExprScope, Template } from '../dsl/expr.ts'
import type { CompiledCommand, CompiledCommandStep, CompiledRun } from '../compile/model.ts'
import { scopeFor, type RunContext, type StepRecord } from '../compile/compile.ts'
import { ExecError, RunbookError } from '../errors.ts'
import type {
  Clock,
  CommandResult,
  CommandSpec,
  ExecFailure,
  Executor,
  ExecutorFactory,
  FixPhase,
  ProbeSpec,
  StepStatus,
} from '../types.ts'
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
  /** Time and waits: never the wall clock directly, so replays do not wait. */
  clock: Clock
  /** Awaited before each command and probe runs (RunOptions.beforeCommand). */
  beforeCommand?: () => Promise<void>
}

/** A command's outcome as guards and evidence see it. */
export function outputView(r: CommandResult): NonNullable<StepRecord['output']> {
  const lines = r.stdout === '' ? [] : r.stdout.replace(/\n$/, '').split('\n')
  return {
    exitCode: r.exitCode,
    signal: r.signal,
    stdout: r.stdout,
    stderr: r.stderr,
    lines,
    durationMs: r.durationMs,
    timedOut: r.timedOut,
  }
}

const WORST: readonly StepStatus[] = ['ok', 'failed', 'timeout', 'error']
const worst = (a: StepStatus, b: StepStatus): StepStatus => (WORST.indexOf(a) >= WORST.indexOf(b) ? a : b)

export class StepRunner {
  constructor(readonly deps: StepDeps) {}

  /** run / probe / parallel steps. */
  async step(step: CompiledCommandStep, context: RunContext): Promise<StepRecord> {
    const started = this.deps.clock.now()
    const scope = scopeFor(context, step.name, undefined)
    let record: StepRecord
    if (step.kind === 'parallel') {
      const subs = await Promise.all(
        step.parallel.map(async ([sub, cmd]) => [sub, await this.command(step.name, sub, cmd, scope)] as const),
      )
      const status = subs.reduce<StepStatus>((acc, [, r]) => worst(acc, r.status), 'ok')
      const failed = subs.find(([, r]) => r.status !== 'ok')
      record = {
        status,
        result: Object.fromEntries(subs.map(([sub, r]) => [sub, r.result])),
        ...(failed?.[1].error ? { error: failed[1].error } : {}),
      }
    } else {
      record = await this.command(step.name, undefined, step.command, scope)
    }
    this.deps.emitter.emit({
      type: 'step.finished',
      step: step.name,
      status: record.status,
      durationMs: this.deps.clock.now() - started,
      ...(record.error ? { error: record.error } : {}),
    })
    return record
  }

  async command(step: string, sub: string | undefined, cmd: CompiledCommand, scope: ExprScope, phase?: FixPhase): Promise<StepRecord> {
    return cmd.kind === 'probe' ? this.probe(step, sub, cmd, scope) : this.run(step, sub, cmd, scope, phase, false)
  }

  async run(
    step: string,
    sub: string | undefined,
    cmd: CompiledRun,
    scope: ExprScope,
    phase: FixPhase | undefined,
    mutating: boolean,
    on?: Executor,
  ): Promise<StepRecord> {
    const spec: CommandSpec = {
      host: this.host(cmd.host, scope),
      command: cmd.run.render(scope, 'shell'),
      sudo: cmd.sudo,
      timeoutMs: cmd.timeoutMs,
      mutating,
      ...(cmd.readonly !== undefined ? { readonly: cmd.readonly } : {}),
      ...(cmd.action ? { action: cmd.action } : {}),
    }
    const where = { step, ...(sub !== undefined ? { sub } : {}), ...(phase ? { phase } : {}) }
    this.deps.emitter.emit({ type: 'command.started', ...where, spec })
    let result: CommandResult
    try {
      result = await this.exec(spec, on)
    } catch (err) {
      if (!(err instanceof ExecError)) throw err
      const error = err.toFailure()
      this.deps.emitter.emit({ type: 'command.finished', ...where, spec, error })
      return { status: error.kind === 'command-timeout' ? 'timeout' : 'error', result: null, error }
    }
    this.deps.emitter.emit({ type: 'command.finished', ...where, spec, result })
    const output = outputView(result)
    let status: StepStatus = result.timedOut
      ? 'timeout'
      : cmd.okExit === 'any' || (result.exitCode !== null && cmd.okExit.includes(result.exitCode))
        ? 'ok'
        : 'failed'
    let error: ExecFailure | undefined = result.timedOut
      ? { kind: 'command-timeout', message: `command ran past its ${cmd.timeoutMs} ms timeout` }
      : undefined
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

  async probe(
    step: string,
    sub: string | undefined,
    cmd: Extract<CompiledCommand, { kind: 'probe' }>,
    scope: ExprScope,
  ): Promise<StepRecord> {
    const target = cmd.target.render(scope, 'text')
    const spec = probeSpec(cmd.probe, target, cmd.count, cmd.timeoutMs)
    await this.deps.beforeCommand?.()
    const result = await this.deps.executors.prober.probe(spec, this.deps.signal)
    this.deps.emitter.emit({ type: 'probe.finished', step, ...(sub !== undefined ? { sub } : {}), spec, result })
    // A closed port or a lost ping is data for the runbook's guards, not a failure of the step.
    return { status: 'ok', result }
  }

  async exec(spec: CommandSpec, on?: Executor): Promise<CommandResult> {
    // Its command.started is durable before the command can have any effect (the in-doubt rule needs it).
    await this.deps.beforeCommand?.()
    const { signal, done } = commandSignal(this.deps.signal, spec.timeoutMs + EXECUTOR_GRACE_MS)
    const executor = on ?? this.deps.executors.executor(spec.host)
    try {
      return await executor.exec(spec, signal)
    } catch (err) {
      if (err instanceof ExecError && err.kind === 'aborted' && !this.deps.signal.aborted) {
        throw new ExecError(
          'command-timeout',
          spec.host,
          `no answer from the executor ${EXECUTOR_GRACE_MS} ms after the command's ${spec.timeoutMs} ms timeout`,
        )
      }
      if (err instanceof ExecError && this.deps.signal.aborted) throw new RunbookError('RB_USAGE', 'run interrupted', { cause: err })
      throw err
    } finally {
      done()
    }
  }

  host(template: Template | null, scope: ExprScope): string {
    return template ? template.render(scope, 'text') : this.deps.defaultHost
  }

  /**
   * A command the engine itself runs around a fix (lock, file reads, backups, writes, revert):
   * recorded like any other. Resolves with the result, or the failure when it could not run.
   */
  async raw(
    step: string,
    phase: FixPhase,
    spec: CommandSpec,
    executor?: Executor,
  ): Promise<{ result?: CommandResult; error?: ExecFailure }> {
    this.deps.emitter.emit({ type: 'command.started', step, phase, spec })
    try {
      const result = await this.exec(spec, executor)
      this.deps.emitter.emit({ type: 'command.finished', step, phase, spec, result })
      return { result }
    } catch (err) {
      if (!(err instanceof ExecError)) throw err
      const error = err.toFailure()
      this.deps.emitter.emit({ type: 'command.finished', step, phase, spec, error })
      return { error }
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

/**
 * A command's signal: aborted with the run, or when `ms` have passed. What
 * `AbortSignal.any([run, AbortSignal.timeout(ms)])` gives, without what it costs per command in
 * Node 20 (a composite signal tracked by its sources until collected; a timer that lives its full
 * `ms` after the command ended): `done()` stops the timer and unhooks the run signal.
 */
export function commandSignal(run: AbortSignal, ms: number): { signal: AbortSignal; done(): void } {
  const controller = new AbortController()
  if (run.aborted) {
    controller.abort(run.reason)
    return { signal: controller.signal, done: () => {} }
  }
  const onAbort = (): void => controller.abort(run.reason)
  run.addEventListener('abort', onAbort, { once: true })
  const timer = setTimeout(() => controller.abort(new DOMException(`no answer within ${ms} ms`, 'TimeoutError')), ms)
  timer.unref()
  return {
    signal: controller.signal,
    done: () => {
      clearTimeout(timer)
      run.removeEventListener('abort', onAbort)
    },
  }
}
