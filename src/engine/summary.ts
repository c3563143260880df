/**
 * What a run's summary is made of, read from its events alone: a pure reducer (`tally`) folds each
 * RunEvent into a RunTally, and `runStatus` turns the tally and the final state into the status
 * that decides the exit code. No I/O, no clock: the same events give the same summary, live or
 * replayed.
 *
 * @example
 * const t = events.reduce(tally, EMPTY_TALLY)
 * runStatus({ final: '_proposed', tally: t, unverified: 0, severity: undefined, crashed: false })  // 'fix-proposed'
 */
import { INTERNAL_FINALS } from '../compile/model.ts'
import { EXIT, type RunbookError } from '../errors.ts'
import type { Evidence, RunEvent, RunStatus, Severity } from '../types.ts'

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

/** A command's output as evidence shows it: stdout, plus stderr when it failed. */
export interface CommandOutput {
  command: string
  text: string
}

/** Everything the outcome and the status are made of, as the events told it. */
export interface RunTally {
  /** Each step's command outputs, in order (outcome evidence). */
  readonly outputs: Readonly<Record<string, readonly CommandOutput[]>>
  /** Fixes verified after applying. */
  readonly applied: number
  readonly rolledBack: number
  /** The last fix proposed (dry-run): the one a `_proposed` outcome names. */
  readonly proposedStep: string | undefined
  /** Why the last refused fix was refused. */
  readonly refusal: string | undefined
  /** Fixes whose pre-flight failed. */
  readonly preflightFailed: readonly string[]
  /** Edge ids taken, in order. */
  readonly path: readonly string[]
}

export const EMPTY_TALLY: RunTally = {
  outputs: {},
  applied: 0,
  rolledBack: 0,
  proposedStep: undefined,
  refusal: undefined,
  preflightFailed: [],
  path: [],
}

/** Fold one event into the tally; returns a new tally (the one given is never changed). */
export function tally(t: RunTally, e: RunEvent): RunTally {
  switch (e.type) {
    case 'transition':
      return { ...t, path: [...t.path, e.edge] }
    case 'command.finished': {
      const text = e.result
        ? [e.result.stdout, e.result.exitCode === 0 ? '' : e.result.stderr].filter(Boolean).join('\n')
        : (e.error?.message ?? '')
      return { ...t, outputs: { ...t.outputs, [e.step]: [...(t.outputs[e.step] ?? []), { command: e.spec.command, text }] } }
    }
    case 'fix.verified':
      return e.ok ? { ...t, applied: t.applied + 1 } : t
    case 'fix.rolled_back':
      return { ...t, rolledBack: t.rolledBack + 1 }
    case 'fix.refused':
      return { ...t, refusal: e.reason }
    case 'fix.proposed':
      return { ...t, proposedStep: e.step }
    case 'fix.preflight':
      return e.ok || t.preflightFailed.includes(e.step) ? t : { ...t, preflightFailed: [...t.preflightFailed, e.step] }
    default:
      return t
  }
}

export interface StatusInput {
  /** The final state the machine reached; undefined when it never reached one. */
  final: string | undefined
  tally: RunTally
  /** Fixes left applied and unverified, with nothing declared to undo them (engine/fix.ts). */
  unverified: number
  /** The outcome's severity, when the run reached an authored outcome. */
  severity: Severity | undefined
  /** The machine stopped with an error (a crash, not an outcome). */
  crashed: boolean
}

/** How the run ended, in order of precedence: what needs a human first, then what changed the host, then the diagnosis. */
export function runStatus({ final, tally: t, unverified, severity, crashed }: StatusInput): RunStatus {
  if (crashed || final === INTERNAL_FINALS.aborted || final === undefined) return 'incomplete'
  if (final === INTERNAL_FINALS.rollbackFailed) return 'rollback-failed'
  if (final === INTERNAL_FINALS.refused) return 'refused'
  if (unverified > 0) return 'fix-unverified'
  // A dry-run ends at the fix it proposes: one that --apply would refuse is reported as refused (exit 9).
  if (final === INTERNAL_FINALS.proposed && t.proposedStep !== undefined && t.preflightFailed.includes(t.proposedStep)) return 'refused'
  if (t.rolledBack > 0) return 'fix-rolled-back'
  if (t.applied > 0) return 'fix-applied'
  if (final === INTERNAL_FINALS.proposed || final === INTERNAL_FINALS.declined) return 'fix-proposed'
  return severity === 'ok' || severity === 'info' ? 'healthy' : 'problem'
}
