/**
 * The HTTP API of `runbook serve` (fastify: the only folder that imports it). One plugin per
 * concern; the caller listens (or uses inject() in tests).
 *
 * @example
 * const app = await buildServer(service)
 * await app.listen({ host: '127.0.0.1', port: 8080 })
 */
import Fastify, { type FastifyInstance } from 'fastify'
import type { RunService } from '../service.ts'
import { approvalsPlugin } from './approvals.ts'
import { installAuth, identityOf } from './auth.ts'
import { installErrorHandling } from './error-replies.ts'
import { eventsPlugin } from './events.ts'
import { fleetsPlugin } from './fleets.ts'
import { healthPlugin } from './health.ts'
import { hooksPlugin, type HooksOptions } from './hooks.ts'
import { pageIdentity, pagesPlugin } from './pages.ts'
import { runsPlugin } from './runs.ts'
import { Sessions } from './sessions.ts'
import { slackEventsPlugin, type SlackEventsOptions } from './slack-events.ts'

export const BODY_LIMIT = 64 * 1024

export interface ServerOptions {
  logger?: boolean
  /** A header a trusted reverse proxy sets to the user's identity name (web pages only); off by default. */
  trustProxyUserHeader?: string
  /** Alert hooks (/hooks/*): their dispatcher and secrets. */
  hooks?: HooksOptions
  /** Slack's HTTP mode: `POST /slack/events`, signed with this secret, handed to the Slack app. */
  slack?: SlackEventsOptions
}

export async function buildServer(service: RunService, options: ServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: BODY_LIMIT,
    // Unknown fields are refused (400), not silently dropped; no type coercion (`"runbook": 1` is an error).
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: true, allowUnionTypes: true } },
    return503OnClosing: true,
  })
  installErrorHandling(app, (request, code, reason) =>
    service.store.recordRefusal({
      at: Date.now(),
      identity: identityOf(request)?.name ?? '(unauthenticated)',
      action: `${request.method} ${request.url.split('?')[0]}`,
      runId: null,
      code,
      reason,
    }),
  )
  const sessions = new Sessions({
    access: service.access,
    ...(options.trustProxyUserHeader ? { trustProxyUserHeader: options.trustProxyUserHeader } : {}),
  })
  // A page's live script reads the API (SSE) with its session: GET only, so no API write rides on a cookie.
  installAuth(app, service, pageIdentity(sessions))
  await app.register(healthPlugin(service))
  await app.register(runsPlugin(service))
  await app.register(fleetsPlugin(service))
  await app.register(approvalsPlugin(service))
  await app.register(eventsPlugin(service))
  await app.register(pagesPlugin(service, sessions))
  if (options.hooks) await app.register(hooksPlugin(service, options.hooks))
  if (options.slack) await app.register(slackEventsPlugin(service, options.slack))
  return app
}
