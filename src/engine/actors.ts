/**
 * The compiled machine's placeholders, filled in for one run (`machine.provide`): the actors that
 * run steps and fix phases, the guards' error capture, and the actions that turn what the machine
 * does into events (a transition taken, a step entered, a final state reached).
 */
import { fromPromise, type AnyStateMachine } from 'xstate'
import type { ActorInput, CompiledRunbook, RunContext, StepRecord } from '../compile/compile.ts'
import { stepOfKind, type CompiledStep, type EdgeInfo } from '../compile/model.ts'
import { RunbookError } from '../errors.ts'
import type { Emitter } from './emitter.ts'
import type { FixRunner } from './fix.ts'
import { atStep, buildOutcome } from './outcome.ts'
import type { StepRunner } from './steps.ts'
import type { RunSummary, RunTally } from './summary.ts'

export interface ActorDeps {
  emitter: Emitter
  steps: StepRunner
  fixes: FixRunner
  signal: AbortSignal
  /** The tally of the events so far (summary.ts): what the outcome's evidence is made of. */
  tally: () => RunTally
}

/** What the machine did that is no event: read by the run once the machine stops. */
export interface MachineRecord {
  /** The final state reached; undefined until one is. */
  final: string | undefined
  /** The outcome, redacted as its event is (it goes back to the caller: CLI, chat). */
  outcome: RunSummary['outcome']
  /** The step last entered. */
  lastStep: string | undefined
  /** What an actor threw. */
  crash: unknown
  /**
   * An error thrown by a guard the machine evaluates: xstate rethrows it as a plain Error with its
   * own wording, so the original (RB_CEL_EVAL, with the step) is kept here.
   */
  guardError: RunbookError | undefined
}

/** The machine with this run's implementations, the record they keep, and how to announce a step. */
export function provideRun(
  compiled: CompiledRunbook,
  deps: ActorDeps,
): { machine: AnyStateMachine; record: MachineRecord; stepStarted: (name: string) => void } {
  const { emitter, signal } = deps
  const steps = compiled.steps
  const record: MachineRecord = { final: undefined, outcome: null, lastStep: undefined, crash: undefined, guardError: undefined }

  const stepStarted = (name: string) => {
    const step = steps.get(name)!
    emitter.emit({ type: 'step.started', step: name, kind: step.kind, ...(step.title ? { title: step.title } : {}) })
  }
  const impl = {
    step: (s: CompiledStep, c: RunContext) => deps.steps.step(stepOfKind(s, 'run', 'probe', 'parallel'), c),
    fixCheck: (s: CompiledStep, c: RunContext) => deps.fixes.check(stepOfKind(s, 'fix'), c),
    approve: (s: CompiledStep, c: RunContext) => deps.fixes.approve(stepOfKind(s, 'fix'), c),
    fixApply: (s: CompiledStep, c: RunContext) => deps.fixes.apply(stepOfKind(s, 'fix'), c),
    fixVerify: (s: CompiledStep, c: RunContext) => deps.fixes.verify(stepOfKind(s, 'fix'), c),
    fixRollback: (s: CompiledStep, c: RunContext) => deps.fixes.rollback(stepOfKind(s, 'fix'), c),
  }
  const actor = (kind: keyof typeof impl) =>
    fromPromise<StepRecord, ActorInput>(async ({ input }) => {
      try {
        // Runs after xstate reported the transition that led here, so events read transition → step.
        await null
        if (signal.aborted) throw new RunbookError('RB_USAGE', 'run interrupted')
        return await impl[kind](steps.get(input.step)!, input.context)
      } catch (err) {
        record.crash = err
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
          record.guardError ??= atStep(
            err instanceof RunbookError ? err : new RunbookError('RB_INTERNAL', String(err), { cause: err }),
            params.step,
          )
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
        emitter.emit({ type: 'transition', from: edge.from, to: edge.to, via: edge.via, edge: edge.id })
        // Entering a step (not moving between a fix's phases): announce it right after the transition.
        const target = edge.to.split('.')[0]!
        if (steps.has(target) && (edge.from.split('.')[0] !== target || edge.from === edge.to)) stepStarted(target)
      },
      enter: (_: unknown, p: { step: string }) => {
        record.lastStep = p.step
      },
      finish: ({ context }: { context: RunContext }, p: { final: string }) => {
        record.final = p.final
        const t = deps.tally()
        const built = buildOutcome(compiled, p.final, context, {
          outputs: t.outputs,
          proposedStep: t.proposedStep,
          lastStep: record.lastStep,
          crash: record.crash,
          refusal: t.refusal,
          interrupted: signal.aborted,
        })
        // The summary goes back to the caller (CLI, chat): as redacted as the event.
        record.outcome = emitter.redactor.value(built)
        queueMicrotask(() => emitter.emit({ type: 'outcome', ...built }))
      },
    },
  } as never)
  return { machine, record, stepStarted }
}
