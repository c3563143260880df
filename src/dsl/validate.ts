/**
 * Source → validated Runbook. Reports every error of a file at once, each at `file:line:col`:
 * YAML syntax, schema (ajv, compiled once from schemas/runbook.schema.json), then the checks a
 * schema cannot express: step kinds, names, targets, reachability, paths to an outcome, CEL syntax
 * and references, param defaults, mutating commands outside fixes, parser names.
 * The only file that imports ajv for runbooks.
 */
import { readFileSync } from 'node:fs'
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import { RunbookError } from '../errors.ts'
import type { FieldSchema, ParserRegistry } from '../parsers/registry.ts'
import { CheckScope, type CheckEnv, type CheckProblem, type Operand, freeIdentifiers, hasTemplate, parseTemplate } from './expr.ts'
import { letDefs, letNameProblem, orderLets, type LetDef } from './lets.ts'
import { loadSource, type PathSegment, type SourceDoc } from './load.ts'
import { readRunbookText } from './read.ts'
import { closest, schemaErrors } from './schema-errors.ts'
import { accessFileReason, accessReason } from './mutating.ts'
import { celTypeOf, checkParam, describeType } from './params.ts'
import { readOnlyProblems } from './readonly.ts'
import { quotedInterpolationAdvice, quotedInterpolations } from './shell-context.ts'
import type { Command, Fix, Runbook, Step } from './runbook.generated.ts'

export const RUNBOOK_SCHEMA_URL = new URL('../../schemas/runbook.schema.json', import.meta.url)

let compiled: ValidateFunction | undefined
function schemaValidator(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true })
    compiled = ajv.compile(JSON.parse(readFileSync(RUNBOOK_SCHEMA_URL, 'utf8')))
  }
  return compiled
}

export type StepKindName = 'run' | 'probe' | 'parallel' | 'fix' | 'branch'

/** A runbook that passed every check. */
export interface ValidRunbook {
  source: SourceDoc
  runbook: Runbook
  /** Step names in source order; the first to run is `start`. */
  stepNames: string[]
  start: string
  kindOf(step: string): StepKindName
  /** `let:` definitions in the order to compile them (each after the lets it reads). */
  lets: { runbook: LetDef[]; steps: ReadonlyMap<string, LetDef[]> }
}

export type ValidationResult = { ok: true; value: ValidRunbook } | { ok: false; errors: RunbookError[] }

export function validateFile(file: string, parsers: ParserRegistry): ValidationResult {
  let text: string
  try {
    // Refuses devices, FIFOs, oversized files and files that are not runbooks, quoting none of them.
    text = readRunbookText(file)
  } catch (err) {
    if (err instanceof RunbookError) return { ok: false, errors: [err] }
    throw err
  }
  return validateSource(file, text, parsers)
}

export function validateSource(file: string, text: string, parsers: ParserRegistry): ValidationResult {
  const source = loadSource(file, text)
  if (source.errors.length > 0) return { ok: false, errors: source.errors }
  if (source.data === null || typeof source.data !== 'object' || Array.isArray(source.data)) {
    return { ok: false, errors: [source.error('RB_SCHEMA', [], 'a runbook must be a YAML mapping with apiVersion, name, summary, steps and outcomes')] }
  }
  const validate = schemaValidator()
  if (!validate(source.data)) return { ok: false, errors: schemaErrors(source, validate.errors ?? []) }
  return new Checker(source, source.data as Runbook, parsers).run()
}

// ---------------------------------------------------------------------------------------------
// Semantic checks

const COMMAND_FIELDS: FieldSchema = {
  exitCode: 'int', signal: 'string', stdout: 'string', stderr: 'string', lines: 'list<string>', durationMs: 'int', timedOut: 'bool', truncated: 'bool',
}
const PROBE_FIELDS: FieldSchema = {
  ok: 'bool', open: 'bool', status: 'int', received: 'int', sent: 'int', rttMs: 'double', durationMs: 'int',
  error: { kind: 'string', message: 'string', detail: 'map' },
}
const ERROR_FIELDS: FieldSchema = { kind: 'string', message: 'string', detail: 'map' }

/** Where each step may go, with the path of the field that says so. */
interface Edge {
  from: string
  to: string
  path: PathSegment[]
}

class Checker {
  readonly errors: RunbookError[] = []
  readonly steps: Record<string, Step>
  readonly outcomes: Record<string, unknown>
  readonly names: string[]
  readonly kinds = new Map<string, StepKindName>()
  readonly edges: Edge[] = []
  /** Ordered lets, filled by checkExpressions. */
  readonly lets: { runbook: LetDef[]; steps: Map<string, LetDef[]> } = { runbook: [], steps: new Map() }

  constructor(
    readonly source: SourceDoc,
    readonly rb: Runbook,
    readonly parsers: ParserRegistry,
  ) {
    this.steps = rb.steps as Record<string, Step>
    this.outcomes = rb.outcomes as Record<string, unknown>
    this.names = Object.keys(this.steps)
  }

  err(code: RunbookError['code'], path: PathSegment[], message: string, options?: { key?: boolean; offset?: number }): void {
    this.errors.push(this.source.error(code, path, message, options))
  }

  run(): ValidationResult {
    this.checkParams()
    this.checkNames()
    for (const name of this.names) this.checkStep(name, this.steps[name]!)
    const start = this.rb.start ?? this.names[0]!
    if (this.rb.start !== undefined && !(this.rb.start in this.steps)) {
      this.err('RB_UNKNOWN_TARGET', ['start'], `start '${this.rb.start}' is not a step${this.suggest(this.rb.start)}`)
    }
    this.checkTargets()
    this.checkGraph(start)
    this.checkExpressions()
    if (this.errors.length > 0) {
      this.errors.sort((a, b) => (a.pos?.line ?? 0) - (b.pos?.line ?? 0) || (a.pos?.col ?? 0) - (b.pos?.col ?? 0))
      return { ok: false, errors: this.errors }
    }
    const kinds = this.kinds
    return { ok: true, value: { source: this.source, runbook: this.rb, stepNames: this.names, start, kindOf: (s) => kinds.get(s)!, lets: this.lets } }
  }

  suggest(name: string): string {
    const near = closest(name, [...this.names, ...Object.keys(this.outcomes)])
    return near ? `: did you mean '${near}'?` : ''
  }

  checkParams(): void {
    for (const [name, p] of Object.entries(this.rb.params ?? {})) {
      if (!p) continue
      if (p.type === 'enum' && !p.values) this.err('RB_SCHEMA', ['params', name], `param '${name}' is an enum: list its values`)
      if (p.type === 'string' && p.pattern !== undefined) {
        try {
          new RegExp(p.pattern, 'u')
        } catch (e) {
          this.err('RB_SCHEMA', ['params', name, 'pattern'], `param '${name}': invalid pattern: ${(e as Error).message}`)
        }
      }
      if (p.default !== undefined && !(typeof p.default === 'string' && hasTemplate(p.default))) {
        const check = checkParam(p, p.default)
        if (!check.ok) {
          this.err('RB_PARAM_DEFAULT', ['params', name, 'default'], `default ${JSON.stringify(p.default)} of param '${name}' is not ${describeType(p)}`)
        }
      }
    }
  }

  checkNames(): void {
    for (const name of Object.keys(this.outcomes)) {
      if (name in this.steps) this.err('RB_DUPLICATE_STEP', ['outcomes', name], `'${name}' is both a step and an outcome`, { key: true })
    }
  }

  checkStep(name: string, step: Step): void {
    const path = ['steps', name]
    const actions = (['run', 'probe', 'parallel', 'fix'] as const).filter((k) => step[k] !== undefined)
    if (actions.length > 1) {
      this.err('RB_STEP_KIND', [...path, actions[1]!], `step '${name}' has both ${actions.join(' and ')}: a step does exactly one thing`, { key: true })
    }
    const kind: StepKindName = actions[0] ?? 'branch'
    this.kinds.set(name, kind)
    const misplaced = (field: keyof Step, allowed: StepKindName[]) => {
      if (step[field] !== undefined && !allowed.includes(kind)) {
        this.err('RB_STEP_KIND', [...path, field], `'${field}' does not apply to a ${kind} step`, { key: true })
      }
    }
    misplaced('parse', ['run'])
    misplaced('sudo', ['run', 'parallel'])
    misplaced('ok_exit', ['run'])
    misplaced('host', ['run', 'parallel'])
    misplaced('on_failure', ['run', 'parallel'])
    misplaced('on_timeout', ['run', 'parallel'])
    misplaced('on_error', ['run', 'parallel', 'fix'])
    misplaced('on_rollback', ['fix'])
    misplaced('timeout', ['run', 'probe', 'parallel'])
    if (kind === 'probe') this.checkProbe([...path, 'probe'], step.probe as Record<string, unknown>)
    if (kind === 'parallel') {
      for (const [sub, cmd] of Object.entries(step.parallel ?? {})) {
        if (!cmd) continue
        const subPath = [...path, 'parallel', sub]
        if ((cmd.run === undefined) === (cmd.probe === undefined)) {
          this.err('RB_STEP_KIND', subPath, `parallel command '${sub}' needs exactly one of run or probe`, { key: true })
        }
        if (cmd.probe) this.checkProbe([...subPath, 'probe'], cmd.probe as Record<string, unknown>)
        if (cmd.probe && cmd.parse) this.err('RB_STEP_KIND', [...subPath, 'parse'], `a probe has no output to parse`, { key: true })
      }
    }
    if (kind === 'fix' && step.fix?.verify) {
      const v = step.fix.verify
      if ((v.run === undefined) === (v.probe === undefined)) {
        this.err('RB_STEP_KIND', [...path, 'fix', 'verify'], `verify needs exactly one of run or probe`)
      }
      if (v.probe) this.checkProbe([...path, 'fix', 'verify', 'probe'], v.probe as Record<string, unknown>)
    }
    // Parsers.
    const parserAt = (p: string | undefined, at: PathSegment[]) => {
      if (p !== undefined && !this.parsers.get(p)) {
        const near = closest(p, this.parsers.names())
        this.err('RB_UNKNOWN_PARSER', at, `parser '${p}' is not registered${near ? `: did you mean '${near}'?` : ` (known: ${this.parsers.names().join(', ')})`}`)
      }
    }
    parserAt(step.parse, [...path, 'parse'])
    for (const [sub, cmd] of Object.entries(step.parallel ?? {})) parserAt(cmd?.parse, [...path, 'parallel', sub, 'parse'])
    parserAt(step.fix?.check?.parse, [...path, 'fix', 'check', 'parse'])
    parserAt(step.fix?.verify?.parse, [...path, 'fix', 'verify', 'parse'])
    // Diagnostics must be provably read-only, or vouched for by their author.
    const readOnly = (cmd: string | undefined, vouched: string | undefined, at: PathSegment[]) => {
      if (cmd === undefined || vouched !== undefined) return
      for (const p of readOnlyProblems(cmd)) {
        this.err('RB_MUTATING_OUTSIDE_FIX', at, `step '${name}': '${p.word}' ${p.why}. Diagnostics must be read-only: move it to fix.apply, or vouch for it with readonly: "<why it changes nothing>"`, { offset: p.offset })
      }
    }
    readOnly(step.run, step.readonly, [...path, 'run'])
    for (const [sub, cmd] of Object.entries(step.parallel ?? {})) readOnly(cmd?.run, cmd?.readonly ?? step.readonly, [...path, 'parallel', sub, 'run'])
    readOnly(step.fix?.check?.run, step.fix?.check?.readonly, [...path, 'fix', 'check', 'run'])
    readOnly(step.fix?.verify?.run, step.fix?.verify?.readonly, [...path, 'fix', 'verify', 'run'])
    ;(step.fix?.preflight ?? []).forEach((p, i) => {
      readOnly(p.run, p.readonly, [...path, 'fix', 'preflight', i, 'run'])
      parserAt(p.parse, [...path, 'fix', 'preflight', i, 'parse'])
    })
    if (step.fix) this.checkAccess(name, [...path, 'fix'], step.fix)
    // Edges.
    const next = step.next
    if (next === undefined) {
      if (kind !== 'fix' || step.on_rollback === undefined) {
        this.err('RB_NO_OUTCOME_PATH', path, `step '${name}' has no next: say where to go after it`, { key: true })
      }
    } else if (typeof next === 'string') {
      this.edges.push({ from: name, to: next, path: [...path, 'next'] })
    } else {
      next.forEach((t, i) => {
        this.edges.push({ from: name, to: t.goto, path: [...path, 'next', i, 'goto'] })
        if (t.if === undefined && i < next.length - 1) {
          this.err('RB_NO_DEFAULT', [...path, 'next', i], `next entry ${i} of step '${name}' has no 'if' but is not the last: the entries after it can never be taken`)
        }
      })
      if (next.at(-1)?.if !== undefined) {
        this.err('RB_NO_DEFAULT', [...path, 'next'], `next of step '${name}' has no default: end it with an entry without 'if'`, { key: true })
      }
    }
    for (const h of ['on_failure', 'on_timeout', 'on_error', 'on_rollback'] as const) {
      const to = step[h]
      if (to !== undefined) this.edges.push({ from: name, to, path: [...path, h] })
    }
  }

  /** Fixes that can cut the operator off must say so, and must have a way back. */
  checkAccess(name: string, path: PathSegment[], fix: Fix): void {
    if (!fix.access) {
      const commands: Array<[string, PathSegment[]]> = [
        ...fix.apply.map((c, i): [string, PathSegment[]] => [c, [...path, 'apply', i]]),
        ...(fix.rollback ?? []).map((c, i): [string, PathSegment[]] => [c, [...path, 'rollback', i]]),
      ]
      for (const [command, at] of commands) {
        const why = accessReason(command)
        if (why) {
          this.err('RB_ACCESS_UNMARKED', at, `fix '${name}' is not marked access: true, but ${why}`)
          return
        }
      }
      for (const [i, f] of (fix.files ?? []).entries()) {
        const why = accessFileReason(f.path)
        if (why) {
          this.err('RB_ACCESS_UNMARKED', [...path, 'files', i, 'path'], `fix '${name}' is not marked access: true, but ${why}`)
          return
        }
      }
      if (fix.confirm_within !== undefined) this.err('RB_STEP_KIND', [...path, 'confirm_within'], `confirm_within only applies to fixes marked access: true`, { key: true })
    } else if ((fix.rollback ?? []).length === 0 && (fix.files ?? []).length === 0) {
      this.err('RB_ACCESS_NO_REVERT', [...path, 'access'], `fix '${name}' can cut access but has no rollback and writes no files: give it a rollback so the host can revert by itself`, { key: true })
    }
  }

  checkProbe(path: PathSegment[], probe: Record<string, unknown>): void {
    const kinds = ['tcp', 'ping', 'http'].filter((k) => probe[k] !== undefined)
    if (kinds.length !== 1) this.err('RB_STEP_KIND', path, `a probe needs exactly one of tcp, ping, http${kinds.length ? ` (has ${kinds.join(', ')})` : ''}`)
  }

  checkTargets(): void {
    for (const e of this.edges) {
      if (!(e.to in this.steps) && !(e.to in this.outcomes)) {
        this.err('RB_UNKNOWN_TARGET', e.path, `step '${e.from}' goes to '${e.to}', which is neither a step nor an outcome${this.suggest(e.to)}`)
      }
    }
    for (const [name, o] of Object.entries(this.outcomes)) {
      const evidence = (o as { evidence?: unknown[] }).evidence ?? []
      evidence.forEach((ev, i) => {
        if (ev && typeof ev === 'object' && 'step' in ev) {
          const s = (ev as { step: string }).step
          if (!(s in this.steps)) this.err('RB_UNKNOWN_TARGET', ['outcomes', name, 'evidence', i, 'step'], `evidence of outcome '${name}' names step '${s}', which does not exist${this.suggest(s)}`)
        }
      })
    }
  }

  checkGraph(start: string): void {
    const out = new Map<string, string[]>()
    const into = new Map<string, string[]>()
    for (const e of this.edges) {
      ;(out.get(e.from) ?? out.set(e.from, []).get(e.from)!).push(e.to)
      ;(into.get(e.to) ?? into.set(e.to, []).get(e.to)!).push(e.from)
    }
    const seen = new Set<string>([start])
    const queue = [start]
    for (let head = 0; head < queue.length; head++) {
      for (const to of out.get(queue[head]!) ?? []) {
        if (!seen.has(to)) {
          seen.add(to)
          queue.push(to)
        }
      }
    }
    for (const name of this.names) {
      if (!seen.has(name)) this.err('RB_UNREACHABLE_STEP', ['steps', name], `step '${name}' is unreachable: no transition from '${start}' leads to it`, { key: true })
    }
    for (const name of Object.keys(this.outcomes)) {
      if (!seen.has(name)) this.err('RB_UNREACHABLE_STEP', ['outcomes', name], `outcome '${name}' is unreachable: no step goes to it`, { key: true })
    }
    // Reverse reachability from outcomes: one walk over incoming edges (re-scanning every step
    // until nothing changes was quadratic on a long chain).
    const reaches = new Set(Object.keys(this.outcomes))
    const back = [...reaches]
    for (let head = 0; head < back.length; head++) {
      for (const from of into.get(back[head]!) ?? []) {
        if (!reaches.has(from)) {
          reaches.add(from)
          back.push(from)
        }
      }
    }
    for (const name of this.names) {
      const hasNext = this.steps[name]!.next !== undefined || this.steps[name]!.on_rollback !== undefined
      if (!reaches.has(name) && hasNext && seen.has(name)) {
        this.err('RB_NO_OUTCOME_PATH', ['steps', name], `step '${name}' has no path to an outcome: every way out of it loops back`, { key: true })
      }
    }
  }

  // --- CEL ---------------------------------------------------------------------------------

  resultSchema(step: Step | Command, kind: StepKindName | 'command'): FieldSchema {
    if (kind === 'branch') return {}
    if (step.probe !== undefined || kind === 'probe') return PROBE_FIELDS
    if (kind === 'parallel') {
      const s = step as Step
      return Object.fromEntries(Object.entries(s.parallel ?? {}).map(([k, c]) => [k, this.resultSchema(c!, 'command')]))
    }
    if (kind === 'fix') {
      const f = (step as Step).fix!
      return { status: 'string', check: this.commandSchema(f.check?.parse), verify: f.verify?.probe ? PROBE_FIELDS : this.commandSchema(f.verify?.parse) }
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
      const kind = this.kinds.get(name)!
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
      const kind = this.kinds.get(name)!
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
        step.next.forEach((t, i) => this.guard(env, [...path, 'next', i, 'if'], t.if))
      }
    }
    const noResult = rbEnv({})
    for (const [name, o] of Object.entries(this.outcomes)) {
      const outcome = o as { summary: string; evidence?: unknown[] }
      this.template(noResult, ['outcomes', name, 'summary'], outcome.summary)
      ;(outcome.evidence ?? []).forEach((ev, i) => {
        if (typeof ev === 'string') this.template(noResult, ['outcomes', name, 'evidence', i], ev)
        else if (ev && typeof ev === 'object') this.template(noResult, ['outcomes', name, 'evidence', i, 'contains'], (ev as { contains?: string }).contains)
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
      const problem = letNameProblem(d.name) ?? (outer.has(d.name) ? `'${d.name}' is already a let of the runbook: a step's let cannot hide it, give it another name` : null)
      if (problem) this.err('RB_LET_NAME', d.path, problem, { key: true })
      else named.push(d)
    }
    const { ordered, cycles } = orderLets(named)
    for (const c of cycles) {
      this.err('RB_LET_CYCLE', c.def.path, `let '${c.def.name}' reads itself: ${c.chain.join(' → ')}. A let may read other lets, but not in a circle: inline one of them`, { offset: c.offset })
    }
    for (const d of named) types.set(d.name, 'dyn')
    for (const d of ordered) {
      const result = freeIdentifiers(d.expr)?.get('result')
      if (result !== undefined) {
        this.err('RB_CEL_REFERENCE', d.path, `let '${d.name}' reads result, whose meaning changes from field to field (the step's result in next, the check's in apply): name the step, steps.<step>.result`, { offset: result })
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
    fix.apply.forEach((c, i) => this.template(inFix, [...path, 'apply', i], c, 'shell'))
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

  guard(env: CheckEnv, path: PathSegment[], expr: string | undefined): void {
    if (expr === undefined) return
    const problem = env.check(expr)
    if (problem) this.celError(path, expr, problem, 0)
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
        this.err('RB_QUOTED_INTERPOLATION', path, `${shown} sits inside ${q.context}: ${quotedInterpolationAdvice(q.context)}`, { offset: q.offset })
      }
    }
    for (const seg of parsed) {
      if (!('expr' in seg)) continue
      const problem = env.check(seg.expr)
      if (problem) this.celError(path, seg.expr, problem, seg.offset)
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
    if (owner !== undefined) return `${what}: it is a let of step '${owner}', which only that step sees; move it to the runbook's let: to share it`
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
  if (op !== '+' && (at === 'int' || at === 'double') && bt === 'string' && inner !== undefined && /^-?\d+(\.\d+)?$/.test(inner)) return `compare with ${inner}`
  if (at === 'bool' && bt === 'string' && (inner === 'true' || inner === 'false')) return `compare with ${inner}`
  if (at === 'string' && (bt === 'int' || bt === 'double') && /^[<>]=?$/.test(op)) return `convert with ${bt}(${a.text})`
  if (at === 'string' && (bt === 'int' || bt === 'double') && /^-?\d+(\.\d+)?$/.test(b.text)) return op === '+' ? `write "${b.text}", or convert with string(${b.text})` : `compare with "${b.text}"`
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
