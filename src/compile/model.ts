/**
 * The compiled form of a runbook: every template and guard compiled once, every name resolved.
 * Pure data plus compiled expressions; no I/O.
 */
import type { Expr, Template } from '../dsl/expr.ts'
import type { Param } from '../dsl/runbook.generated.ts'
import type { Parser } from '../parsers/registry.ts'
import { RunbookError } from '../errors.ts'
import type { Severity, StepKind } from '../types.ts'

export interface CompiledRun {
  kind: 'run'
  run: Template
  /** Null: the run's default target (params.host, or local). */
  host: Template | null
  sudo: boolean
  timeoutMs: number
  parser: Parser | null
  okExit: readonly number[] | 'any'
  /** The author vouches that this command is read-only (`readonly:`), where the check could not prove it. */
  readonly?: string
  /** The action (`namespace/name@version`) this command comes from, when its step says `uses:`. */
  action?: string
}

export interface CompiledProbe {
  kind: 'probe'
  probe: 'tcp' | 'ping' | 'http'
  target: Template
  count: number
  timeoutMs: number
}

export type CompiledCommand = CompiledRun | CompiledProbe

export interface CompiledTransition {
  guard: Expr | null
  to: string
  /** Stable transition id, e.g. `firewall#0`, `usage~on_failure`, `fix.verify~ok`. */
  edge: string
}

export interface CompiledFix {
  summary: Template
  host: Template | null
  sudo: boolean
  timeoutMs: number
  check: { run: CompiledRun; neededIf: Expr } | null
  apply: Template[]
  verify: { command: CompiledCommand; expect: Expr; retries: number; intervalMs: number } | null
  rollback: Template[]
  /** Commit-confirmed: the revert window, or null for fixes that cannot cut access. */
  access: { confirmWithinMs: number } | null
  preflight: Array<{ run: CompiledRun; expect: Expr; message: Template }>
  files: Array<{ path: Template; content: Template; mode: string }>
  /**
   * The action (`namespace/name@version`) the fix comes from, the keys its step gave itself
   * (summary, verify...), and its inputs (rendered for the plan's intent line).
   */
  action?: { id: string; overrides: readonly string[]; inputs: ReadonlyArray<{ name: string; value: Template }> }
}

/** What every compiled step has, whatever its kind. */
interface CompiledStepBase {
  name: string
  title: string | undefined
  next: CompiledTransition[]
  onFailure: string | undefined
  onTimeout: string | undefined
  onError: string | undefined
  onRollback: string | undefined
  /** `namespace/name@version` of the action the step uses, if any. */
  action: string | undefined
}

/** A compiled step, by kind: each kind carries exactly what it runs, so no reader needs a `!`. */
export type CompiledStep =
  | (CompiledStepBase & { kind: 'run'; command: CompiledRun })
  | (CompiledStepBase & { kind: 'probe'; command: CompiledProbe })
  | (CompiledStepBase & { kind: 'parallel'; parallel: ReadonlyArray<readonly [string, CompiledCommand]> })
  | (CompiledStepBase & { kind: 'fix'; fix: CompiledFix })
  | (CompiledStepBase & { kind: 'branch' })

export type CompiledFixStep = Extract<CompiledStep, { kind: 'fix' }>
/** The steps the `step` actor runs: one command, a probe, or commands in parallel. */
export type CompiledCommandStep = Extract<CompiledStep, { kind: 'run' | 'probe' | 'parallel' }>

/**
 * Does the run log in to its host first thing? True when the start step runs a command on the run's
 * own host (alone or among parallel commands). A fleet warms the SSH connection only then: a
 * runbook that starts with a probe from here may never log in (unreachable-host logs in only where
 * the probe fails), and a warmed connection would be a login the runbook did not ask for.
 */
export function logsInFirst(steps: ReadonlyMap<string, CompiledStep>, start: string): boolean {
  const step = steps.get(start)
  if (step?.kind === 'run') return step.command.host === null
  if (step?.kind === 'parallel') return step.parallel.some(([, c]) => c.kind === 'run' && c.host === null)
  return false
}

/** For a `switch (step.kind)` that handles every kind: the compiler fails on a kind left out. */
export function unhandledKind(kind: never): never {
  throw new RunbookError('RB_INTERNAL', `unhandled step kind: ${String(kind)}`)
}

/** The step as one of the kinds an actor handles. The machine invokes each actor only on its kinds, so another kind is a bug. */
export function stepOfKind<K extends StepKind>(step: CompiledStep, ...kinds: K[]): Extract<CompiledStep, { kind: K }> {
  if (!(kinds as readonly StepKind[]).includes(step.kind))
    throw new RunbookError('RB_INTERNAL', `step '${step.name}' is a ${step.kind} step, not ${kinds.join(' or ')}`)
  return step as Extract<CompiledStep, { kind: K }>
}

export type CompiledEvidence = { template: Template } | { step: string; contains: Template | null; maxLines: number }

export interface CompiledOutcome {
  name: string
  severity: Severity
  summary: Template
  evidence: CompiledEvidence[]
  see: string[]
}

/** One transition of the machine, as the graph and coverage see it. */
export interface EdgeInfo {
  id: string
  from: string
  to: string
  /** The guard expression or handler that takes it. */
  via: string
  /** Engine safety edges (abort on an unhandled failure, declined approval, failed rollback): not authored, not counted in coverage. */
  internal: boolean
}

/** Engine-made final states, next to the runbook's own outcomes. */
export const INTERNAL_FINALS = {
  aborted: '_aborted',
  proposed: '_proposed',
  declined: '_declined',
  rolledBack: '_rolled_back',
  /** A fix that was applied (or half applied), not verified, and declares nothing to undo it with. */
  unverified: '_unverified',
  rollbackFailed: '_rollback_failed',
  refused: '_refused',
} as const

export type ParamDecls = Readonly<Record<string, Param>>
