/**
 * Every HTTP error is a catalogue error (errors.ts): `{ error: { code, message, fix } }` with a
 * status from its code. Bad JSON, schema failures, oversized bodies and unknown routes are 4xx with
 * a clear message; only a bug is a 500.
 */
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify'
import { ERROR_CODES, RunbookError, RunbookErrors, type ErrorCode } from '../../errors.ts'

const STATUS: Partial<Record<ErrorCode, number>> = {
  RB_UNAUTHENTICATED: 401,
  RB_SLACK_SIGNATURE: 401,
  RB_FORBIDDEN: 403,
  RB_NOT_FOUND: 404,
  RB_APPROVAL_REFUSED: 409,
  RB_RUN_FINISHED: 409,
  RB_HOOK_DISABLED: 404,
  RB_HOOK_UNAUTHENTICATED: 401,
  RB_HOOK_STALE: 401,
  RB_HOOK_REPLAYED: 409,
}

export function statusOf(code: ErrorCode): number {
  return STATUS[code] ?? (ERROR_CODES[code].kind === 'bug' ? 500 : 400)
}

export const errorSchema = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: { code: { type: 'string' }, message: { type: 'string' }, fix: { type: 'string' } },
      required: ['code', 'message', 'fix'],
    },
  },
  required: ['error'],
} as const

export const body = (code: ErrorCode, message: string) => ({ error: { code, message, fix: ERROR_CODES[code].fix } })

interface AjvIssue {
  instancePath?: string
  message?: string
  params?: Record<string, unknown>
}

/** `body.params.port must be string` → with the offending unknown field named. */
function describeValidation(err: FastifyError & { validation?: AjvIssue[]; validationContext?: string }): string {
  return (err.validation ?? [])
    .map((v) => {
      const where = `${err.validationContext ?? 'request'}${(v.instancePath ?? '').replace(/\//g, '.')}`
      if (v.params && 'additionalProperty' in v.params) return `${where}: unknown field '${String(v.params.additionalProperty)}'`
      return `${where} ${v.message ?? 'is invalid'}`
    })
    .join('; ')
}

/**
 * `record` keeps the refusals fastify itself makes (schema, JSON, size, media type, unknown route);
 * the service and the auth hook record their own before throwing a RunbookError.
 */
export function installErrorHandling(
  app: FastifyInstance,
  record: (request: FastifyRequest, code: ErrorCode, reason: string) => Promise<void>,
): void {
  const refuse = async (request: FastifyRequest, status: number, code: ErrorCode, message: string) => {
    await record(request, code, message).catch((err: unknown) => request.log.error({ err }, 'could not record a refusal'))
    return { status, payload: body(code, message) }
  }
  app.setErrorHandler(async (err: FastifyError & { validation?: AjvIssue[] }, request, reply) => {
    if (err instanceof RunbookError) return reply.code(statusOf(err.code)).send(body(err.code, err.message))
    if (err instanceof RunbookErrors) {
      const code = err.errors[0]!.code
      return reply.code(statusOf(code)).send(body(code, err.message))
    }
    let refused: { status: number; payload: unknown } | undefined
    if (err.validation) refused = await refuse(request, 400, 'RB_BAD_REQUEST', describeValidation(err))
    else if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      const message =
        err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? `request body larger than ${app.initialConfig.bodyLimit} bytes` : err.message
      refused = await refuse(request, err.statusCode, 'RB_BAD_REQUEST', message)
    }
    if (refused) return reply.code(refused.status).send(refused.payload)
    request.log.error({ err }, 'unexpected error')
    return reply.code(500).send(body('RB_INTERNAL', `internal error: ${err.message}`))
  })
  app.setNotFoundHandler(async (request, reply) => {
    const r = await refuse(request, 404, 'RB_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`)
    return reply.code(r.status).send(r.payload)
  })
}
