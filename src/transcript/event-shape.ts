/**
 * The shape every transcript event must have before anything reads it: the fields views, replay
 * and `runbook test` dereference, with their JSON types. A transcript is input like any other (it
 * may be edited, cut, or crafted): an event with a known type but a missing field, `params: null`
 * or absurd nesting must be an error at `file:line`, never a crash further down.
 *
 * The table is keyed by RunEventType, so adding an event type without its shape is a compile error.
 */
import type { RunEventType } from '../types.ts'

/** A JSON type, an object shape (`field?` is optional), or `[shape]` for an array of it. */
type Shape =
  | 'string'
  | 'number'
  | 'boolean'
  | 'object'
  | 'array'
  | 'any'
  | 'string|null'
  | 'number|null'
  | 'object|null'
  | readonly [Shape]
  | { readonly [field: string]: Shape }

const failure = { kind: 'string', message: 'string', 'detail?': 'object' } as const
const commandSpec = {
  host: 'string',
  command: 'string',
  'sudo?': 'boolean',
  'timeoutMs?': 'number',
  'mutating?': 'boolean',
  'action?': 'string',
  'engine?': 'string',
} as const
const commandResult = {
  exitCode: 'number|null',
  'signal?': 'string|null',
  stdout: 'string',
  stderr: 'string',
  durationMs: 'number',
  'timedOut?': 'boolean',
} as const
const probeSpec = { kind: 'string', 'host?': 'string', 'url?': 'string', 'port?': 'number', 'timeoutMs?': 'number' } as const
const probeResult = { ok: 'boolean', durationMs: 'number', 'error?': failure } as const
const plan = {
  host: 'string',
  sudo: 'boolean',
  check: ['string'],
  apply: ['string'],
  verify: ['string'],
  rollback: ['string'],
  files: [{ path: 'string', diff: 'string' }],
  access: 'object|null',
  hash: 'string',
} as const

export const EVENT_SHAPES: Record<RunEventType, Shape> = {
  'run.started': {
    transcriptVersion: 'number',
    runbook: 'string',
    hash: 'string',
    mode: 'string',
    params: 'object',
    'targets?': ['string'],
    operator: 'string',
    'startedAt?': 'string',
    'runId?': 'string',
  },
  'step.started': { step: 'string', kind: 'string' },
  'command.started': { step: 'string', spec: commandSpec },
  'command.finished': { step: 'string', spec: commandSpec, 'result?': commandResult, 'error?': failure },
  'probe.finished': { step: 'string', spec: probeSpec, result: probeResult },
  'result.parsed': { step: 'string', parser: 'string', 'value?': 'any' },
  'step.finished': { step: 'string', status: 'string', durationMs: 'number', 'error?': failure },
  transition: { from: 'string', to: 'string', via: 'string', edge: 'string' },
  'fix.proposed': {
    step: 'string',
    summary: 'string',
    plan,
    'intent?': { action: 'string', inputs: [{ name: 'string', value: 'string' }] },
  },
  'fix.not_needed': { step: 'string', summary: 'string' },
  'fix.preflight': { step: 'string', ok: 'boolean', checks: [{ command: 'string', ok: 'boolean', message: 'string' }] },
  'fix.refused': { step: 'string', reason: 'string' },
  'fix.replanned': { step: 'string', from: 'string', to: 'string', plan },
  'fix.approved': { step: 'string', planHash: 'string', by: 'string' },
  'fix.declined': { step: 'string', planHash: 'string', by: 'string', reason: 'string' },
  'lock.acquired': { host: 'string', lock: 'string', owner: 'string', expiresInMs: 'number' },
  'lock.refused': { host: 'string', lock: 'string', holder: 'string' },
  'lock.released': { host: 'string', lock: 'string' },
  'fix.backup': { step: 'string', host: 'string', files: [{ path: 'string', backup: 'string|null', existed: 'boolean' }] },
  'fix.revert_scheduled': { step: 'string', host: 'string', id: 'string', mechanism: 'string', windowMs: 'number', at: 'string' },
  'fix.revert_cancelled': { step: 'string', host: 'string', id: 'string' },
  'fix.applied': { step: 'string', planHash: 'string' },
  'fix.in_doubt': { step: 'string', planHash: 'string', command: 'string', reason: 'string' },
  'fix.verified': { step: 'string', ok: 'boolean' },
  'fix.rolled_back': { step: 'string', ok: 'boolean' },
  outcome: {
    id: 'string',
    severity: 'string',
    summary: 'string',
    evidence: [{ text: 'string', 'step?': 'string', 'command?': 'string' }],
    'see?': ['string'],
  },
  'run.finished': { status: 'string', exitCode: 'number', durationMs: 'number', 'error?': { code: 'string', message: 'string' } },
}

export const KNOWN_EVENT_TYPES: ReadonlySet<string> = new Set(Object.keys(EVENT_SHAPES))

const typeOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v)

/** Where `value` departs from `shape`: `params: must be an object (got null)`; null when it fits. */
function mismatch(value: unknown, shape: Shape, path: string): string | null {
  if (typeof shape === 'string') {
    if (shape === 'any') return null
    const got = typeOf(value)
    const ok = shape.split('|').some((t) => t === got)
    return ok
      ? null
      : `${path || 'the event'} must be ${shape
          .split('|')
          .map((t) => (t === 'null' ? 'null' : /^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`))
          .join(' or ')} (got ${got === 'undefined' ? 'nothing' : got})`
  }
  if (Array.isArray(shape)) {
    if (!Array.isArray(value)) return `${path} must be an array (got ${typeOf(value) === 'undefined' ? 'nothing' : typeOf(value)})`
    for (let i = 0; i < value.length; i++) {
      const m = mismatch(value[i], (shape as readonly [Shape])[0], `${path}[${i}]`)
      if (m) return m
    }
    return null
  }
  if (typeOf(value) !== 'object')
    return `${path || 'the event'} must be an object (got ${typeOf(value) === 'undefined' ? 'nothing' : typeOf(value)})`
  const record = value as Record<string, unknown>
  for (const [key, sub] of Object.entries(shape as Record<string, Shape>)) {
    const optional = key.endsWith('?')
    const field = optional ? key.slice(0, -1) : key
    const v = Object.hasOwn(record, field) ? record[field] : undefined
    if (v === undefined && optional) continue
    const m = mismatch(v, sub, path ? `${path}.${field}` : field)
    if (m) return m
  }
  return null
}

/**
 * Deeper than `max` arrays/objects inside one another? Walked with an explicit stack: the check
 * itself must not overflow on the input it exists to refuse.
 */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]]
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!
    if (v === null || typeof v !== 'object') continue
    if (depth + 1 > max) return true
    for (const child of Array.isArray(v) ? v : Object.values(v))
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1])
  }
  return false
}

/** What is wrong with a parsed event of a known type; null when it has every field it needs. */
export function eventProblem(event: Record<string, unknown>, type: RunEventType): string | null {
  return mismatch(event.seq, 'number', 'seq') ?? mismatch(event.at, 'string', 'at') ?? mismatch(event, EVENT_SHAPES[type], '')
}
