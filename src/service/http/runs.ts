/** Plugin: submit, list, show and cancel runs. */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ServiceRunStatus, RunRecord } from '../store.ts'
import type { RunService, SubmitBody } from '../service.ts'
import { identify } from './auth.ts'
import { errors, listQuery, runbookInfo, runbookParams, runIdParams, runSummary, runView, submitBody } from './schemas.ts'

export const runUrl = (request: FastifyRequest, id: string) => `${request.protocol}://${request.host}/api/runs/${id}`

const summary = (request: FastifyRequest, r: RunRecord) => ({
  id: r.id,
  url: runUrl(request, r.id),
  runbook: r.runbook,
  host: r.host,
  mode: r.mode,
  requestedBy: r.requestedBy,
  status: r.status,
  exitCode: r.exitCode,
  createdAt: new Date(r.createdAt).toISOString(),
  finishedAt: r.finishedAt === null ? null : new Date(r.finishedAt).toISOString(),
})

export function runsPlugin(service: RunService) {
  return async function runs(app: FastifyInstance) {
    app.post<{ Body: SubmitBody }>(
      '/api/runs',
      {
        schema: {
          body: submitBody,
          response: {
            202: { type: 'object', properties: { id: { type: 'string' }, url: { type: 'string' } }, required: ['id', 'url'] },
            ...errors,
          },
        },
      },
      async (request, reply) => {
        const identity = await identify(service, request)
        const run = await service.submit(identity, request.body)
        return reply
          .code(202)
          .header('location', `/api/runs/${run.id}`)
          .send({ id: run.id, url: runUrl(request, run.id) })
      },
    )

    app.get<{ Querystring: { runbook?: string; host?: string; status?: ServiceRunStatus; limit?: string } }>(
      '/api/runs',
      {
        schema: {
          querystring: listQuery,
          response: { 200: { type: 'object', properties: { runs: { type: 'array', items: runSummary } }, required: ['runs'] }, ...errors },
        },
      },
      async (request) => {
        const identity = await identify(service, request)
        const { limit, ...filter } = request.query
        const list = await service.list(identity, { ...filter, limit: limit === undefined ? 50 : Number(limit) })
        return { runs: list.map((r) => summary(request, r)) }
      },
    )

    // A runbook's name, hash and params: `runbook run --server --hosts` checks the params once with them.
    app.get<{ Params: { name: string } }>(
      '/api/runbooks/:name',
      {
        schema: { params: runbookParams, response: { 200: runbookInfo, ...errors } },
      },
      async (request) => service.runbookInfo(await identify(service, request), request.params.name),
    )

    app.get<{ Params: { id: string } }>(
      '/api/runs/:id',
      { schema: { params: runIdParams, response: { 200: runView, ...errors } } },
      async (request) => {
        const identity = await identify(service, request)
        const run = await service.run(identity, request.params.id)
        return { ...(await service.view(run)), url: runUrl(request, run.id) }
      },
    )

    app.post<{ Params: { id: string } }>(
      '/api/runs/:id/cancel',
      {
        schema: { params: runIdParams, response: { 202: runSummary, ...errors } },
      },
      async (request, reply) => {
        const identity = await identify(service, request)
        const run = await service.cancel(identity, request.params.id)
        return reply.code(202).send(summary(request, run))
      },
    )
  }
}
