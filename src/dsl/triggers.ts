/**
 * `triggers.yaml`: which alerts start which diagnosis. Text → typed, validated rules, every
 * mistake reported at its `file:line:col` with a code frame, like a runbook.
 *
 * @example
 * apiVersion: runbook/v1
 * kind: Triggers
 * rules:
 *   - name: web-unreachable
 *     when: alert.labels.alertname == "HostUnreachable" && alert.labels.instance.startsWith("web")
 *     runbook: unreachable-host
 *     params:
 *       host: alert.labels.instance.split(":")[0]   # CEL over `alert`
 *     once_within: 30m                              # cool-down per (rule, runbook, host)
 *     slack_channel: "#ops"
 *
 * Param values are CEL expressions over `alert` (a literal string is quoted CEL: `"'/var/log'"`);
 * numbers and booleans are taken as they are. Runs started by a rule are always dry-runs.
 */
import { RunbookError, RunbookErrors } from '../errors.ts'
import { checkRegularFile, readRegularFile } from '../input.ts'
import { compileVarsExpr, VarsChecker, type CelSchema, type CheckProblem, type VarsExpr } from './expr.ts'
import { loadSource, type PathSegment, type SourceDoc } from './load.ts'
import { closest } from './schema-errors.ts'
import { typeMismatch } from './validate.ts'
import { DEFAULTS } from '../shared/defaults.ts'
import { parseDuration } from '../shared/duration.ts'

/** An alert as rules see it, whatever sent it. Every field is always present (empty when unknown). */
export interface Alert {
  /** `alertmanager`, `pagerduty` or `generic`. */
  source: string
  /** `firing` or `resolved`. */
  status: 'firing' | 'resolved'
  /** Alertmanager's `alertname` label, a PagerDuty incident's title, a generic alert's name. */
  name: string
  labels: Record<string, string>
  annotations: Record<string, string>
  /** Identity of the alert at its source: Alertmanager fingerprint, PagerDuty incident id. */
  fingerprint: string
  startsAt: string
  endsAt: string
  generatorURL: string
  receiver: string
  groupKey: string
  externalURL: string
  incident: {
    id: string
    number: number
    title: string
    status: string
    urgency: string
    html_url: string
    service: string
    priority: string
    incident_key: string
    event_type: string
  }
}

/** The CEL type of `alert`: a typo (`alert.lables`) is an error at validation, with its position. */
export const ALERT_CEL_SCHEMA: CelSchema = {
  source: 'string',
  status: 'string',
  name: 'string',
  labels: 'map<string, string>',
  annotations: 'map<string, string>',
  fingerprint: 'string',
  startsAt: 'string',
  endsAt: 'string',
  generatorURL: 'string',
  receiver: 'string',
  groupKey: 'string',
  externalURL: 'string',
  incident: {
    id: 'string',
    number: 'int',
    title: 'string',
    status: 'string',
    urgency: 'string',
    html_url: 'string',
    service: 'string',
    priority: 'string',
    incident_key: 'string',
    event_type: 'string',
  },
}

export interface TriggerRule {
  name: string
  when: VarsExpr
  runbook: string
  /** Param name → a CEL expression over `alert`, or a literal number / bool. */
  params: Record<string, VarsExpr | number | boolean>
  onceWithinMs: number
  slackChannel: string | null
}

export interface Triggers {
  file: string
  hash: string
  rules: TriggerRule[]
}

/** What validation may know of runbooks: their declared params, by runbook name. */
export interface RunbookParamsLookup {
  names(): string[]
  params(runbook: string): Record<string, { required?: boolean; default?: unknown }> | undefined
}

const RULE_KEYS = ['name', 'when', 'runbook', 'params', 'once_within', 'slack_channel'] as const
const NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/

/** Reads and validates a triggers file: RunbookErrors with every problem, each located. */
export function loadTriggers(file: string, runbooks?: RunbookParamsLookup): Triggers {
  const input = { what: 'triggers file', missing: 'RB_TRIGGERS_FILE' } as const
  const notRegular = checkRegularFile(file, input)
  if (notRegular) throw notRegular
  return parseTriggers(file, readRegularFile(file, 1024 * 1024, input), runbooks)
}

export function parseTriggers(file: string, text: string, runbooks?: RunbookParamsLookup): Triggers {
  const doc = loadSource(file, text)
  if (doc.errors.length > 0) throw new RunbookErrors(doc.errors)
  const v = new TriggerValidator(doc, runbooks)
  const rules = v.run()
  if (v.errors.length > 0) throw new RunbookErrors(v.errors)
  return { file, hash: doc.hash, rules }
}

const isMap = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x)

class TriggerValidator {
  readonly errors: RunbookError[] = []
  readonly #checker = new VarsChecker({ alert: ALERT_CEL_SCHEMA })
  constructor(
    readonly doc: SourceDoc,
    readonly runbooks?: RunbookParamsLookup,
  ) {}

  err(code: RunbookError['code'], path: PathSegment[], message: string, options: { key?: boolean; offset?: number } = {}): void {
    this.errors.push(this.doc.error(code, path, message, options))
  }

  run(): TriggerRule[] {
    const top = this.doc.data
    if (!isMap(top)) {
      this.err('RB_SCHEMA', [], 'a triggers file is a mapping with apiVersion: runbook/v1, kind: Triggers and rules: [...]')
      return []
    }
    for (const k of Object.keys(top))
      if (!['apiVersion', 'kind', 'rules'].includes(k))
        this.err('RB_SCHEMA', [k], `unknown key '${k}' (known: apiVersion, kind, rules)`, { key: true })
    if (top.apiVersion !== 'runbook/v1') this.err('RB_SCHEMA', ['apiVersion'], 'apiVersion must be runbook/v1')
    if (top.kind !== 'Triggers') this.err('RB_SCHEMA', ['kind'], 'kind must be Triggers')
    if (!Array.isArray(top.rules)) {
      this.err('RB_SCHEMA', ['rules'], 'rules must be a list of rules (name, when, runbook, params, once_within, slack_channel)')
      return []
    }
    const seen = new Map<string, number>()
    const rules: TriggerRule[] = []
    top.rules.forEach((raw, i) => {
      const rule = this.rule(raw, ['rules', i], seen)
      if (rule) rules.push(rule)
    })
    return rules
  }

  rule(raw: unknown, path: PathSegment[], seen: Map<string, number>): TriggerRule | undefined {
    if (!isMap(raw)) {
      this.err('RB_SCHEMA', path, 'a rule is a mapping: name, when, runbook, params, once_within, slack_channel')
      return undefined
    }
    const before = this.errors.length
    for (const k of Object.keys(raw)) {
      if (!(RULE_KEYS as readonly string[]).includes(k)) {
        const near = closest(k, RULE_KEYS)
        this.err(
          'RB_SCHEMA',
          [...path, k],
          `unknown key '${k}'${near ? `: did you mean '${near}'?` : ''} (known: ${RULE_KEYS.join(', ')})`,
          { key: true },
        )
      }
    }
    for (const k of ['name', 'when', 'runbook'] as const) if (raw[k] === undefined) this.err('RB_SCHEMA', path, `the rule has no '${k}'`)
    const name = raw.name
    if (name !== undefined && (typeof name !== 'string' || !NAME.test(name)))
      this.err('RB_SCHEMA', [...path, 'name'], 'name must be lowercase letters, digits, - and _ (at most 63)')
    else if (typeof name === 'string') {
      const first = seen.get(name)
      if (first !== undefined) this.err('RB_SCHEMA', [...path, 'name'], `duplicate rule name '${name}' (first defined at line ${first})`)
      else seen.set(name, this.doc.posOf([...path, 'name']).line)
    }
    const when = this.expr(raw.when, [...path, 'when'], 'bool')
    const runbook = raw.runbook
    let declared: Record<string, { required?: boolean; default?: unknown }> | undefined
    if (runbook !== undefined && typeof runbook !== 'string')
      this.err('RB_SCHEMA', [...path, 'runbook'], 'runbook must be the name of a runbook (runbook list shows them)')
    else if (typeof runbook === 'string' && this.runbooks) {
      declared = this.runbooks.params(runbook)
      if (!declared) {
        const known = this.runbooks.names()
        const near = closest(runbook, known)
        this.err(
          'RB_RUNBOOK_NOT_FOUND',
          [...path, 'runbook'],
          `no runbook named '${runbook}'${near ? `: did you mean '${near}'?` : ` (known: ${known.join(', ')})`}`,
        )
      }
    }
    const params: TriggerRule['params'] = {}
    if (raw.params !== undefined && !isMap(raw.params))
      this.err('RB_SCHEMA', [...path, 'params'], 'params must be a mapping of param name → CEL expression over alert')
    else if (isMap(raw.params)) {
      for (const [p, value] of Object.entries(raw.params)) {
        const where = [...path, 'params', p]
        if (declared && !(p in declared)) {
          const near = closest(p, Object.keys(declared))
          this.err(
            'RB_PARAM_UNKNOWN',
            where,
            `runbook '${String(runbook)}' has no param '${p}'${near ? `: did you mean '${near}'?` : ` (params: ${Object.keys(declared).join(', ')})`}`,
            { key: true },
          )
        }
        if (typeof value === 'number' || typeof value === 'boolean') params[p] = value
        else {
          const e = this.expr(value, where, 'value')
          if (e) params[p] = e
        }
      }
    }
    if (declared) {
      const given = isMap(raw.params) ? raw.params : {}
      for (const [p, d] of Object.entries(declared)) {
        if (d.required && d.default === undefined && !(p in given)) {
          const at = isMap(raw.params) ? [...path, 'params'] : [...path, 'runbook']
          this.err(
            'RB_PARAM_MISSING',
            at,
            `runbook '${String(runbook)}' needs param '${p}': map it from the alert, e.g. ${p}: alert.labels.${p}`,
            { key: isMap(raw.params) },
          )
        }
      }
    }
    let onceWithinMs = parseDuration(DEFAULTS.onceWithin)!
    if (raw.once_within !== undefined) {
      const ms = typeof raw.once_within === 'string' ? parseDuration(raw.once_within) : undefined
      if (ms === undefined || ms === 0)
        this.err('RB_SCHEMA', [...path, 'once_within'], 'once_within must be a duration such as 90s, 30m, 4h or 1d (more than zero)')
      else onceWithinMs = ms
    }
    const channel = raw.slack_channel
    if (channel !== undefined && (typeof channel !== 'string' || !/^[#@]?[A-Za-z0-9._-]{1,80}$/.test(channel)))
      this.err('RB_SCHEMA', [...path, 'slack_channel'], 'slack_channel must be a channel name (#ops) or id (C0123456)')
    if (this.errors.length > before || !when) return undefined
    return {
      name: name as string,
      when,
      runbook: runbook as string,
      params,
      onceWithinMs,
      slackChannel: (channel as string | undefined) ?? null,
    }
  }

  /** A CEL string over `alert`, checked; `want: 'bool'` for conditions. */
  expr(value: unknown, path: PathSegment[], want: 'bool' | 'value'): VarsExpr | undefined {
    if (value === undefined) return undefined
    if (typeof value !== 'string' || value.trim() === '') {
      this.err(
        'RB_SCHEMA',
        path,
        want === 'bool'
          ? 'when must be a CEL condition over alert, e.g. alert.labels.alertname == "HostDown"'
          : 'a param must be a CEL expression over alert (a quoted string literal: "\'text\'"), a number or a boolean',
      )
      return undefined
    }
    const problem = this.#checker.check.check(value)
    if (problem) {
      this.celError(path, value, problem)
      return undefined
    }
    const type = this.#checker.typeOf(value)
    if (want === 'bool' && type !== undefined && type !== 'bool' && type !== 'dyn') {
      this.err('RB_CEL_TYPE', path, `when must be true or false, but ${JSON.stringify(value)} is ${type === 'int' ? 'an' : 'a'} ${type}`, {
        offset: 0,
      })
      return undefined
    }
    return compileVarsExpr(value)
  }

  celError(path: PathSegment[], expr: string, problem: CheckProblem): void {
    const at = { offset: problem.offset }
    if (problem.syntax) return this.err('RB_CEL_SYNTAX', path, `CEL syntax error in ${JSON.stringify(expr)}: ${problem.message}`, at)
    if (problem.operands) return this.err('RB_CEL_TYPE', path, typeMismatch(problem.operands), at)
    if (/overload|Ternary branches/.test(problem.message))
      return this.err('RB_CEL_TYPE', path, `CEL type error in ${JSON.stringify(expr)}: ${problem.message}`, at)
    const key = /No such key: (\S+)/.exec(problem.message)?.[1]
    const near = key && problem.known ? closest(key, problem.known) : undefined
    const message = key
      ? `unknown field '${key}' in ${JSON.stringify(expr)}${near ? `: did you mean '${near}'?` : problem.known ? ` (fields: ${problem.known.join(', ')})` : ''}`
      : /Unknown variable: (\S+)/.test(problem.message)
        ? `${problem.message} in ${JSON.stringify(expr)}: rules see one variable, alert`
        : `CEL error in ${JSON.stringify(expr)}: ${problem.message}`
    this.err('RB_CEL_REFERENCE', path, message, at)
  }
}
