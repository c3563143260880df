/**
 * Plugin: a run's events. Server-Sent Events by default, live and resumable (`Last-Event-ID` is
 * the last seq seen); with `Accept: application/x-ndjson`, the transcript as `runbook run` writes
 * it (for `runbook replay` and `runbook test`).
 */
import type { FastifyInstance } from 'fastify'
import { LIVE_STATUSES } from '../store.ts'
import type { RunService } from '../service.ts'
import { identify } from './auth.ts'
import { errors, runIdParams } from './schemas.ts'

const HEARTBEAT_MS = 15_000

export function eventsPlugin(service: RunService) {
  return async function events(app: FastifyInstance) {
    // Open streams end when the server closes: a follower must not keep `runbook serve` from stopping.
    const open = new Set<() => void>()
    app.addHook('preClose', async () => {
      for (const end of open) end()
    })
    app.get<{ Params: { id: string }; Querystring: { after?: string } }>(
      '/api/runs/:id/events',
      {
        schema: {
          params: runIdParams,
          querystring: { type: 'object', properties: { after: { type: 'string', pattern: '^[0-9]{1,9}$' } }, additionalProperties: false },
          response: errors,
        },
      },
      async (request, reply) => {
        const identity = await identify(service, request)
        const { id } = request.params
        await service.run(identity, id)
        if ((request.headers.accept ?? '').includes('application/x-ndjson')) {
          return reply.type('application/x-ndjson').send(await service.store.exportTranscript(id))
        }
        const header = request.headers['last-event-id']
        const lastId = Number(Array.isArray(header) ? header[0] : header)
        let sent = Number.isInteger(lastId) && lastId > 0 ? lastId : Number(request.query.after ?? 0)

        // Subscribe before reading the backlog and the status: nothing falls between the two.
        const buffered: Array<{ seq: number; json: string; type: string } | null> = []
        let live: ((e: { seq: number; json: string; type: string } | null) => void) | undefined
        const unsubscribe = service.subscribe(id, (e) => {
          const item = e && { seq: e.seq, json: e.json, type: e.event.type }
          if (live) live(item)
          else buffered.push(item)
        })
        reply.hijack()
        const res = reply.raw
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-store',
          connection: 'keep-alive',
          'x-accel-buffering': 'no',
        })
        let closed = false
        const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS)
        const end = () => {
          if (closed) return
          closed = true
          open.delete(end)
          clearInterval(heartbeat)
          unsubscribe()
          res.end()
        }
        open.add(end)
        request.raw.on('close', end)
        const write = (e: { seq: number; json: string; type: string }) => {
          if (closed || e.seq <= sent) return
          sent = e.seq
          res.write(`id: ${e.seq}\nevent: ${e.type}\ndata: ${e.json}\n\n`)
          if (e.type === 'run.finished') finish()
        }
        const finish = () => {
          if (closed) return
          res.write('event: end\ndata: {}\n\n')
          end()
        }
        const run = await service.store.getRun(id)
        for (const e of await service.store.events(id, sent))
          write({ seq: e.seq, json: e.json, type: (JSON.parse(e.json) as { type: string }).type })
        if (!run || !LIVE_STATUSES.includes(run.status as never)) return finish()
        for (const e of buffered) e ? write(e) : finish()
        live = (e) => (e ? write(e) : finish())
      },
    )
  }
}
