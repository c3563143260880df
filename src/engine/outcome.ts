/**
 * How a run ends in words: the outcome (authored, or one of the engine's own finals) with its
 * evidence, and the error of a run that could not finish. Pure: reads the machine's context and
 * the tally of events (summary.ts).
 */
import { scopeFor, type CompiledRunbook, type RunContext } from '../compile/compile.ts'
import { INTERNAL_FINALS, type CompiledOutcome } from '../compile/model.ts'
import { textOf, type ExprScope } from '../dsl/expr.ts'
import { ERROR_CODES, RunbookError } from '../errors.ts'
import type { Evidence } from '../types.ts'
import type { RunSummary, RunTally } from './summary.ts'

/** A CEL error says which step's expression failed. */
export function atStep(err: RunbookError, step: string | undefined): RunbookError {
  if (err.code !== 'RB_CEL_EVAL' || step === undefined || err.detail.step !== undefined) return err
  return new RunbookError('RB_CEL_EVAL', `step '${step}': ${err.message}`, { cause: err.cause, detail: { ...err.detail, step } })
}

export function asRunbookError(err: unknown, step: string | undefined): RunbookError {
  if (err instanceof RunbookError) return atStep(err, step)
  if (err === undefined)
    return new RunbookError('RB_STEP_FAILED', `step '${step ?? '?'}' failed and has no handler for it`, { detail: { step } })
  const message = err instanceof Error ? err.message : String(err)
  return new RunbookError('RB_INTERNAL', message, { cause: err })
}

export interface OutcomeFacts {
  outputs: RunTally['outputs']
  proposedStep: string | undefined
  lastStep: string | undefined
  crash: unknown
  refusal: string | undefined
  /** The run was stopped from outside (Ctrl-C, SIGTERM, a cancelled service run): no runbook handler applies. */
  interrupted?: boolean
}

function evidenceOf(step: string, facts: OutcomeFacts, contains: string | null, maxLines: number): Evidence[] {
  const outputs = (facts.outputs[step] ?? []).filter(({ text }) => contains === null || text.includes(contains))
  return outputs.map(({ command, text }) => {
    let lines = text.split('\n').filter((l) => l !== '')
    if (contains !== null) lines = lines.filter((l) => l.includes(contains))
    const shown = lines.slice(0, maxLines)
    if (lines.length > maxLines) shown.push(`… ${lines.length - maxLines} more line(s)`)
    return { step, command, text: shown.join('\n') }
  })
}

export function buildOutcome(
  compiled: CompiledRunbook,
  final: string,
  context: RunContext,
  facts: OutcomeFacts,
): NonNullable<RunSummary['outcome']> {
  const scope: ExprScope = { ...scopeFor(context, '', undefined), result: null }
  const authored: CompiledOutcome | undefined = compiled.outcomes.get(final)
  if (authored) {
    const evidence = authored.evidence.flatMap((e): Evidence[] =>
      'template' in e
        ? [{ text: e.template.render(scope, 'text') }]
        : evidenceOf(e.step, facts, e.contains ? e.contains.render(scope, 'text') : null, e.maxLines),
    )
    return {
      id: final,
      severity: authored.severity,
      summary: authored.summary.render(scope, 'text'),
      evidence,
      ...(authored.see.length ? { see: authored.see } : {}),
    }
  }
  const step = facts.proposedStep ?? facts.lastStep ?? ''
  const fixResult = context.steps[step]?.result as { summary?: string } | undefined
  const fixSummary = fixResult?.summary ?? step
  switch (final) {
    case INTERNAL_FINALS.proposed: {
      const pre = (fixResult as { preflight?: { ok: boolean; message: string } } | undefined)?.preflight
      if (pre && !pre.ok) {
        return {
          id: final,
          severity: 'critical',
          summary: `Fix '${step}' cannot be applied: its pre-flight check fails, so --apply would refuse it: ${pre.message} (dry-run: nothing was changed; the fix: ${fixSummary})`,
          evidence: evidenceOf(step, facts, null, 20),
        }
      }
      return {
        id: final,
        severity: 'warning',
        summary: `Fix proposed: ${fixSummary} (dry-run: nothing was changed; run with --apply to apply it)`,
        evidence: evidenceOf(step, facts, null, 20),
      }
    }
    case INTERNAL_FINALS.refused:
      return {
        id: final,
        severity: 'critical',
        summary: `Fix '${step}' refused, nothing was changed: ${facts.refusal ?? 'refused'}`,
        evidence: evidenceOf(step, facts, null, 20),
      }
    case INTERNAL_FINALS.declined:
      return {
        id: final,
        severity: 'warning',
        summary: `Fix not applied: ${fixSummary} (approval declined)`,
        evidence: evidenceOf(step, facts, null, 20),
      }
    case INTERNAL_FINALS.rolledBack:
      return {
        id: final,
        severity: 'critical',
        summary: `Fix '${step}' failed verification and was rolled back: ${fixSummary}`,
        evidence: evidenceOf(step, facts, null, 20),
      }
    case INTERNAL_FINALS.unverified: {
      const how =
        (fixResult as { failedAt?: string } | undefined)?.failedAt === 'apply'
          ? 'its apply failed part way'
          : 'it was applied but not verified'
      return {
        id: final,
        severity: 'critical',
        summary: `Fix '${step}': ${how}, and it declares no rollback, so nothing was undone: the host needs a human now (${fixSummary})`,
        evidence: evidenceOf(step, facts, null, 40),
      }
    }
    case INTERNAL_FINALS.rollbackFailed:
      return {
        id: final,
        severity: 'critical',
        summary: `Fix '${step}' failed AND its rollback failed: the host needs a human now`,
        evidence: evidenceOf(step, facts, null, 40),
      }
    default: {
      if (facts.crash instanceof RunbookError && facts.crash.code === 'RB_CEL_EVAL') {
        return {
          id: final,
          severity: 'critical',
          summary: `Run stopped: ${atStep(facts.crash, facts.lastStep).message}. ${ERROR_CODES.RB_CEL_EVAL.fix}`,
          evidence: evidenceOf(facts.lastStep ?? '', facts, null, 20),
        }
      }
      // The engine stopped a step itself (a fix that lost its host's lock): its reason, not the step's last status.
      if (facts.crash instanceof RunbookError && facts.crash.code === 'RB_STEP_FAILED') {
        return {
          id: final,
          severity: 'critical',
          summary: `Run stopped at step '${facts.lastStep ?? '?'}': ${facts.crash.message}`,
          evidence: evidenceOf(facts.lastStep ?? '', facts, null, 20),
        }
      }
      if (facts.interrupted) {
        return {
          id: final,
          severity: 'critical',
          summary: `Run interrupted at step '${facts.lastStep ?? '?'}': that step did not finish and nothing after it ran`,
          evidence: evidenceOf(facts.lastStep ?? '', facts, null, 20),
        }
      }
      const record = context.steps[facts.lastStep ?? '']
      const why = record?.error
        ? `${record.error.kind}: ${record.error.message}`
        : record
          ? `status ${record.status}${record.output ? `, exit ${textOf(record.output.exitCode ?? record.output.signal)}` : ''}`
          : facts.crash instanceof Error
            ? facts.crash.message
            : 'unknown error'
      return {
        id: final,
        severity: 'critical',
        summary: `Run stopped at step '${facts.lastStep ?? '?'}' (${why}); add on_failure/on_timeout/on_error to handle it`,
        evidence: evidenceOf(facts.lastStep ?? '', facts, null, 20),
      }
    }
  }
}
