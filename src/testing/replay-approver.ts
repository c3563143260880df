/**
 * The approver of a replay: the decisions a transcript recorded, given back in order. Lives with the
 * replay harness, not with the executors: approval is the engine's concern, not a host's.
 */
import type { Approver } from '../engine/approval.ts'
import { RunbookError } from '../errors.ts'
import type { RunEvent } from '../types.ts'

/** Approvals as they were recorded: a fix approved then is approved now, a declined one declined. */
export function replayApprover(events: readonly RunEvent[]): Approver {
  const decisions = events.filter((e) => e.type === 'fix.approved' || e.type === 'fix.declined')
  return {
    approve: async (req) => {
      const i = decisions.findIndex((d) => 'step' in d && d.step === req.step)
      const d = i >= 0 ? decisions.splice(i, 1)[0] : undefined
      if (!d)
        throw new RunbookError(
          'RB_REPLAY_DIVERGED',
          `replay: fix '${req.step}' asks for approval, but the recording has no decision for it`,
        )
      return d.type === 'fix.approved' ? { approved: true, by: d.by } : { approved: false, by: d.by, reason: d.reason }
    },
  }
}
