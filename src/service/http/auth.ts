/** `Authorization: Bearer <token>` → the identity in access.yaml. A missing or unknown token is refused and recorded. */
import type { FastifyRequest } from 'fastify'
import { RunbookError } from '../../errors.ts'
import type { Identity } from '../access.ts'
import type { RunService } from '../service.ts'

export async function identify(service: RunService, request: FastifyRequest): Promise<Identity> {
  const header = request.headers.authorization
  const token = header?.match(/^Bearer\s+(\S+)\s*$/i)?.[1]
  const identity = token === undefined ? undefined : service.access.authenticate(token)
  if (identity) return identity
  const reason = header === undefined ? 'no Authorization header: send `Authorization: Bearer <token>`' : token === undefined ? 'the Authorization header is not `Bearer <token>`' : 'unknown token'
  await service.store.recordRefusal({ at: Date.now(), identity: '(unauthenticated)', action: `${request.method} ${request.routeOptions.url ?? request.url}`, runId: null, code: 'RB_UNAUTHENTICATED', reason })
  throw new RunbookError('RB_UNAUTHENTICATED', reason)
}
