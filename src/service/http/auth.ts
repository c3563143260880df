/**
 * `Authorization: Bearer <token>` → the identity in access.yaml, checked for every /api/ request
 * before its body is parsed or validated: a request without a valid token learns nothing else.
 * A missing or unknown token is refused (401) and recorded. A GET without an Authorization header
 * may instead carry a web page's session (`pageIdentity`): the run page follows its SSE stream so.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { RunbookError } from '../../errors.ts'
import type { Identity } from '../access.ts'
import type { RunService } from '../service.ts'

const identities = new WeakMap<FastifyRequest, Identity>()

export function installAuth(
  app: FastifyInstance,
  service: RunService,
  pageIdentity?: (request: FastifyRequest) => Identity | undefined,
): void {
  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/api/')) return
    const header = request.headers.authorization
    if (header === undefined && (request.method === 'GET' || request.method === 'HEAD') && pageIdentity) {
      const viewer = pageIdentity(request)
      if (viewer) {
        identities.set(request, viewer)
        return
      }
    }
    const token = header?.match(/^Bearer\s+(\S+)\s*$/i)?.[1]
    const identity = token === undefined ? undefined : service.access.authenticate(token)
    if (identity) {
      identities.set(request, identity)
      return
    }
    const reason =
      header === undefined
        ? 'no Authorization header: send `Authorization: Bearer <token>`'
        : token === undefined
          ? 'the Authorization header is not `Bearer <token>`'
          : 'unknown token'
    await service.store.recordRefusal({
      at: Date.now(),
      identity: '(unauthenticated)',
      action: `${request.method} ${request.url.split('?')[0]}`,
      runId: null,
      code: 'RB_UNAUTHENTICATED',
      reason,
    })
    throw new RunbookError('RB_UNAUTHENTICATED', reason)
  })
}

/** The identity installAuth found for this request, if any. */
export function identityOf(request: FastifyRequest): Identity | undefined {
  return identities.get(request)
}

/** In a route handler under /api/: the request's identity (installAuth refused the request otherwise). */
export async function identify(_service: RunService, request: FastifyRequest): Promise<Identity> {
  const identity = identities.get(request)
  if (!identity) throw new RunbookError('RB_UNAUTHENTICATED', 'no identity for this request')
  return identity
}
