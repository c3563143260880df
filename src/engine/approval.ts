/**
 * Who says yes to a fix. The engine asks only in --apply mode, after showing the plan; approval
 * binds to the plan's hash.
 */
import { createInterface } from 'node:readline/promises'
import type { FixIntent, FixPlan } from '../types.ts'
import { planLines } from '../shared/plan-text.ts'

export interface ApprovalRequest {
  runbook: string
  step: string
  summary: string
  plan: FixPlan
  /** The action and inputs the fix comes from, when it uses one: shown before the commands. */
  intent?: FixIntent
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

/** Interactive prompt on a TTY: shows the plan, asks y/N. */
export function promptApprover(input: NodeJS.ReadableStream, output: NodeJS.WritableStream, operator: string): Approver {
  return {
    async approve(req, signal) {
      const rl = createInterface({ input, output, terminal: true })
      try {
        // Intent first (the action and its inputs), then every command in full.
        const lines = ['', `Fix ${req.step}: ${req.summary}`, ...planLines(req, '  ', (ms) => `${Math.round(ms / 1000)} s`), '']
        output.write(lines.join('\n') + '\n')
        const answer = await rl.question('Apply this fix? [y/N] ', signal ? { signal } : {})
        const approved = /^y(es)?$/i.test(answer.trim())
        return approved
          ? { approved, by: `${operator} (prompt)` }
          : { approved, by: `${operator} (prompt)`, reason: 'declined at the prompt' }
      } finally {
        rl.close()
      }
    },
  }
}
