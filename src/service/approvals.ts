/**
 * Approvals for served runs. The approver a worker gives the engine records an approval request
 * bound to the plan hash, sets the run to `waiting-approval`, and waits on the store until enough
 * identities approve that hash, someone declines, the request expires, or the run is cancelled.
 * decide() is what an API call (later a chat button) does: every refusal says why and is recorded.
 */
import { RunbookError, type ErrorCode } from '../errors.ts'
import type { ApprovalDecision, Approver } from '../engine/approval.ts'
import type { AccessControl, Identity } from './access.ts'
import { ServerStopping } from './queue.ts'
import type { ApprovalRecord, RunRecord, Store } from './store.ts'

interface Pending {
  planHash: string
  step: string
  required: number
  expiresAt: number
  resolve(d: ApprovalDecision): void
}

export interface DeskOptions {
  store: Store
  access: AccessControl
  ttlMs: number
  now(): number
  /** The run's status changed (for live views). */
  onStatus?(runId: string): void
  /**
   * Decisions may be taken in another process (serve decides, a `runbook worker` runs the run; they
   * share the store): the waiting approver reads the store this often, and decide() accepts a
   * decision for an open request it does not hold itself.
   */
  pollMs?: number
}

export class ApprovalDesk {
  readonly #pending = new Map<string, Pending>()
  constructor(readonly o: DeskOptions) {}

  get waiting(): number {
    return this.#pending.size
  }

  /** The engine's approver for one run. */
  approverFor(run: RunRecord): Approver {
    const { store, access, ttlMs, now } = this.o
    return {
      approve: async (req, signal) => {
        const required = access.approvalsRequired(run.runbook, run.host)
        // A run resumed after a restart asks again for the plan it was waiting on: the same request,
        // with its own expiry (a restart does not give it more time) and the approvals already given.
        const earlier = await store.approvalRequest(run.id)
        const same =
          earlier !== undefined && earlier.step === req.step && earlier.planHash === req.plan.hash && earlier.state !== 'cancelled'
        const requestedAt = same ? earlier.requestedAt : now()
        const expiresAt = same ? earlier.expiresAt : requestedAt + ttlMs
        // A re-plan asks again with a new hash: what was approved for the old plan no longer counts.
        await store.voidApprovals(run.id, req.plan.hash)
        await store.openApprovalRequest({ runId: run.id, step: req.step, planHash: req.plan.hash, required, requestedAt, expiresAt })
        const given = same
          ? (await store.approvals(run.id)).filter((a) => !a.voided && a.planHash === req.plan.hash && a.at >= requestedAt)
          : []
        await store.updateRun(run.id, { status: 'waiting-approval' })
        this.o.onStatus?.(run.id)
        try {
          return await new Promise<ApprovalDecision>((resolve, reject) => {
            const finish = (d: ApprovalDecision, state: 'approved' | 'declined' | 'expired' | 'cancelled') => {
              if (this.#pending.get(run.id)?.resolve !== settle) return
              this.#pending.delete(run.id)
              clearTimeout(timer)
              clearInterval(poll)
              signal?.removeEventListener('abort', onAbort)
              // The server stops: the request stays open, the run waits again after the restart.
              if (state === 'cancelled' && signal?.reason instanceof ServerStopping) return reject(signal.reason)
              // Cancelled or timed out: the run stops (incomplete), as a Ctrl-C at the CLI's prompt does.
              void store
                .closeApprovalRequest(run.id, state)
                .then(() => (state === 'cancelled' ? reject(signal?.reason ?? new Error(d.reason)) : resolve(d)))
            }
            const settle = (d: ApprovalDecision) => finish(d, d.approved ? 'approved' : 'declined')
            const expire = () =>
              finish(
                {
                  approved: false,
                  by: 'runbook serve',
                  reason: `approval expired: nobody approved plan ${req.plan.hash.slice(0, 12)} within ${Math.round((expiresAt - requestedAt) / 1000)} s`,
                },
                'expired',
              )
            const timer = setTimeout(expire, Math.max(0, expiresAt - now()))
            const onAbort = () =>
              finish({ approved: false, by: 'runbook serve', reason: 'run cancelled while waiting for approval' }, 'cancelled')
            this.#pending.set(run.id, { planHash: req.plan.hash, step: req.step, required, expiresAt, resolve: settle })
            // Decisions recorded by another process: counted as decide() counts them.
            const poll = this.o.pollMs
              ? setInterval(() => {
                  void store.approvals(run.id).then(
                    (all) => {
                      const current = all.filter((a) => !a.voided && a.planHash === req.plan.hash && a.at >= requestedAt)
                      const no = current.find((a) => a.decision === 'decline')
                      const yes = [...new Set(current.filter((a) => a.decision === 'approve').map((a) => a.identity))]
                      if (no) settle({ approved: false, by: no.identity, reason: `declined by ${no.identity}` })
                      else if (yes.length >= required) settle({ approved: true, by: yes.join(', ') })
                    },
                    () => {},
                  )
                }, this.o.pollMs)
              : undefined
            const declined = given.find((a) => a.decision === 'decline')
            const approvers = [...new Set(given.filter((a) => a.decision === 'approve').map((a) => a.identity))]
            if (signal?.aborted) onAbort()
            else if (declined) settle({ approved: false, by: declined.identity, reason: `declined by ${declined.identity}` })
            else if (approvers.length >= required) settle({ approved: true, by: approvers.join(', ') })
            else if (now() >= expiresAt) expire()
            else signal?.addEventListener('abort', onAbort, { once: true })
          })
        } finally {
          if (!(signal?.reason instanceof ServerStopping)) await store.updateRun(run.id, { status: 'running' })
          this.o.onStatus?.(run.id)
        }
      },
    }
  }

  /**
   * One identity's decision on a run's plan. Refusals throw RunbookError (RB_FORBIDDEN,
   * RB_APPROVAL_REFUSED) after being recorded.
   */
  async decide(
    identity: Identity,
    run: RunRecord,
    planHash: string,
    decision: 'approve' | 'decline',
  ): Promise<{ state: 'waiting' | 'approved' | 'declined'; approvals: ApprovalRecord[] }> {
    const { store, access, now } = this.o
    const at = now()
    const refuse = async (code: ErrorCode, reason: string): Promise<never> => {
      await store.recordRefusal({ at, identity: identity.name, action: decision, runId: run.id, code, reason })
      throw new RunbookError(code, reason, { detail: { runId: run.id, identity: identity.name } })
    }
    if (!access.can(identity, 'approve', run.runbook, run.host))
      return refuse('RB_FORBIDDEN', access.why(identity, 'approve', run.runbook, run.host))
    let pending = this.#pending.get(run.id)
    if (!pending && this.o.pollMs) {
      // The run waits in another process: the open request in the store is what it waits on.
      const open = await store.approvalRequest(run.id)
      if (open?.state === 'open')
        pending = { planHash: open.planHash, step: open.step, required: open.required, expiresAt: open.expiresAt, resolve: () => {} }
    }
    if (!pending) {
      const request = await store.approvalRequest(run.id)
      if (request?.state === 'expired')
        return refuse(
          'RB_APPROVAL_REFUSED',
          `the approval request for plan ${request.planHash.slice(0, 12)} expired at ${new Date(request.expiresAt).toISOString()}; the fix was not applied`,
        )
      return refuse('RB_APPROVAL_REFUSED', `run ${run.id} is not waiting for an approval (status ${run.status})`)
    }
    if (at >= pending.expiresAt)
      return refuse('RB_APPROVAL_REFUSED', `the approval request expired at ${new Date(pending.expiresAt).toISOString()}`)
    if (planHash !== pending.planHash)
      return refuse(
        'RB_APPROVAL_REFUSED',
        `stale plan hash ${planHash.slice(0, 12)}: the run now waits on plan ${pending.planHash} (the plan changed; read it again with GET /api/runs/${run.id})`,
      )
    if (decision === 'approve' && access.policy.fourEyes && identity.name === run.requestedBy) {
      return refuse(
        'RB_APPROVAL_REFUSED',
        `four-eyes: '${identity.name}' requested run ${run.id} and cannot approve it; another identity allowed to approve must`,
      )
    }
    const current = (await store.approvals(run.id)).filter(
      (a) => !a.voided && a.planHash === pending.planHash && a.decision === 'approve' && a.at >= at - this.o.ttlMs,
    )
    if (decision === 'approve' && current.some((a) => a.identity === identity.name))
      return refuse(
        'RB_APPROVAL_REFUSED',
        `'${identity.name}' has already approved plan ${planHash.slice(0, 12)}; ${pending.required - current.length} more approval(s) from other identities needed`,
      )
    await store.addApproval({ runId: run.id, step: pending.step, planHash, identity: identity.name, decision, at })
    const approvals = await store.approvals(run.id)
    if (decision === 'decline') {
      pending.resolve({ approved: false, by: identity.name, reason: `declined by ${identity.name}` })
      return { state: 'declined', approvals }
    }
    const approvers = [...current.map((a) => a.identity), identity.name]
    if (approvers.length >= pending.required) {
      pending.resolve({ approved: true, by: approvers.join(', ') })
      return { state: 'approved', approvals }
    }
    return { state: 'waiting', approvals }
  }
}
