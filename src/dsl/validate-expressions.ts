/**
 * The CEL half of validation: `let:` definitions, guards and `${{ }}` templates of every field,
 * type-checked against the declared params, the steps' result shapes (their parsers' fields) and
 * the lets in scope, each error at its `file:line:col` with a did-you-mean where a near name
 * exists. Also refuses `${{ }}` in shell commands where the engine's quoting would not hold.
 */
import type { RunbookError } from '../errors.ts'
import { FIX_STATUSES } from '../types.ts'
import type { FieldSchema, ParserRegistry } from '../parsers/registry.ts'
import { CheckScope, type CheckEnv, type CheckProblem, type Operand, freeIdentifiers, hasTemplate, parseTemplate } from './expr.ts'
import { letDefs, letNameProblem, orderLets, type LetDef } from './lets.ts'
import type { PathSegment } from './load.ts'
import { celTypeOf } from './params.ts'
import { closest } from './schema-errors.ts'
import { quotedInterpolationAdvice, quotedInterpolations } from './shell-context.ts'
import type { Command, Fix, Runbook, Step } from './runbook.generated.ts'
import type { StepKindName } from './validate.ts'

const COMMAND_FIELDS: FieldSchema = {
  exitCode: 'int',
  signal: 'string',
  stdout: 'string',
  stderr: 'string',
  lines: 'list<string>',
  durationMs: 'int',
  timedOut: 'bool',
  truncated: 'bool',
}
const PROBE_FIELDS: FieldSchema = {
  ok: 'bool',
  open: 'bool',
  status: 'int',
  received: 'int',
  sent: 'int',
  rttMs: 'double',
  durationMs: 'int',
  error: { kind: 'string', message: 'string', detail: 'map' },
}
const ERROR_FIELDS: FieldSchema = { kind: 'string', message: 'string', detail: 'map' }

type Report = (code: RunbookError['code'], path: PathSegment[], message: string, options?: { key?: boolean; offset?: number }) => void

export class ExpressionChecker {
  readonly steps: Record<string, Step>
  readonly outcomes: Record<string, unknown>
  readonly names: string[]
  /** Ordered lets, filled by checkExpressions. */
  readonly lets: { runbook: LetDef[]; steps: Map<string, LetDef[]> } = { runbook: [], steps: new Map() }

  constructor(
    readonly rb: Runbook,
    readonly parsers: ParserRegistry,
    readonly kindOf: (step: string) => StepKindName,
    readonly err: Report,
  ) {
    this.steps = rb.steps as Record<string, Step>
    this.outcomes = rb.outcomes as Record<string, unknown>
    this.names = Object.keys(this.steps)
  }

  /** Checks every expression; returns the lets in the order to compile them. */
  run(): { runbook: LetDef[]; steps: ReadonlyMap<string, LetDef[]> } {
    this.checkExpressions()
    return this.lets
  }

  resultSchema(step: Step | Command, kind: StepKindName | 'command'): FieldSchema {
    if (kind === 'branch') return {}
    if (step.probe !== undefined || kind === 'probe') return PROBE_FIELDS
    if (kind === 'parallel') {
      const s = step as Step
      return Object.fromEntries(Object.entries(s.parallel ?? {}).map(([k, c]) => [k, this.resultSchema(c!, 'command')]))
    }
    if (kind === 'fix') {
      const f = (step as Step).fix!
      return {
        status: 'string',
        check: this.commandSchema(f.check?.parse),
        verify: f.verify?.probe ? PROBE_FIELDS : this.commandSchema(f.verify?.parse),
      }
    }
    return this.commandSchema(step.parse)
  }

  commandSchema(parser: string | undefined): FieldSchema {
    if (parser === undefined) return COMMAND_FIELDS
    return this.parsers.get(parser)?.fields ?? {}
  }

  checkExpressions(): void {
    const params = Object.fromEntries(Object.entries(this.rb.params ?? {}).map(([name, p]) => [name, p ? celTypeOf(p.type) : 'dyn']))
    const stepsSchema: FieldSchema = {}
    for (const name of this.names) {
      const step = this.steps[name]!
      const kind = this.kindOf(name)
      stepsSchema[name] = { status: 'string', result: this.resultSchema(step, kind), output: COMMAND_FIELDS, error: ERROR_FIELDS }
    }
    const scope = new CheckScope({ params, steps: stepsSchema })
    // Param defaults are rendered before anything else exists: they see no lets.
    for (const [name, p] of Object.entries(this.rb.params ?? {})) {
      if (typeof p?.default === 'string') this.template(scope.env({}), ['params', name, 'default'], p.default)
    }
    const runbookLets = this.checkLets(scope.env({}), letDefs(this.rb.let, ['let']), new Map())
    this.lets.runbook.push(...runbookLets.ordered)
    const rbEnv = (result: FieldSchema | null) => scope.env(result).withLets(runbookLets.types)

    for (const name of this.names) {
      const step = this.steps[name]!
      const kind = this.kindOf(name)
      const path = ['steps', name]
      const stepLets = this.checkLets(scope.env({}), letDefs(step.let, [...path, 'let']), runbookLets.types)
      this.lets.steps.set(name, stepLets.ordered)
      const envFor = (result: FieldSchema | null) => scope.env(result).withLets(stepLets.types)
      const noResult = envFor({})
      this.template(noResult, [...path, 'run'], step.run, 'shell')
      this.template(noResult, [...path, 'host'], step.host)
      this.probeTemplates(noResult, [...path, 'probe'], step.probe)
      for (const [sub, cmd] of Object.entries(step.parallel ?? {})) {
        this.template(noResult, [...path, 'parallel', sub, 'run'], cmd?.run, 'shell')
        this.template(noResult, [...path, 'parallel', sub, 'host'], cmd?.host)
        this.probeTemplates(noResult, [...path, 'parallel', sub, 'probe'], cmd?.probe)
      }
      if (step.fix) this.fixExpressions(envFor, [...path, 'fix'], step.fix)
      if (Array.isArray(step.next)) {
        const env = envFor(this.resultSchema(step, kind))
        step.next.forEach((t, i) => this.guard(env, [...path, 'next', i, 'if'], t.if, kind === 'fix'))
      }
    }
    const noResult = rbEnv({})
    for (const [name, o] of Object.entries(this.outcomes)) {
      const outcome = o as { summary: string; evidence?: unknown[] }
      this.template(noResult, ['outcomes', name, 'summary'], outcome.summary)
      ;(outcome.evidence ?? []).forEach((ev, i) => {
        if (typeof ev === 'string') this.template(noResult, ['outcomes', name, 'evidence', i], ev)
        else if (ev && typeof ev === 'object')
          this.template(noResult, ['outcomes', name, 'evidence', i, 'contains'], (ev as { contains?: string }).contains)
      })
    }
  }

  /**
   * Checks one `let:` mapping: names, cycles, no `result`, then each expression in dependency
   * order, each seeing the types of the lets before it. Returns the types of `outer` plus these
   * (a let with an error is dyn, so its uses report nothing more) and the order to compile them in.
   */
  checkLets(env: CheckEnv, defs: LetDef[], outer: ReadonlyMap<string, string>): { types: Map<string, string>; ordered: LetDef[] } {
    const types = new Map(outer)
    const named: LetDef[] = []
    for (const d of defs) {
      const problem =
        letNameProblem(d.name) ??
        (outer.has(d.name) ? `'${d.name}' is already a let of the runbook: a step's let cannot hide it, give it another name` : null)
      if (problem) this.err('RB_LET_NAME', d.path, problem, { key: true })
      else named.push(d)
    }
    const { ordered, cycles } = orderLets(named)
    for (const c of cycles) {
      this.err(
        'RB_LET_CYCLE',
        c.def.path,
        `let '${c.def.name}' reads itself: ${c.chain.join(' → ')}. A let may read other lets, but not in a circle: inline one of them`,
        { offset: c.offset },
      )
    }
    for (const d of named) types.set(d.name, 'dyn')
    for (const d of ordered) {
      const result = freeIdentifiers(d.expr)?.get('result')
      if (result !== undefined) {
        this.err(
          'RB_CEL_REFERENCE',
          d.path,
          `let '${d.name}' reads result, whose meaning changes from field to field (the step's result in next, the check's in apply): name the step, steps.<step>.result`,
          { offset: result },
        )
        continue
      }
      const { problem, type } = env.withLets(types).infer(d.expr)
      if (problem) this.celError(d.path, d.expr, problem, 0)
      else types.set(d.name, type)
    }
    return { types, ordered }
  }

  fixExpressions(envFor: (r: FieldSchema | null) => CheckEnv, path: PathSegment[], fix: Fix): void {
    const checkEnv = envFor(this.commandSchema(fix.check?.parse))
    // Fix templates see the check's result: apply commands may use what check found.
    const inFix = fix.check ? checkEnv : envFor({})
    this.template(envFor({}), [...path, 'check', 'run'], fix.check?.run, 'shell')
    this.guard(checkEnv, [...path, 'check', 'needed_if'], fix.check?.needed_if)
    this.template(inFix, [...path, 'summary'], fix.summary)
    this.template(inFix, [...path, 'host'], fix.host)
    ;(fix.apply ?? []).forEach((c, i) => this.template(inFix, [...path, 'apply', i], c, 'shell'))
    ;(fix.rollback ?? []).forEach((c, i) => this.template(inFix, [...path, 'rollback', i], c, 'shell'))
    this.template(inFix, [...path, 'verify', 'run'], fix.verify?.run, 'shell')
    ;(fix.files ?? []).forEach((f, i) => {
      this.template(inFix, [...path, 'files', i, 'path'], f.path)
      this.template(inFix, [...path, 'files', i, 'content'], f.content)
    })
    ;(fix.preflight ?? []).forEach((p, i) => {
      this.template(inFix, [...path, 'preflight', i, 'run'], p.run, 'shell')
      this.template(inFix, [...path, 'preflight', i, 'message'], p.message)
      this.guard(envFor(this.commandSchema(p.parse)), [...path, 'preflight', i, 'expect'], p.expect)
    })
    this.probeTemplates(inFix, [...path, 'verify', 'probe'], fix.verify?.probe)
    const verifyEnv = envFor(fix.verify?.probe ? PROBE_FIELDS : this.commandSchema(fix.verify?.parse))
    this.guard(verifyEnv, [...path, 'verify', 'expect'], fix.verify?.expect)
  }

  probeTemplates(env: CheckEnv, path: PathSegment[], probe: { tcp?: string; ping?: string; http?: string } | undefined): void {
    if (!probe) return
    for (const k of ['tcp', 'ping', 'http'] as const) this.template(env, [...path, k], probe[k])
  }

  /** `resultIsFix`: `result` is a fix's state here (its step's `next`), so `result.status` is a FixStatus. */
  guard(env: CheckEnv, path: PathSegment[], expr: string | undefined, resultIsFix = false): void {
    if (expr === undefined) return
    const problem = env.check(expr)
    if (problem) this.celError(path, expr, problem, 0)
    else this.fixStatusLiterals(path, expr, 0, resultIsFix)
  }

  /**
   * A fix's `result.status` (and `steps.<fix>.result.status`) is one of FIX_STATUSES: the engine
   * sets no other, so a comparison with any other string never holds. Refused like a type error.
   */
  fixStatusLiterals(path: PathSegment[], expr: string, base: number, resultIsFix: boolean): void {
    const operand = String.raw`(\bsteps\.[A-Za-z_]\w*\.|[\w.]*)result\.status\b`
    const literal = (quote: number) => `(['"])([^'"\\\\]*)\\${quote}`
    const comparisons = [
      ...[...expr.matchAll(new RegExp(`${operand}\\s*[!=]=\\s*${literal(2)}`, 'g'))].map((m) => ({
        owner: m[1]!,
        value: m[3]!,
        at: m.index + m[0].length - m[3]!.length - 2,
      })),
      ...[...expr.matchAll(new RegExp(`${literal(1)}\\s*[!=]=\\s*${operand}`, 'g'))].map((m) => ({
        owner: m[3]!,
        value: m[2]!,
        at: m.index,
      })),
    ]
    for (const { owner, value, at } of comparisons) {
      const step = /^steps\.(\w+)\.$/.exec(owner)?.[1]
      const fix = owner === '' ? resultIsFix : step !== undefined && this.steps[step] !== undefined && this.kindOf(step) === 'fix'
      if (!fix || (FIX_STATUSES as readonly string[]).includes(value)) continue
      const near = closest(value, FIX_STATUSES)
      this.err(
        'RB_CEL_TYPE',
        path,
        `${JSON.stringify(value)} is never the status of a fix${near ? ` (did you mean ${JSON.stringify(near)}?)` : ''}: a fix's result.status is one of ${FIX_STATUSES.join(', ')}`,
        { offset: base + at },
      )
    }
  }

  /** A `shell` template is a command line: its values must also sit where the engine's quoting holds. */
  template(env: CheckEnv, path: PathSegment[], text: string | undefined, kind: 'text' | 'shell' = 'text'): void {
    if (text === undefined || !hasTemplate(text)) return
    const parsed = parseTemplate(text)
    if (!Array.isArray(parsed)) {
      this.err('RB_CEL_SYNTAX', path, `template: ${parsed.error}`, { offset: parsed.offset })
      return
    }
    if (kind === 'shell') {
      for (const q of quotedInterpolations(text)) {
        const close = text.indexOf('}}', q.offset)
        const shown = text.slice(q.offset, close === -1 ? undefined : close + 2)
        this.err('RB_QUOTED_INTERPOLATION', path, `${shown} sits inside ${q.context}: ${quotedInterpolationAdvice(q.context)}`, {
          offset: q.offset,
        })
      }
    }
    for (const seg of parsed) {
      if (!('expr' in seg)) continue
      const problem = env.check(seg.expr)
      if (problem) this.celError(path, seg.expr, problem, seg.offset)
      else this.fixStatusLiterals(path, seg.expr, seg.offset, false)
    }
  }

  celError(path: PathSegment[], expr: string, problem: CheckProblem, base: number): void {
    if (problem.syntax) {
      this.err('RB_CEL_SYNTAX', path, `CEL syntax error in ${JSON.stringify(expr)}: ${problem.message}`, { offset: base + problem.offset })
      return
    }
    if (problem.operands) {
      this.err('RB_CEL_TYPE', path, typeMismatch(problem.operands), { offset: base + problem.offset })
      return
    }
    if (/overload|Ternary branches/.test(problem.message)) {
      this.err('RB_CEL_TYPE', path, `CEL type error in ${JSON.stringify(expr)}: ${problem.message}`, { offset: base + problem.offset })
      return
    }
    if (problem.unknownName !== undefined) {
      this.err('RB_CEL_REFERENCE', path, this.unknownName(path, expr, problem.unknownName), { offset: base + problem.offset })
      return
    }
    const key = /No such key: (\S+)/.exec(problem.message)?.[1]
    const before = expr.slice(0, problem.offset)
    const root = /\b(params|steps|result)\b[\w.]*\.?$/.exec(before)?.[1]
    let message = `CEL error in ${JSON.stringify(expr)}: ${problem.message}`
    if (key && root === 'params') {
      message = `unknown param '${key}' in ${JSON.stringify(expr)}${suggestFrom(key, Object.keys(this.rb.params ?? {}))}`
    } else if (key && root === 'steps' && /steps\.?$/.test(before.trimEnd())) {
      message = `unknown step '${key}' in ${JSON.stringify(expr)}${suggestFrom(key, this.names)}`
    } else if (key && problem.known) {
      const near = closest(key, problem.known)
      message = `unknown field '${key}' in ${JSON.stringify(expr)}${near ? `: did you mean '${near}'?` : ` (fields: ${problem.known.join(', ')})`}`
    } else if (key) {
      message = `unknown field '${key}' in ${JSON.stringify(expr)}: the result has no such field`
    }
    this.err('RB_CEL_REFERENCE', path, message, { offset: base + problem.offset })
  }

  /** `unknown name 'suspec' in "...": did you mean 'suspect'?`, knowing which lets the field sees. */
  unknownName(path: PathSegment[], expr: string, name: string): string {
    const step = path[0] === 'steps' ? String(path[1]) : undefined
    const visible = [...Object.keys(this.rb.let ?? {}), ...(step !== undefined ? Object.keys(this.steps[step]?.let ?? {}) : [])]
    const owner = this.names.find((s) => s !== step && this.steps[s]!.let?.[name] !== undefined)
    const what = `unknown name '${name}' in ${JSON.stringify(expr)}`
    if (path[0] === 'params') return `${what}: param defaults see params only, not lets`
    if (owner !== undefined)
      return `${what}: it is a let of step '${owner}', which only that step sees; move it to the runbook's let: to share it`
    const near = closest(name, [...visible, 'params', 'steps', 'result', 'facts'])
    return `${what}: ${near ? `did you mean '${near}'?` : `no let of that name${visible.length ? ` (lets: ${visible.join(', ')})` : ''}; expressions read params, steps, result, facts${visible.length ? ' and lets' : ''}`}`
  }
}

/**
 * `params.port is an int and "22" is a string: compare with 22`. Only what fails or silently
 * differs at run time gets here (`1 == "1"` is false there; ints and doubles compare fine).
 */
export function typeMismatch({ op, left, right }: NonNullable<CheckProblem['operands']>): string {
  const what = `${left.text} is ${aType(left.type)} and ${right.text} is ${aType(right.type)}`
  const types = new Set([bare(left.type), bare(right.type)])
  if (/^[-+*/%]$/.test(op) && types.has('int') && types.has('double')) {
    // A double field that holds a whole number (a load of 2) is an int at run time: convert both.
    const d = (o: Operand) => (/^-?\d+(\.\d+)?$/.test(o.text) ? (o.text.includes('.') ? o.text : `${o.text}.0`) : `double(${o.text})`)
    return `${what}: write ${d(left)} ${op} ${d(right)}`
  }
  return `${what}: ${typeAdvice(op, left, right) ?? typeAdvice(op, right, left) ?? 'make both sides the same type'}`
}

function typeAdvice(op: string, a: Operand, b: Operand): string | undefined {
  const at = bare(a.type)
  const bt = bare(b.type)
  const quoted = /^(?:"([^"\\]*)"|'([^'\\]*)')$/.exec(b.text)
  const inner = quoted ? (quoted[1] ?? quoted[2]!) : undefined
  if (op !== '+' && (at === 'int' || at === 'double') && bt === 'string' && inner !== undefined && /^-?\d+(\.\d+)?$/.test(inner))
    return `compare with ${inner}`
  if (at === 'bool' && bt === 'string' && (inner === 'true' || inner === 'false')) return `compare with ${inner}`
  if (at === 'string' && (bt === 'int' || bt === 'double') && /^[<>]=?$/.test(op)) return `convert with ${bt}(${a.text})`
  if (at === 'string' && (bt === 'int' || bt === 'double') && /^-?\d+(\.\d+)?$/.test(b.text))
    return op === '+' ? `write "${b.text}", or convert with string(${b.text})` : `compare with "${b.text}"`
  if (at === 'string' && (bt === 'int' || bt === 'double')) return `convert one side: ${bt}(${a.text}) or string(${b.text})`
  if (op === 'in' && bt.startsWith('list<')) return `the list holds ${bt.slice(5, -1)}s: write its elements as ${at}s`
  return undefined
}

function bare(type: string): string {
  return type.replace(/^dyn<(.*)>$/, '$1')
}

function aType(type: string): string {
  const t = bare(type).replace(/RbItem\d+|RbStepShape\d+|\$[\w.]+/g, 'object')
  return /^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`
}

function suggestFrom(word: string, known: string[]): string {
  const near = closest(word, known)
  return near ? `: did you mean '${near}'?` : known.length ? ` (known: ${known.join(', ')})` : ''
}
