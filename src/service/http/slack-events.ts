/**
 * Plugin: `POST /slack/events`, Slack's HTTP mode (slash commands, button clicks, events). The
 * signature is checked on the raw bytes before anything parses them (v0 HMAC, ±5 minutes, each
 * signature once); a forged, stale or replayed request is refused with 401 and reaches nothing.
 * The checked request goes to the Slack app (chat/slack-app.ts), whose ack is the reply.
 */
import type { FastifyInstance } from 'fastify'
import { RunbookError } from '../../errors.ts'
import { verifySlackRequest } from './slack-signature.ts'
import type { RunService } from '../service.ts'

export interface SlackEventsOptions {
  signingSecret: string
  /** Hands a verified request to the Slack app; resolves with the reply Slack gets. */
  dispatch(body: Record<string, unknown>, retry: { num?: number; reason?: string }): Promise<{ status: number; body: unknown }>
  now?(): number
}

const BODY_LIMIT = 256 * 1024

function parse(contentType: string, raw: Buffer): Record<string, unknown> {
  const bad = (why: string) => new RunbookError('RB_BAD_REQUEST', `/slack/events: ${why}`)
  try {
    if (contentType.startsWith('application/json')) return JSON.parse(raw.toString('utf8')) as Record<string, unknown>
    if (contentType.startsWith('application/x-www-form-urlencoded')) {
      const form = Object.fromEntries(new URLSearchParams(raw.toString('utf8')))
      // Interactivity (button clicks) comes as one `payload` field holding JSON; commands as plain fields.
      return typeof form.payload === 'string' ? (JSON.parse(form.payload) as Record<string, unknown>) : form
    }
  } catch {
    throw bad('the body is not valid JSON')
  }
  throw bad(`unexpected content type ${JSON.stringify(contentType)} (Slack sends application/json or application/x-www-form-urlencoded)`)
}

export function slackEventsPlugin(service: RunService, o: SlackEventsOptions) {
  return async function slackEvents(app: FastifyInstance) {
    // This plugin only: keep the bytes as they came, the signature is over them.
    app.removeAllContentTypeParsers()
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_request, body, done) => done(null, body))
    app.post('/slack/events', async (request, reply) => {
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0)
      const now = (o.now ?? Date.now)()
      try {
        await verifySlackRequest(
          { signature: request.headers['x-slack-signature'], timestamp: request.headers['x-slack-request-timestamp'] },
          raw,
          {
            secret: o.signingSecret,
            now,
            claimOnce: (key, at, expireBefore) => service.store.claimOnce(key, at, expireBefore),
          },
        )
      } catch (err) {
        if (err instanceof RunbookError)
          await service.store.recordRefusal({
            at: now,
            identity: '(unsigned)',
            action: 'POST /slack/events',
            runId: null,
            code: err.code,
            reason: err.message,
          })
        throw err
      }
      const body = parse(String(request.headers['content-type'] ?? ''), raw)
      if (body.type === 'url_verification') return { challenge: String(body.challenge ?? '') }
      const num = Number(request.headers['x-slack-retry-num'])
      const reason = request.headers['x-slack-retry-reason']
      const res = await o.dispatch(body, { ...(Number.isInteger(num) ? { num } : {}), ...(typeof reason === 'string' ? { reason } : {}) })
      reply.code(res.status)
      if (res.body === '' || res.body === undefined) return reply.send()
      return typeof res.body === 'string' ? reply.type('text/plain; charset=utf-8').send(res.body) : reply.send(res.body)
    })
  }
}
