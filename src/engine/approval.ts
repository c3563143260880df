/**
 * Who says yes to a fix. The engine asks only in --apply mode, after showing the plan; approval
 * binds to the plan's hash.
 */
import { createInterface } from 'node:readline/promises'
import type { FixPlan } from '../types.ts'

export interface ApprovalRequest {
  runbook: string
  step: string
  summary: string
  plan: FixPlan
}

export interface ApprovalDecision {
  approved: boolean
  /** Who decided: `--yes`, `tty:<user>`, a chat user id, ... */
  by: string
  reason?: string
}

export interface Approver {
  approve(request: ApprovalRequest, signal?: AbortSignal): Promise<ApprovalDecision>
}

/** `--yes`: every plan approved, on the operator's behalf. */
export function yesApprover(operator: string): Approver {
  return { approve: async () => ({ approved: true, by: `${operator} (--yes)` }) }
}

/** No terminal and no --yes: nothing is approved, and the reason says how to approve. */
export const refusingApprover: Approver = {
  approve: async () => ({ approved: false, by: 'runbook', reason: 'no terminal to ask and --yes not given' }),
}

/** A labelled multi-line command (kept here: the engine must not depend on views). */
function labelled(label: string, command: string): string[] {
  return command.replace(/\n+$/, '').split('\n').map((l, i) => (i === 0 ? label : ' '.repeat(label.length)) + l)
}

/** Interactive prompt on a TTY: shows the plan, asks y/N. */
export function promptApprover(input: NodeJS.ReadableStream, output: NodeJS.WritableStream, operator: string): Approver {
  return {
    async approve(req, signal) {
      const rl = createInterface({ input, output, terminal: true })
      try {
        const lines = [
          '',
          `Fix ${req.step}: ${req.summary}`,
          `  on ${req.plan.host}${req.plan.sudo ? ' (sudo)' : ''}, plan ${req.plan.hash.slice(0, 12)}`,
          ...req.plan.apply.flatMap((c) => labelled('  apply:    ', c)),
          ...req.plan.verify.flatMap((c) => labelled('  verify:   ', c)),
          ...req.plan.rollback.flatMap((c) => labelled('  rollback: ', c)),
          ...req.plan.files.flatMap((f) => [`  file:     ${f.path}`, ...f.diff.split('\n').filter((l) => /^[-+@ ]/.test(l) && !/^(---|\+\+\+) /.test(l)).map((l) => `    ${l}`)]),
          ...(req.plan.access ? [`  access:   commit-confirmed: the host reverts by itself within ${Math.round(req.plan.access.confirmWithinMs / 1000)} s unless verified`] : []),
          '',
        ]
        output.write(lines.join('\n') + '\n')
        const answer = await rl.question('Apply this fix? [y/N] ', signal ? { signal } : {})
        const approved = /^y(es)?$/i.test(answer.trim())
        return approved ? { approved, by: `${operator} (prompt)` } : { approved, by: `${operator} (prompt)`, reason: 'declined at the prompt' }
      } finally {
        rl.close()
      }
    },
  }
}
