/** Plugin: liveness and Prometheus metrics (no token: they show counts, never run data). */
import type { FastifyInstance } from 'fastify'
import type { RunService } from '../service.ts'

export function healthPlugin(service: RunService) {
  return async function health(app: FastifyInstance) {
    app.get(
      '/healthz',
      {
        schema: {
          response: {
            200: {
              type: 'object',
              properties: { ok: { type: 'boolean' }, queued: { type: 'integer' }, running: { type: 'integer' } },
              required: ['ok', 'queued', 'running'],
            },
          },
        },
      },
      async () => ({ ok: true, queued: service.queue.depth, running: service.queue.running }),
    )
    app.get('/metrics', async (_request, reply) => reply.type('text/plain; version=0.0.4; charset=utf-8').send(await service.metrics()))
  }
}
