/** JSON Schemas of the API: validation (ajv in fastify) and reply serialization from one source. */
import { errorSchema } from './error-replies.ts'

const anyObject = { type: ['object', 'null'], additionalProperties: true } as const
const nullableString = { type: ['string', 'null'] } as const

export const runStatus = {
  type: 'string',
  enum: [
    'queued',
    'running',
    'waiting-approval',
    'healthy',
    'problem',
    'fix-proposed',
    'fix-applied',
    'fix-rolled-back',
    'rollback-failed',
    'refused',
    'incomplete',
  ],
} as const

export const runIdParams = {
  type: 'object',
  properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
  required: ['id'],
  additionalProperties: false,
} as const

export const submitBody = {
  type: 'object',
  properties: {
    runbook: { type: 'string', minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' },
    host: { type: 'string', minLength: 1, maxLength: 255 },
    params: { type: 'object', maxProperties: 100, additionalProperties: { type: ['string', 'number', 'boolean'] } },
    mode: { type: 'string', enum: ['dry-run', 'apply'] },
  },
  required: ['runbook'],
  additionalProperties: false,
} as const

export const runbookParams = {
  type: 'object',
  properties: { name: submitBody.properties.runbook },
  required: ['name'],
  additionalProperties: false,
} as const

export const runbookInfo = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    summary: { type: 'string' },
    hash: { type: 'string' },
    params: { type: 'object', additionalProperties: { type: 'object', additionalProperties: true } },
  },
  required: ['name', 'summary', 'hash', 'params'],
} as const

export const runSummary = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    url: { type: 'string' },
    runbook: { type: 'string' },
    host: nullableString,
    mode: { type: 'string' },
    requestedBy: { type: 'string' },
    status: runStatus,
    exitCode: { type: ['integer', 'null'] },
    createdAt: { type: 'string' },
    finishedAt: nullableString,
  },
  required: ['id', 'url', 'runbook', 'host', 'mode', 'requestedBy', 'status', 'exitCode', 'createdAt', 'finishedAt'],
} as const

export const runView = {
  type: 'object',
  properties: {
    ...runSummary.properties,
    outcome: anyObject,
    error: nullableString,
    startedAt: nullableString,
    plan: anyObject,
    approvalRequest: {
      type: ['object', 'null'],
      properties: {
        step: { type: 'string' },
        planHash: { type: 'string' },
        required: { type: 'integer' },
        expiresAt: { type: 'string' },
        state: { type: 'string' },
      },
    },
    approvals: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          identity: { type: 'string' },
          decision: { type: 'string' },
          planHash: { type: 'string' },
          voided: { type: 'boolean' },
          at: { type: 'string' },
        },
      },
    },
  },
  required: [...runSummary.required, 'outcome', 'plan', 'approvalRequest', 'approvals'],
} as const

export const listQuery = {
  type: 'object',
  properties: {
    runbook: { type: 'string', maxLength: 200 },
    host: { type: 'string', maxLength: 255 },
    status: runStatus,
    limit: { type: 'string', pattern: '^(?:[1-9][0-9]{0,2})$', description: '1 to 999' },
  },
  additionalProperties: false,
} as const

export const approvalBody = {
  type: 'object',
  properties: {
    planHash: { type: 'string', minLength: 1, maxLength: 128 },
    decision: { type: 'string', enum: ['approve', 'decline'] },
  },
  required: ['planHash', 'decision'],
  additionalProperties: false,
} as const

export const approvalReply = {
  type: 'object',
  properties: { state: { type: 'string', enum: ['waiting', 'approved', 'declined'] }, approvals: runView.properties.approvals },
  required: ['state', 'approvals'],
} as const

export const errors = {
  400: errorSchema,
  401: errorSchema,
  403: errorSchema,
  404: errorSchema,
  409: errorSchema,
  413: errorSchema,
  415: errorSchema,
} as const
