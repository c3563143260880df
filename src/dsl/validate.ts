/**
 * Source → validated Runbook. Reports every error of a file at once, each at `file:line:col`:
 * YAML syntax, schema (schemas/runbook.schema.json, compiled by ajv ahead of time: schemas.ts), then the checks a
 * schema cannot express: step kinds, names, targets, reachability, paths to an outcome, CEL syntax
 * and references, param defaults, mutating commands outside fixes, parser names.
 */
import { dirname } from 'node:path'
import { RunbookError } from '../errors.ts'
import type { ParserRegistry } from '../parsers/registry.ts'
import { hasTemplate } from './expr.ts'
import type { LetDef } from './lets.ts'
import { loadSource, type PathSegment, type SourceDoc } from './load.ts'
import { readRunbookText } from './read.ts'
import { closest, schemaErrors } from './schema-errors.ts'
import { accessFileReason, accessReason } from './mutating.ts'
import { celTypeOf, checkParam, describeType } from './params.ts'
import { readOnlyProblems } from './readonly.ts'
import { SCHEMA_URLS, schemaValidator } from './schemas.ts'
import type { Fix, Runbook, Step } from './runbook.generated.ts'
import { ExpressionChecker } from './validate-expressions.ts'
import { actionDirs, createActionLibrary, type ActionLibrary } from './actions.ts'
import { expandUses, type ActionUse } from './uses.ts'
import type { StepKind } from '../types.ts'

export { typeMismatch } from './validate-expressions.ts'

export const RUNBOOK_SCHEMA_URL = SCHEMA_URLS.runbook

/** The step kinds (types.ts StepKind): one list for the validator, the compiled machine and the views. */
export type StepKindName = StepKind

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
  /** Steps expanded from an action (`uses:`), with the action's `ns/name@version`. */
  uses: ReadonlyMap<string, ActionUse>
}

export interface ValidateOptions {
  /** Where `uses:` finds actions. Default: actions next to the runbook, on RUNBOOK_PATH, then the shipped ones. */
  actions?: ActionLibrary
}

export type ValidationResult = { ok: true; value: ValidRunbook } | { ok: false; errors: RunbookError[] }

export function validateFile(file: string, parsers: ParserRegistry, options: ValidateOptions = {}): ValidationResult {
  let text: string
  try {
    // Refuses devices, FIFOs, oversized files and files that are not runbooks, quoting none of them.
    text = readRunbookText(file)
  } catch (err) {
    if (err instanceof RunbookError) return { ok: false, errors: [err] }
    throw err
  }
  return validateSource(file, text, parsers, options)
}

export function validateSource(file: string, text: string, parsers: ParserRegistry, options: ValidateOptions = {}): ValidationResult {
  const source = loadSource(file, text)
  if (source.errors.length > 0) return { ok: false, errors: source.errors }
  if (source.data === null || typeof source.data !== 'object' || Array.isArray(source.data)) {
    return {
      ok: false,
      errors: [source.error('RB_SCHEMA', [], 'a runbook must be a YAML mapping with apiVersion, name, summary, steps and outcomes')],
    }
  }
  const validate = schemaValidator('runbook')
  if (!validate(source.data)) return { ok: false, errors: schemaErrors(source, validate.errors ?? []) }
  // Actions are expanded before the semantic checks, which then see ordinary run and fix steps.
  const expansion = expandUses(source, source.data as Runbook, options.actions ?? createActionLibrary(actionDirs([dirname(file)]), parsers))
  if (expansion.errors.length > 0) return { ok: false, errors: expansion.errors }
  return new Checker(source, expansion.runbook, parsers, expansion.uses).run()
}

// ---------------------------------------------------------------------------------------------
// Semantic checks

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

  constructor(
    readonly source: SourceDoc,
    readonly rb: Runbook,
    readonly parsers: ParserRegistry,
    readonly uses: ReadonlyMap<string, ActionUse> = new Map(),
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
    const lets = new ExpressionChecker(this.rb, this.parsers, (s) => this.kinds.get(s)!, this.err.bind(this)).run()
    if (this.errors.length > 0) {
      this.errors.sort((a, b) => (a.pos?.line ?? 0) - (b.pos?.line ?? 0) || (a.pos?.col ?? 0) - (b.pos?.col ?? 0))
      return { ok: false, errors: this.errors }
    }
    const kinds = this.kinds
    return {
      ok: true,
      value: { source: this.source, runbook: this.rb, stepNames: this.names, start, kindOf: (s) => kinds.get(s)!, lets, uses: this.uses },
    }
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
          this.err(
            'RB_PARAM_DEFAULT',
            ['params', name, 'default'],
            `default ${JSON.stringify(p.default)} of param '${name}' is not ${describeType(p)}`,
          )
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
      this.err('RB_STEP_KIND', [...path, actions[1]!], `step '${name}' has both ${actions.join(' and ')}: a step does exactly one thing`, {
        key: true,
      })
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
        this.err(
          'RB_UNKNOWN_PARSER',
          at,
          `parser '${p}' is not registered${near ? `: did you mean '${near}'?` : ` (known: ${this.parsers.names().join(', ')})`}`,
        )
      }
    }
    parserAt(step.parse, [...path, 'parse'])
    for (const [sub, cmd] of Object.entries(step.parallel ?? {})) parserAt(cmd?.parse, [...path, 'parallel', sub, 'parse'])
    parserAt(step.fix?.check?.parse, [...path, 'fix', 'check', 'parse'])
    parserAt(step.fix?.verify?.parse, [...path, 'fix', 'verify', 'parse'])
    // What the command line shows its parser cannot read, or would read wrong (du -sb: bytes as KiB).
    const commandFor = (cmd: string | undefined, p: string | undefined, at: PathSegment[]) => {
      const problem = cmd !== undefined && p !== undefined ? this.parsers.get(p)?.checkCommand?.(cmd) : null
      if (problem) this.err('RB_PARSER_COMMAND', at, `step '${name}': ${problem.message} (parse: ${p})`, { offset: problem.offset })
    }
    commandFor(step.run, step.parse, [...path, 'run'])
    for (const [sub, cmd] of Object.entries(step.parallel ?? {})) commandFor(cmd?.run, cmd?.parse, [...path, 'parallel', sub, 'run'])
    commandFor(step.fix?.check?.run, step.fix?.check?.parse, [...path, 'fix', 'check', 'run'])
    commandFor(step.fix?.verify?.run, step.fix?.verify?.parse, [...path, 'fix', 'verify', 'run'])
    ;(step.fix?.preflight ?? []).forEach((p, i) => commandFor(p.run, p.parse, [...path, 'fix', 'preflight', i, 'run']))
    // Diagnostics must be provably read-only, or vouched for by their author.
    const readOnly = (cmd: string | undefined, vouched: string | undefined, at: PathSegment[]) => {
      if (cmd === undefined || vouched !== undefined) return
      for (const p of readOnlyProblems(cmd)) {
        this.err(
          'RB_MUTATING_OUTSIDE_FIX',
          at,
          `step '${name}': '${p.word}' ${p.why}. Diagnostics must be read-only: move it to fix.apply, or vouch for it with readonly: "<why it changes nothing>"`,
          { offset: p.offset },
        )
      }
    }
    readOnly(step.run, step.readonly, [...path, 'run'])
    for (const [sub, cmd] of Object.entries(step.parallel ?? {}))
      readOnly(cmd?.run, cmd?.readonly ?? step.readonly, [...path, 'parallel', sub, 'run'])
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
          this.err(
            'RB_NO_DEFAULT',
            [...path, 'next', i],
            `next entry ${i} of step '${name}' has no 'if' but is not the last: the entries after it can never be taken`,
          )
        }
      })
      if (next.at(-1)?.if !== undefined) {
        this.err('RB_NO_DEFAULT', [...path, 'next'], `next of step '${name}' has no default: end it with an entry without 'if'`, {
          key: true,
        })
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
        ...(fix.apply ?? []).map((c, i): [string, PathSegment[]] => [c, [...path, 'apply', i]]),
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
      if (fix.confirm_within !== undefined)
        this.err('RB_STEP_KIND', [...path, 'confirm_within'], `confirm_within only applies to fixes marked access: true`, { key: true })
    } else if ((fix.rollback ?? []).length === 0 && (fix.files ?? []).length === 0) {
      this.err(
        'RB_ACCESS_NO_REVERT',
        [...path, 'access'],
        `fix '${name}' can cut access but has no rollback and writes no files: give it a rollback so the host can revert by itself`,
        { key: true },
      )
    }
  }

  checkProbe(path: PathSegment[], probe: Record<string, unknown>): void {
    const kinds = ['tcp', 'ping', 'http'].filter((k) => probe[k] !== undefined)
    if (kinds.length !== 1)
      this.err('RB_STEP_KIND', path, `a probe needs exactly one of tcp, ping, http${kinds.length ? ` (has ${kinds.join(', ')})` : ''}`)
  }

  checkTargets(): void {
    for (const e of this.edges) {
      if (!(e.to in this.steps) && !(e.to in this.outcomes)) {
        this.err(
          'RB_UNKNOWN_TARGET',
          e.path,
          `step '${e.from}' goes to '${e.to}', which is neither a step nor an outcome${this.suggest(e.to)}`,
        )
      }
    }
    for (const [name, o] of Object.entries(this.outcomes)) {
      const evidence = (o as { evidence?: unknown[] }).evidence ?? []
      evidence.forEach((ev, i) => {
        if (ev && typeof ev === 'object' && 'step' in ev) {
          const s = (ev as { step: string }).step
          if (!(s in this.steps))
            this.err(
              'RB_UNKNOWN_TARGET',
              ['outcomes', name, 'evidence', i, 'step'],
              `evidence of outcome '${name}' names step '${s}', which does not exist${this.suggest(s)}`,
            )
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
      if (!seen.has(name))
        this.err('RB_UNREACHABLE_STEP', ['steps', name], `step '${name}' is unreachable: no transition from '${start}' leads to it`, {
          key: true,
        })
    }
    for (const name of Object.keys(this.outcomes)) {
      if (!seen.has(name))
        this.err('RB_UNREACHABLE_STEP', ['outcomes', name], `outcome '${name}' is unreachable: no step goes to it`, { key: true })
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
        this.err('RB_NO_OUTCOME_PATH', ['steps', name], `step '${name}' has no path to an outcome: every way out of it loops back`, {
          key: true,
        })
      }
    }
  }
}
