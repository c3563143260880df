/**
 * Typed runbook parameters. Every value is checked against its type before anything runs, so a
 * value like `1.2.3.4; touch /tmp/pwned` never reaches a command. Types also refuse a leading `-`
 * where a value could be read as an option by the command it is passed to.
 */
import { isIP } from 'node:net'
import { RunbookError, RunbookErrors } from '../errors.ts'
import type { Param } from './runbook.generated.ts'
import { REDACTED } from '../shared/redacted.ts'

export type ParamType = Param['type']
export type ParamValue = string | number | boolean

export interface ParamCheck {
  ok: boolean
  value?: ParamValue
  /** What the type accepts, for the error message. */
  expected?: string
}

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62}))*\.?$/
const USER = /^[a-z_][a-z0-9_.-]{0,31}\$?$/
const UNIT = /^[A-Za-z0-9:_.\\@-]+$/
const DURATION = /^[0-9]+(ms|s|m|h)$/

// node:net's isIP runs a very long regular expression (4 ms to compile on its first call, then
// ~25 µs a call): asked only of what can be an address, it is not paid per host of a fleet of names.
const isIPv4 = (s: string): boolean => /^[0-9.]+$/.test(s) && isIP(s) === 4
const isIPv6 = (s: string): boolean => s.includes(':') && isIP(s) === 6

function isHost(value: string): boolean {
  // [user@]host[:port], host being a name, an IPv4 address or an [IPv6] address; or a bare IPv6.
  if (isIPv6(value)) return true
  const m = /^(?:([^@\s]+)@)?(\[[^\]]+\]|[^:\s]+)(?::([0-9]{1,5}))?$/.exec(value)
  if (!m) return false
  const [, user, host = '', port] = m
  if (user !== undefined && !USER.test(user)) return false
  if (port !== undefined && !isPort(port)) return false
  if (host.startsWith('[')) return isIPv6(host.slice(1, -1))
  return isIPv4(host) || HOSTNAME.test(host)
}

function isPort(value: string): boolean {
  return /^[0-9]{1,5}$/.test(value) && Number(value) >= 1 && Number(value) <= 65535
}

function isCidr(value: string): boolean {
  const m = /^([^/]+)\/([0-9]{1,3})$/.exec(value)
  if (!m) return false
  const family = isIP(m[1] ?? '')
  const prefix = Number(m[2])
  return (family === 4 && prefix <= 32) || (family === 6 && prefix <= 128)
}

/** The CEL type of a param's value in expressions: ports and ints are ints, bools bools, the rest strings. */
export function celTypeOf(type: ParamType): 'string' | 'int' | 'bool' {
  return type === 'int' || type === 'port' ? 'int' : type === 'bool' ? 'bool' : 'string'
}

/**
 * Check (and coerce, for values from the command line) one value against its param declaration.
 *
 * @example
 * checkParam({ type: 'ip' }, '203.0.113.7')          // { ok: true, value: '203.0.113.7' }
 * checkParam({ type: 'ip' }, '1.2.3.4; rm -rf /')    // { ok: false, expected: 'an IPv4 or IPv6 address' }
 * checkParam({ type: 'port' }, '22')                 // { ok: true, value: 22 }
 */
export function checkParam(param: Param, raw: unknown): ParamCheck {
  const text = typeof raw === 'string' ? raw : typeof raw === 'number' || typeof raw === 'boolean' ? String(raw) : undefined
  const expected = describeType(param)
  // A newline is refused where a value is one word or one line; a secret string may be a private
  // key or a multi-line token (from --param-file), and the engine quotes it as one shell word anyway.
  const multiline = param.type === 'string' && param.secret === true
  if (text === undefined || text.includes('\0') || (text.includes('\n') && !multiline)) return { ok: false, expected }
  const pass = (value: ParamValue): ParamCheck => ({ ok: true, value })
  const fail: ParamCheck = { ok: false, expected }
  switch (param.type) {
    case 'ip':
      return isIP(text) ? pass(text) : fail
    case 'cidr':
      return isCidr(text) ? pass(text) : fail
    case 'host':
      return isHost(text) ? pass(text) : fail
    case 'port':
      return isPort(text) ? pass(Number(text)) : fail
    case 'unit':
      return UNIT.test(text) && !text.startsWith('-') && text.length <= 256 ? pass(text) : fail
    case 'user':
      return USER.test(text) ? pass(text) : fail
    case 'path':
      return text.startsWith('/') && text.length <= 4096 ? pass(text) : fail
    case 'duration':
      return DURATION.test(text) ? pass(text) : fail
    case 'int': {
      if (!/^-?[0-9]{1,15}$/.test(text)) return fail
      const n = Number(text)
      // A negative number is also an option to most programs (`head -5`): only when min allows it.
      if (n < 0 && !(param.min !== undefined && param.min < 0)) return fail
      if (param.min !== undefined && n < param.min) return fail
      if (param.max !== undefined && n > param.max) return fail
      return pass(n)
    }
    case 'bool':
      if (/^(true|yes|1)$/i.test(text)) return pass(true)
      if (/^(false|no|0)$/i.test(text)) return pass(false)
      return fail
    case 'enum':
      return param.values?.includes(text) ? pass(text) : fail
    case 'string': {
      if (text.startsWith('-') && param.allow_leading_dash !== true) return fail
      if (param.pattern === undefined) return pass(text)
      return new RegExp(`^(?:${param.pattern})$`, 'u').test(text) ? pass(text) : fail
    }
  }
}

export function describeType(param: Param): string {
  switch (param.type) {
    case 'ip':
      return 'an IPv4 or IPv6 address'
    case 'cidr':
      return 'a network in CIDR notation, like 203.0.113.0/24'
    case 'host':
      return 'a host name, IP address, or user@host:port'
    case 'port':
      return 'a TCP/UDP port from 1 to 65535'
    case 'unit':
      return 'a systemd unit name, like nginx.service'
    case 'user':
      return 'a login name (lowercase letters, digits, _ . -)'
    case 'path':
      return 'an absolute path'
    case 'duration':
      return 'a duration like 500ms, 3s, 2m, 1h'
    case 'int': {
      const negative = param.min !== undefined && param.min < 0
      const range =
        param.min !== undefined || param.max !== undefined ? ` from ${param.min ?? 0} to ${param.max ?? '∞'}` : negative ? '' : ' from 0'
      return `an integer${range}`
    }
    case 'bool':
      return 'true or false'
    case 'enum':
      return `one of ${(param.values ?? []).join(', ')}`
    case 'string': {
      const dash =
        param.allow_leading_dash === true ? '' : ' not starting with - (an option to most programs; allow_leading_dash: true accepts it)'
      return param.pattern === undefined ? `text${dash}` : `text matching /^(?:${param.pattern})$/${dash}`
    }
  }
}

export interface ResolveOptions {
  /** Replay: secret params arrive as REDACTED and are taken as they are. */
  acceptRedacted?: boolean
  /** Renders a `${{ }}` default against the params resolved so far. */
  renderDefault?: (template: string, params: Record<string, unknown>) => string
}

/**
 * Raw values (from --param, --host, chat) → typed params. Refuses unknown names, missing required
 * params and values that fail their type, all before anything runs.
 */
export function resolveParams(
  decls: Readonly<Record<string, Param>>,
  raw: Readonly<Record<string, unknown>>,
  options: ResolveOptions = {},
): Record<string, ParamValue | null> {
  const errors: RunbookError[] = []
  for (const name of Object.keys(raw)) {
    if (!(name in decls)) {
      const known = Object.keys(decls)
      errors.push(
        new RunbookError(
          'RB_PARAM_UNKNOWN',
          `unknown param '${name}'${known.length ? ` (this runbook takes: ${known.join(', ')})` : ' (this runbook takes none)'}`,
          { detail: { param: name } },
        ),
      )
    }
  }
  const out: Record<string, ParamValue | null> = {}
  // Literal defaults first, so templated defaults can use them.
  const order = Object.entries(decls).sort(([, a], [, b]) => Number(isTemplated(a.default)) - Number(isTemplated(b.default)))
  for (const [name, decl] of order) {
    let value: unknown = raw[name]
    if (value === undefined && decl.default !== undefined) {
      value = isTemplated(decl.default) && options.renderDefault ? options.renderDefault(String(decl.default), out) : decl.default
    }
    if (value === undefined || value === '') {
      if (decl.required)
        errors.push(
          new RunbookError(
            'RB_PARAM_MISSING',
            `missing required param '${name}'${decl.description ? ` (${decl.description})` : ''}: pass --param ${name}=<${decl.type}>`,
            { detail: { param: name } },
          ),
        )
      out[name] = null
      continue
    }
    if (options.acceptRedacted && decl.secret && value === REDACTED) {
      out[name] = REDACTED
      continue
    }
    const check = checkParam(decl, value)
    if (!check.ok) {
      const shown = decl.secret ? REDACTED : JSON.stringify(String(value))
      errors.push(
        new RunbookError('RB_PARAM_TYPE', `param '${name}': ${shown} is not ${check.expected}`, {
          detail: { param: name, type: decl.type },
        }),
      )
      continue
    }
    out[name] = check.value!
  }
  if (errors.length === 1) throw errors[0]!
  if (errors.length > 1) throw new RunbookErrors(errors)
  return Object.fromEntries(Object.keys(decls).map((k) => [k, out[k] ?? null]))
}

function isTemplated(v: unknown): boolean {
  return typeof v === 'string' && v.includes('${{')
}
