/**
 * Plugin: alert hooks. `POST /hooks/alertmanager`, `/hooks/pagerduty`, `/hooks/generic` take the
 * raw body (a Buffer: signatures are over the exact bytes sent), check who sent it first, then
 * parse, hand the alerts to the dispatcher (matching, dedupe, queueing; nothing waits for a run)
 * and answer 202 with what each alert did. A refused request starts nothing and is recorded with
 * its reason (never a secret or a signature). Also `GET /api/runs/:id/notes`: what happened to a
 * run outside its journal (its alert resolved, its result posted).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { RunbookError, type ErrorCode } from '../../errors.ts'
import { fromAlertmanager, fromGeneric, fromPagerDuty } from '../hooks/alerts.ts'
import type { HookSecrets } from '../hooks/config.ts'
import type { AlertDispatcher } from '../hooks/dispatcher.ts'
import { bearerMatches, verifyGeneric, verifyPagerDuty } from '../hooks/signatures.ts'
import type { RunService } from '../service.ts'
import { identify } from './auth.ts'
import { runIdParams } from './schemas.ts'

/** PagerDuty sends up to 256 KB; Alertmanager batches can be larger. */
export const HOOK_BODY_LIMIT = 1024 * 1024
/** A PagerDuty event older than this is refused (its ids may have left the replay store). */
export const PAGERDUTY_MAX_AGE_MS = 24 * 3_600_000
/** Delivery ids are kept this long: longer than every window above. */
export const REPLAY_RETENTION_MS = 48 * 3_600_000

export interface HooksOptions {
  dispatcher: AlertDispatcher
  secrets: HookSecrets
  now?(): number
}

const HOOK_NAMES = {
  alertmanager: 'RUNBOOK_HOOK_TOKEN',
  pagerduty: 'RUNBOOK_PAGERDUTY_SECRETS',
  generic: 'RUNBOOK_WEBHOOK_SECRET',
} as const

export function hooksPlugin(service: RunService, o: HooksOptions) {
  const now = o.now ?? Date.now
  return async function hooks(app: FastifyInstance) {
    // In this plugin only: every body stays the bytes that were signed.
    app.removeAllContentTypeParsers()
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: HOOK_BODY_LIMIT }, (_request, body, done) => done(null, body))

    const refuse = async (request: FastifyRequest, hook: keyof typeof HOOK_NAMES, code: ErrorCode, reason: string): Promise<never> => {
      await service.store.recordRefusal({
        at: now(),
        identity: `(hook ${hook})`,
        action: `POST ${request.url.split('?')[0]}`,
        runId: null,
        code,
        reason,
      })
      throw new RunbookError(code, reason)
    }
    const raw = (request: FastifyRequest) => (Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0))
    const parse = async (request: FastifyRequest, hook: keyof typeof HOOK_NAMES): Promise<unknown> => {
      try {
        return JSON.parse(raw(request).toString('utf8'))
      } catch {
        return refuse(request, hook, 'RB_BAD_REQUEST', 'the body is not JSON')
      }
    }
    const disabled = (request: FastifyRequest, hook: keyof typeof HOOK_NAMES) =>
      refuse(
        request,
        hook,
        'RB_HOOK_DISABLED',
        `the ${hook} hook is not configured: set ${HOOK_NAMES[hook]} (or its key in the serve config file)`,
      )
    const prune = () => service.store.forgetDeliveries(now() - REPLAY_RETENTION_MS)

    app.post('/hooks/alertmanager', { bodyLimit: HOOK_BODY_LIMIT }, async (request, reply) => {
      const token = o.secrets.hookToken
      if (!token) return disabled(request, 'alertmanager')
      if (!bearerMatches(request.headers.authorization, token))
        return refuse(
          request,
          'alertmanager',
          'RB_HOOK_UNAUTHENTICATED',
          request.headers.authorization
            ? 'wrong bearer token'
            : 'no Authorization header: configure http_config.authorization (Bearer) in the Alertmanager receiver',
        )
      const batch = fromAlertmanager(await parse(request, 'alertmanager'))
      if (typeof batch === 'string') return refuse(request, 'alertmanager', 'RB_BAD_REQUEST', batch)
      const results = await o.dispatcher.handle(batch.alerts)
      if (batch.truncatedAlerts > 0)
        request.log.warn(
          { truncatedAlerts: batch.truncatedAlerts, groupKey: batch.groupKey },
          'Alertmanager left alerts out of this batch (max_alerts)',
        )
      return reply.code(202).send({ accepted: batch.alerts.length, truncatedAlerts: batch.truncatedAlerts, results })
    })

    app.post('/hooks/pagerduty', { bodyLimit: HOOK_BODY_LIMIT }, async (request, reply) => {
      const secrets = o.secrets.pagerDutySecrets
      if (secrets.length === 0) return disabled(request, 'pagerduty')
      const header = request.headers['x-pagerduty-signature']
      if (!verifyPagerDuty(raw(request), typeof header === 'string' ? header : undefined, secrets))
        return refuse(
          request,
          'pagerduty',
          'RB_HOOK_UNAUTHENTICATED',
          header ? 'no signature in X-PagerDuty-Signature matches a configured secret' : 'no X-PagerDuty-Signature header',
        )
      const event = fromPagerDuty(await parse(request, 'pagerduty'))
      if (typeof event === 'string') return refuse(request, 'pagerduty', 'RB_BAD_REQUEST', event)
      const occurred = Date.parse(event.occurredAt)
      if (!Number.isFinite(occurred) || Math.abs(now() - occurred) > PAGERDUTY_MAX_AGE_MS)
        return refuse(
          request,
          'pagerduty',
          'RB_HOOK_STALE',
          `event ${event.id} occurred_at ${JSON.stringify(event.occurredAt)} is not within 24 h of the server clock`,
        )
      await prune()
      // The header is not signed, the event id is: a replay under a new X-Webhook-Id is caught too.
      const webhookId = request.headers['x-webhook-id']
      const ids = [
        ['pagerduty-event', event.id],
        ...(typeof webhookId === 'string' && webhookId !== '' ? [['pagerduty-webhook', webhookId]] : []),
      ] as const
      let fresh = true
      for (const [source, id] of ids) fresh = (await service.store.rememberDelivery(source, id, now())) && fresh
      if (!fresh) {
        await service.store.recordRefusal({
          at: now(),
          identity: '(hook pagerduty)',
          action: 'POST /hooks/pagerduty',
          runId: null,
          code: 'RB_HOOK_REPLAYED',
          reason: `event ${event.id} was received before`,
        })
        // 200, not 4xx: PagerDuty retries what it is not sure we got, and counts 4xx as failures.
        return reply.code(200).send({ duplicate: true, event: event.id })
      }
      const results = event.alert ? await o.dispatcher.handle([event.alert]) : []
      return reply.code(202).send({ accepted: event.alert ? 1 : 0, event: event.id, eventType: event.eventType, results })
    })

    app.post('/hooks/generic', { bodyLimit: HOOK_BODY_LIMIT }, async (request, reply) => {
      const secrets = o.secrets.webhookSecrets
      if (secrets.length === 0) return disabled(request, 'generic')
      const check = verifyGeneric(raw(request), request.headers, secrets, now())
      if (!check.ok) return refuse(request, 'generic', check.code, check.reason)
      await prune()
      if (!(await service.store.rememberDelivery('generic', check.id, now())))
        return refuse(request, 'generic', 'RB_HOOK_REPLAYED', `webhook id ${check.id} was received before`)
      const alerts = fromGeneric(await parse(request, 'generic'))
      if (typeof alerts === 'string') return refuse(request, 'generic', 'RB_BAD_REQUEST', alerts)
      const results = await o.dispatcher.handle(alerts)
      return reply.code(202).send({ accepted: alerts.length, results })
    })

    app.get<{ Params: { id: string } }>('/api/runs/:id/notes', { schema: { params: runIdParams } }, async (request) => {
      const identity = await identify(service, request)
      const run = await service.run(identity, request.params.id)
      return {
        notes: (await service.store.runNotes(run.id)).map((n) => ({ at: new Date(n.at).toISOString(), source: n.source, text: n.text })),
      }
    })
  }
}
