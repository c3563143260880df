/**
 * Plugin: submit one runbook on several hosts (`POST /api/fleets`): one run per host, each checked
 * like a single run (RBAC, params) before any is queued. On a shared queue (serve --queue) they go
 * to BullMQ as one flow: a parent job with one child job per host. Each run is then followed and
 * approved like any other (GET /api/runs/:id).
 */
import type { FastifyInstance } from 'fastify'
import type { FleetBody, RunService } from '../service.ts'
import { identify } from './auth.ts'
import { runUrl } from './runs.ts'
import { errors, submitBody } from './schemas.ts'

const fleetBody = {
  type: 'object',
  properties: {
    runbook: submitBody.properties.runbook,
    hosts: { type: 'array', minItems: 1, maxItems: 1000, uniqueItems: true, items: submitBody.properties.host },
    params: submitBody.properties.params,
    mode: submitBody.properties.mode,
  },
  required: ['runbook', 'hosts'],
  additionalProperties: false,
} as const

const fleetReply = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    runs: {
      type: 'array',
      items: {
        type: 'object',
        properties: { id: { type: 'string' }, host: { type: 'string' }, url: { type: 'string' } },
        required: ['id', 'host', 'url'],
      },
    },
  },
  required: ['id', 'runs'],
} as const

export function fleetsPlugin(service: RunService) {
  return async function fleets(app: FastifyInstance) {
    app.post<{ Body: FleetBody }>(
      '/api/fleets',
      { schema: { body: fleetBody, response: { 202: fleetReply, ...errors } } },
      async (request, reply) => {
        const identity = await identify(service, request)
        const fleet = await service.submitFleet(identity, request.body)
        return reply
          .code(202)
          .send({ id: fleet.id, runs: fleet.runs.map((r) => ({ id: r.id, host: r.host!, url: runUrl(request, r.id) })) })
      },
    )
  }
}
