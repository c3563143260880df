/**
 * ajv's errors as runbook errors: one message per real problem (anyOf branches folded), each at
 * the YAML position of the field (or of the key, for unknown and misnamed fields), with a
 * "did you mean" where a near name exists.
 */
import type { ErrorObject } from 'ajv/dist/2020.js'
import type { RunbookError } from '../errors.ts'
import type { PathSegment, SourceDoc } from './load.ts'

function pointerToPath(pointer: string): PathSegment[] {
  if (pointer === '') return []
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^[0-9]+$/.test(s) ? Number(s) : s))
}

function labelOf(path: readonly PathSegment[], root: string): string {
  if (path.length === 0) return root
  return path.reduce<string>((acc, seg) => (typeof seg === 'number' ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '')
}

/**
 * `root`: how messages name the document itself ("unknown field 'hots' in the inventory").
 * `schema`: the root schema, to name the fields that an `allOf: [{ $ref }]` brings in, for
 * `unevaluatedProperties` errors.
 */
export function schemaErrors(source: SourceDoc, errors: ErrorObject[], root = 'the runbook', schema?: object): RunbookError[] {
  const label = (path: readonly PathSegment[]): string => labelOf(path, root)
  // anyOf branches each report their own failure at the same path; keep the deepest errors only.
  const anyOfPaths = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath))
  const deeper = (p: string) => errors.some((e) => e.keyword !== 'anyOf' && e.instancePath.startsWith(p + '/'))
  const out: RunbookError[] = []
  const seen = new Set<string>()
  for (const e of errors) {
    if (anyOfPaths.has(e.instancePath) && e.keyword !== 'anyOf') continue
    if (e.keyword === 'anyOf' && deeper(e.instancePath)) continue
    if (e.keyword === 'if') continue
    // A misnamed key fails the name's own keyword (pattern) and propertyNames: report it once.
    if ((e as { propertyName?: string }).propertyName !== undefined && e.keyword !== 'propertyNames') continue
    const path = pointerToPath(e.instancePath)
    const what = label(path)
    let message: string
    let at = path
    let key = false
    switch (e.keyword) {
      case 'required':
        message = `${what} is missing required field '${(e.params as { missingProperty: string }).missingProperty}'`
        break
      case 'additionalProperties': {
        const field = (e.params as { additionalProperty: string }).additionalProperty
        const known = Object.keys((e.parentSchema as { properties?: object })?.properties ?? {})
        const near = closest(field, known)
        message = `unknown field '${field}' in ${what}${near ? `: did you mean '${near}'?` : ` (allowed: ${known.join(', ')})`}`
        at = [...path, field]
        key = true
        break
      }
      case 'unevaluatedProperties': {
        const field = (e.params as { unevaluatedProperty: string }).unevaluatedProperty
        const known = fieldsOf(e.parentSchema, schema)
        const near = closest(field, known)
        message = `unknown field '${field}' in ${what}${near ? `: did you mean '${near}'?` : ` (allowed: ${known.join(', ')})`}`
        at = [...path, field]
        key = true
        break
      }
      case 'propertyNames': {
        const name = (e.params as { propertyName: string }).propertyName
        message = `invalid name '${name}' in ${what}: use lowercase letters, digits and _ (starting with a letter or _)`
        at = [...path, name]
        key = true
        break
      }
      case 'pattern':
        if (e.parentSchema && (e.parentSchema as { pattern?: string }).pattern === DURATION_PATTERN) {
          message = `${what} must be a duration like 500ms, 3s, 2m or 1h`
        } else if (path.at(-2) === 'name' || what === 'name') {
          message = `${what} must be lowercase letters, digits and - (like unreachable-host)`
        } else {
          message = `${what} must be a name of lowercase letters, digits and _ (got ${JSON.stringify(e.data)})`
        }
        break
      case 'enum':
        message = `${what} must be one of: ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')} (got ${JSON.stringify(e.data)})`
        break
      case 'const':
        message = `${what} must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`
        break
      case 'type': {
        const expected = (e.params as { type: string }).type
        if ((e.parentSchema as { pattern?: string } | undefined)?.pattern === DURATION_PATTERN) {
          // `timeout: 30`: a bare number, which YAML reads as an int.
          message = `${what} must be a duration like 500ms, 3s, 2m or 1h${typeof e.data === 'number' ? ` (got ${e.data}: add the unit, e.g. ${e.data}s)` : ''}`
        } else if (expected === 'boolean' && typeof e.data === 'string' && /^(y|yes|n|no|on|off)$/i.test(e.data)) {
          // YAML 1.1 read these as booleans; YAML 1.2 (and runbook) reads them as text.
          message = `${what} must be true or false (got ${JSON.stringify(e.data)}, which YAML 1.2 reads as text)`
        } else {
          message = `${what} must be ${article(expected)}`
        }
        break
      }
      case 'anyOf':
        message = `${what} is not valid: ${(e.parentSchema as { description?: string })?.description ?? 'see the schema'}`
        break
      case 'minProperties':
        message = `${what} must not be empty`
        break
      case 'minItems':
        message = `${what} must have at least ${(e.params as { limit: number }).limit} item(s)`
        break
      default:
        message = `${what} ${e.message ?? 'is invalid'}`
    }
    const id = `${label(at)}|${message}`
    if (seen.has(id)) continue
    seen.add(id)
    out.push(source.error('RB_SCHEMA', at, message, { key }))
  }
  return out
}

/** The properties a schema declares, with those of the schemas it takes in through `allOf` (local `$ref`s resolved in `root`). */
function fieldsOf(schema: unknown, root: object | undefined, depth = 0): string[] {
  if (schema === null || typeof schema !== 'object' || depth > 10) return []
  const s = schema as { properties?: object; allOf?: unknown[]; $ref?: string }
  const ref =
    s.$ref?.startsWith('#/') && root
      ? s.$ref
          .slice(2)
          .split('/')
          .reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], root)
      : undefined
  return [
    ...new Set([
      ...Object.keys(s.properties ?? {}),
      ...(s.allOf ?? []).flatMap((sub) => fieldsOf(sub, root, depth + 1)),
      ...(ref ? fieldsOf(ref, root, depth + 1) : []),
    ]),
  ]
}

/** The schema's `duration` pattern (`$defs/duration`). */
const DURATION_PATTERN = '^[0-9]+(ms|s|m|h)$'

function article(type: string): string {
  return type
    .split(',')
    .map((t) => (/^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`))
    .join(' or ')
}

/** Nearest known word within edit distance 2, for "did you mean". */
export function closest(word: string, known: readonly string[]): string | undefined {
  let best: { w: string; d: number } | undefined
  for (const w of known) {
    const d = editDistance(word, w)
    if (d <= 2 && (!best || d < best.d)) best = { w, d }
  }
  return best?.w
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1))
      prev = tmp
    }
  }
  return row[b.length]!
}
