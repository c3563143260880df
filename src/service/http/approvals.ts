/** Plugin: approve or decline the plan a run waits on, by its hash. */
import type { FastifyInstance } from 'fastify'
import type { RunService } from '../service.ts'
import { identify } from './auth.ts'
import { approvalBody, approvalReply, errors, runIdParams } from './schemas.ts'

export function approvalsPlugin(service: RunService) {
  return async function approvals(app: FastifyInstance) {
    app.post<{ Params: { id: string }; Body: { planHash: string; decision: 'approve' | 'decline' } }>(
      '/api/runs/:id/approvals',
      {
        schema: { params: runIdParams, body: approvalBody, response: { 200: approvalReply, ...errors } },
      },
      async (request) => {
        const identity = await identify(service, request)
        const { state, approvals } = await service.decide(identity, request.params.id, request.body.planHash, request.body.decision)
        return {
          state,
          approvals: approvals.map((a) => ({
            identity: a.identity,
            decision: a.decision,
            planHash: a.planHash,
            voided: a.voided,
            at: new Date(a.at).toISOString(),
          })),
        }
      },
    )
  }
}
