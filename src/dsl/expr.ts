/**
 * CEL guards and `${{ }}` templates. The only file that imports the CEL library.
 *
 * Why CEL and @marcbachmann/cel-js: CEL is non-Turing-complete and side-effect free (the language of
 * Kubernetes and Envoy policies), so a guard can never hang a run or touch the host. This
 * implementation has zero dependencies, a type checker (used at validation time to reject references
 * to unknown params, steps and parser fields with their position) and compiles an expression once
 * into a callable.
 */
import { Environment, ParseError } from '@marcbachmann/cel-js'
import { RunbookError } from '../errors.ts'
import { quote } from '../shared/quote.ts'
import { MAP_VALUES, type FieldSchema, type FieldType } from '../parsers/registry.ts'

/** The variables every expression sees. */
export interface ExprScope {
  params: Record<string, unknown>
  result?: unknown
  steps: Record<string, unknown>
  facts: Record<string, unknown>
}

export type Segment = { text: string } | { expr: string; offset: number }

/** Split `a ${{ x }} b` into text and expression segments. `offset` is where the CEL text starts. */
export function parseTemplate(template: string): Segment[] | { error: string; offset: number } {
  const out: Segment[] = []
  let i = 0
  while (i < template.length) {
    const open = template.indexOf('${{', i)
    if (open === -1) {
      out.push({ text: template.slice(i) })
      break
    }
    if (open > i) out.push({ text: template.slice(i, open) })
    const close = template.indexOf('}}', open + 3)
    if (close === -1) return { error: "unclosed '${{': add the closing '}}'", offset: open }
    // `${{ a : ... ${{ b }}`: the first one is not closed before the next one opens.
    if (opensAgain(template, open + 3, close)) return { error: "unclosed '${{': add the closing '}}' before the next '${{'", offset: open }
    const raw = template.slice(open + 3, close)
    const lead = raw.length - raw.trimStart().length
    if (raw.trim() === '') return { error: "empty '${{ }}'", offset: open }
    out.push({ expr: raw.trim(), offset: open + 3 + lead })
    i = close + 2
  }
  return out
}

/** Whether a `${{` outside CEL string quotes starts between `from` and `to`. */
function opensAgain(template: string, from: number, to: number): boolean {
  let quote: string | null = null
  for (let i = from; i < to; i++) {
    const c = template[i]!
    if (quote) {
      if (c === '\\') i++
      else if (c === quote) quote = null
    } else if (c === '"' || c === "'") {
      quote = c
    } else if (template.startsWith('${{', i)) {
      return true
    }
  }
  return false
}

export function hasTemplate(text: string): boolean {
  return text.includes('${{')
}

/**
 * Type-checking environments for validation. Params have the CEL type of their declared type,
 * parser fields the type their parser declares (`'map'` and `'dyn'` stay dyn), and a list whose
 * parser declares its element shape (`rules: [{ source: 'string' }]`) is a list of a named type,
 * so `result.rules.exists(r, r.sourse == ...)` and `params.port == "22"` are errors here.
 *
 * Why it is built this way: cel-js registers every object type of a schema with a `type()` overload
 * and checks each new overload against all earlier ones, so registering a schema with a type per
 * step costs time quadratic in the number of steps (5,000 steps took seconds, 20,000 minutes).
 * Here each distinct step *shape* (its status/result/output/error fields) is registered once, as a
 * named type in the base environment; each distinct `result` shape gets one clone of the base; and
 * an expression is checked in a clone of that with a `steps` variable holding only the steps it
 * names, each typed by its shape: one small type per expression. A name that is not a step stays
 * out, so the checker reports it ("No such key") as it would with every step registered. List
 * element shapes are few (one or two per parser) and each is registered once per environment.
 */
export class CheckScope {
  readonly #base: Environment
  /** Step name → the registered type of its shape. */
  readonly #stepType = new Map<string, string>()
  readonly #byResult = new Map<string, { env: Environment; check: CheckEnv }>()
  readonly #envs = new Map<string, Environment>()
  /** List element shape → the name of its type registered in the base environment. */
  readonly #baseItems = new Map<string, string>()
  #itemCount = 0
  /** Registered object type → its field names, for "did you mean" (cel-js names nested types `T.field`). */
  readonly #fields = new Map<string, string[]>()
  /**
   * @param scope.params param name → CEL type (`string`, `int`, `bool`; `dyn` when unknown)
   * @param scope.steps step name → the fields of its record
   */
  constructor(scope: { params: Record<string, string>; steps: FieldSchema }) {
    const params = Object.fromEntries(Object.entries(scope.params).map(([k, t]) => [k, celLeaf(t)]))
    this.#base = new Environment({ homogeneousAggregateLiterals: false, enableOptionalTypes: true })
      .registerVariable({ name: 'params', schema: params })
      .registerVariable('facts', 'dyn')
    recordFields(this.#fields, '$params', params)
    // At run time ints and doubles compare equal by value (`1 == 1.0` is true); relational
    // operators already mix them. Only strings, bools and ints meeting are type errors.
    this.#base.registerOperator('int == double', (a: unknown, b: unknown) => a == b) // eslint-disable-line eqeqeq
    const items = this.#items(this.#base, this.#baseItems)
    const shapes = new Map<string, string>()
    for (const [name, schema] of Object.entries(scope.steps)) {
      const shape = typeof schema === 'string' || Array.isArray(schema) ? celType(schema, items) : celSchema(schema as FieldSchema, items)
      const key = JSON.stringify(shape)
      let type = shapes.get(key)
      if (!type) {
        type = typeof shape === 'string' ? shape : `RbStepShape${shapes.size}`
        if (typeof shape !== 'string') {
          this.#base.registerType({ name: type, schema: shape })
          recordFields(this.#fields, type, shape)
        }
        shapes.set(key, type)
      }
      this.#stepType.set(name, type)
    }
  }

  /** Registers list element types in `env` on first use: shape key → type name. */
  #items(env: Environment, own: Map<string, string>): (shape: FieldSchema) => string {
    const register = (shape: FieldSchema): string => {
      const cel = celSchema(shape, register)
      const key = JSON.stringify(cel)
      let name = this.#baseItems.get(key) ?? own.get(key)
      if (!name) {
        name = `RbItem${this.#itemCount++}`
        env.registerType({ name, schema: cel })
        recordFields(this.#fields, name, cel)
        own.set(key, name)
      }
      return name
    }
    return register
  }

  /** The environment for expressions that see `result` of this shape (null: anything). */
  env(result: FieldSchema | null): CheckEnv {
    const key = JSON.stringify(result)
    let entry = this.#byResult.get(key)
    if (!entry) {
      const e = this.#base.clone()
      const own = new Map<string, string[]>()
      let env = e
      if (result === null) env = e.registerVariable('result', 'dyn')
      else {
        const schema = celSchema(result, this.#items(e, new Map()))
        env = e.registerVariable({ name: 'result', schema })
        recordFields(own, '$result', schema)
      }
      entry = {
        env,
        check: new CheckEnv(
          (expr) => this.#withSteps(key, env, expr),
          (type) => own.get(type) ?? this.#fields.get(type),
        ),
      }
      this.#byResult.set(key, entry)
    }
    return entry.check
  }

  #withSteps(resultKey: string, resultEnv: Environment, expr: string): Environment {
    const named = stepsNamed(expr)
    const known = named === 'all' ? [...this.#stepType.keys()] : named.filter((n) => this.#stepType.has(n))
    const types = new Set(known.map((n) => this.#stepType.get(n)!))
    // Every step it names exists and has one shape: `steps` as a map of that shape checks the same
    // fields, and the environment is shared by all expressions of that (result, step) shape pair.
    const byShape = named !== 'all' && known.length === named.length && types.size === 1
    const key = byShape ? `${resultKey}|map:${[...types][0]}` : `${resultKey}|${known.join(',')}`
    let env = this.#envs.get(key)
    if (!env) {
      env = byShape
        ? resultEnv.clone().registerVariable('steps', `map<string, ${[...types][0]}>`)
        : resultEnv.clone().registerVariable({ name: 'steps', schema: Object.fromEntries(known.map((n) => [n, this.#stepType.get(n)!])) })
      // Expressions that name several steps of different shapes (or a step that does not exist)
      // get an environment of their own: keep the cache small rather than complete.
      if (this.#envs.size >= 256) this.#envs.clear()
      this.#envs.set(key, env)
    }
    return env
  }
}

/**
 * The step names an expression reads as `steps.<name>`, sorted; 'all' when it uses `steps` any
 * other way (`steps["x"]`, `steps` alone), which needs every step to check.
 */
export function stepsNamed(expr: string): string[] | 'all' {
  const names = new Set<string>()
  for (const m of expr.matchAll(/\bsteps\b(\s*\.\s*([A-Za-z_]\w*))?/g)) {
    if (m[2] === undefined) return 'all'
    names.add(m[2])
  }
  return [...names].sort()
}

/** What the checker found wrong with an expression; offsets are in the expression's text. */
export interface CheckProblem {
  message: string
  offset: number
  syntax: boolean
  /** An unknown field: the fields its object has, when the checker knows them. */
  known?: string[]
  /** Two operands whose types no operator takes (`int == string`). */
  operands?: { op: string; left: Operand; right: Operand }
  /** A variable that is not in scope (`foo` where no `let` or root of that name exists). */
  unknownName?: string
}

export interface Operand {
  text: string
  type: string
}

interface AstNode {
  op: string
  args?: unknown
  start?: number
  end?: number
  checkedType?: { name: string }
}

export class CheckEnv {
  constructor(
    readonly envFor: (expr: string) => Environment,
    readonly fieldsOf: (type: string) => string[] | undefined = () => undefined,
  ) {}

  /** Null when fine; else the message, its offset in `expr`, and whether it is a syntax error. */
  check(expr: string): CheckProblem | null {
    return this.infer(expr).problem
  }

  /**
   * This environment plus `let` names as variables of the given CEL types (`list<RbItem0>`,
   * `string`, ...), each registered only for the expressions that name it.
   */
  withLets(types: ReadonlyMap<string, string>): CheckEnv {
    if (types.size === 0) return this
    // One per (environment, let scope): validation asks for it once per field.
    const known = this.#withLets.get(types)
    if (known) return known
    const cache = new WeakMap<Environment, Map<string, Environment>>()
    const withLets = new CheckEnv((expr) => {
      const base = this.envFor(expr)
      const used = [...(freeIdentifiers(expr)?.keys() ?? [])].filter((n) => types.has(n)).sort()
      if (used.length === 0) return base
      const key = used.map((n) => `${n}:${types.get(n)}`).join(',')
      const byKey = cache.get(base) ?? cache.set(base, new Map()).get(base)!
      let env = byKey.get(key)
      if (!env) {
        env = base.clone()
        for (const n of used) {
          try {
            env.registerVariable(n, types.get(n)!)
          } catch {
            // A type the checker cannot name again (it came from another environment): dyn.
            env.registerVariable(n, 'dyn')
          }
        }
        byKey.set(key, env)
      }
      return env
    }, this.fieldsOf)
    this.#withLets.set(types, withLets)
    return withLets
  }

  readonly #withLets = new WeakMap<ReadonlyMap<string, string>, CheckEnv>()

  /** The problem (null when fine) and, when fine, the CEL type of the expression (`dyn` if unknown). */
  infer(expr: string): { problem: CheckProblem | null; type: string } {
    const env = this.envFor(expr)
    try {
      env.parse(expr)
    } catch (err) {
      if (err instanceof ParseError)
        return { problem: { message: syntaxHint(summary(err), expr, rangeStart(err)), offset: rangeStart(err), syntax: true }, type: 'dyn' }
      throw err
    }
    const { text, original } = nullComparisons(expr)
    const result = env.check(text)
    if (result.valid) return { problem: null, type: result.type ?? 'dyn' }
    const error = result.error as { message: string; code?: string; range?: { start: number }; node?: AstNode } | undefined
    const problem: CheckProblem = { message: summary(error), offset: original(error?.range?.start ?? 0), syntax: false }
    const node = error?.node
    const args = Array.isArray(node?.args) ? (node.args as unknown[]) : []
    const [left, right] = args as [AstNode | string | undefined, AstNode | string | undefined]
    if (error?.code === 'no_such_key' && node?.op === '.' && typeof left === 'object' && left.checkedType) {
      const known = this.fieldsOf(left.checkedType.name)
      if (known) problem.known = known
    }
    const types = /^no such overload: (\S+) (\S+) (\S+)$/.exec(problem.message)
    if (
      error?.code === 'no_such_overload' &&
      types &&
      typeof left === 'object' &&
      typeof right === 'object' &&
      left.start !== undefined &&
      right.end !== undefined
    ) {
      const operand = (n: AstNode, type: string): Operand => ({ text: expr.slice(original(n.start!), original(n.end!)).trim(), type })
      problem.operands = { op: types[2]!, left: operand(left, types[1]!), right: operand(right, types[3]!) }
    }
    if (error?.code === 'unknown_variable' && typeof node?.args === 'string') problem.unknownName = node.args
    return { problem, type: 'dyn' }
  }
}

// A parser that only reads ASTs: every identifier is fine to it.
const astEnv = new Environment({ unlistedVariablesAreDyn: true, homogeneousAggregateLiterals: false, enableOptionalTypes: true })

/** Macros whose leading arguments are variables bound in their last argument (`l.exists(x, x > 1)`). */
const BINDING_MACROS = new Set(['all', 'exists', 'exists_one', 'existsOne', 'filter', 'map', 'transformList', 'transformMap', 'sortBy'])

/**
 * The names an expression reads as variables (not fields, not functions, not macro variables),
 * each with the offset of its first use; null when the expression does not parse.
 *
 * @example freeIdentifiers('xs.exists(x, x == y)') // Map { 'xs' => 0, 'y' => 18 }
 */
export function freeIdentifiers(source: string): Map<string, number> | null {
  let ast: unknown
  try {
    ast = astEnv.parse(source).ast
  } catch {
    return null
  }
  const out = new Map<string, number>()
  const walk = (node: unknown, bound: ReadonlySet<string>): void => {
    if (Array.isArray(node)) {
      for (const n of node) walk(n, bound)
      return
    }
    if (node === null || typeof node !== 'object' || !('op' in node)) return
    const { op, args, start } = node as { op: string; args: unknown; start?: number }
    if (op === 'id' && typeof args === 'string') {
      if (!bound.has(args) && !out.has(args)) out.set(args, start ?? 0)
      return
    }
    if (op === 'rcall' && Array.isArray(args) && BINDING_MACROS.has(args[0] as string) && Array.isArray(args[2])) {
      const margs = args[2] as Array<{ op?: string; args?: unknown }>
      const vars = margs
        .slice(0, -1)
        .filter((a) => a?.op === 'id')
        .map((a) => a.args as string)
      walk(args[1], bound)
      const inner = new Set([...bound, ...vars])
      for (const a of margs.slice(vars.length)) walk(a, inner)
      return
    }
    walk(args, bound)
  }
  walk(ast, new Set())
  return out
}

/**
 * The checker types params and parser fields (`string`, `int`, objects as their own types), which
 * CEL cannot compare with null (`result.lastResponding == null`: "no such overload"), though at
 * run time everything is dyn, a field may be null and the comparison works. For checking only, `a.b == null` becomes the equivalent
 * `type(a.b) == null_type`; `original` maps offsets in the rewritten text back to `expr`.
 */
export function nullComparisons(expr: string): { text: string; original(offset: number): number } {
  const shifts: Array<{ at: number; delta: number }> = []
  let text = ''
  let last = 0
  // Any member chain, not only the roots: inside a macro (`r.comment == null`) the chain starts
  // at its variable. A chain after a call (`a.b().c`) is left alone: it is not a whole operand.
  for (const m of expr.matchAll(/(?<![.\w])([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)\s*(==|!=)\s*null\b/g)) {
    const [whole, chain, op] = m as unknown as [string, string, string]
    const replacement = `type(${chain}) ${op} null_type`
    text += expr.slice(last, m.index) + replacement
    shifts.push({ at: text.length, delta: replacement.length - whole.length })
    last = (m.index ?? 0) + whole.length
  }
  text += expr.slice(last)
  return {
    text,
    original: (offset) => {
      // Inside `type(` the chain starts 5 characters later than in the source.
      let o = offset
      for (const sh of shifts) if (offset >= sh.at) o -= sh.delta
      return Math.max(0, Math.min(expr.length, o))
    },
  }
}

function summary(err: { message: string; summary?: string } | undefined): string {
  if (!err) return 'invalid expression'
  return (err.summary ?? err.message.split('\n')[0] ?? err.message).trim()
}

/** What an author coming from another language (SQL, JavaScript, Python, shell) most likely meant. */
function syntaxHint(message: string, expr: string, offset: number): string {
  if (/^Unexpected character: =$/.test(message)) return `${message} (CEL compares with == and !=)`
  if (/^Unexpected character: `$/.test(message)) return `${message} (CEL strings are in double or single quotes)`
  const word = /^(and|or|not)\b/.exec(expr.slice(offset))?.[1]
  if (word) return `${message}: '${word}' is not CEL; its logical operators are &&, || and !`
  return message
}

function rangeStart(err: unknown): number {
  const range = (err as { range?: { start: number } }).range
  return range?.start ?? 0
}

/**
 * A parser's field schema as a cel-js schema. Leaves keep their CEL type; `list` is a list of dyn,
 * `[shape]` a list of the registered element type; `map`, `dyn`, unknown names and empty objects
 * are dyn (maps are keyed by whatever the parser met: their fields cannot be checked).
 */
export function celSchema(schema: FieldSchema, item: (shape: FieldSchema) => string): CelSchema {
  const out: CelSchema = {}
  for (const [k, v] of Object.entries(schema)) {
    if (typeof v === 'string' || Array.isArray(v)) out[k] = celType(v, item)
    else out[k] = Object.keys(v).length === 0 || MAP_VALUES in v ? 'dyn' : celSchema(v as FieldSchema, item)
  }
  return out
}

function celType(field: FieldType, item: (shape: FieldSchema) => string): string {
  if (Array.isArray(field)) return Object.keys(field[0]).length === 0 ? 'list<dyn>' : `list<${item(field[0])}>`
  return typeof field === 'string' ? celLeaf(field) : 'dyn'
}

/** Field names of a registered type and of the nested types cel-js registers for it (`T.field`). */
function recordFields(into: Map<string, string[]>, name: string, schema: CelSchema): void {
  into.set(name, Object.keys(schema))
  for (const [k, v] of Object.entries(schema)) if (typeof v === 'object') recordFields(into, `${name}.${k}`, v)
}

export interface CelSchema {
  [field: string]: string | CelSchema
}

const LEAVES = new Set(['string', 'int', 'double', 'bool'])
function celLeaf(type: string): string {
  if (LEAVES.has(type)) return type
  const list = /^list<(.+)>$/.exec(type)
  if (list) return `list<${celLeaf(list[1]!)}>`
  return type.startsWith('list') ? 'list<dyn>' : 'dyn'
}

// One shared runtime environment: every variable is dyn; checking already happened at load time.
const runtimeEnv = new Environment({ unlistedVariablesAreDyn: true, homogeneousAggregateLiterals: false, enableOptionalTypes: true })

export interface Expr {
  source: string
  evaluate(scope: ExprScope): unknown
}

type CelFn = (ctx: Record<string, unknown>) => unknown

/** A compiled `let`: evaluated where it is used, in the scope of that use, before the expression. */
export interface Let {
  readonly name: string
  readonly source: string
  /** Every let it reads, directly or through others, in the order to evaluate them; itself last. */
  readonly chain: readonly Let[]
  readonly fn: CelFn
}

/** The `let` names an expression can read. */
export type Lets = ReadonlyMap<string, Let>

const NO_LETS: Lets = new Map()

function parseRuntime(source: string, what = 'CEL'): CelFn {
  try {
    return runtimeEnv.parse(source) as unknown as CelFn
  } catch (err) {
    throw new RunbookError('RB_CEL_SYNTAX', `invalid ${what} ${JSON.stringify(source)}: ${summary(err as Error)}`, { cause: err })
  }
}

/**
 * Compiles `let` definitions once, in dependency order (validation ordered them and refused
 * cycles), on top of the lets of an enclosing scope (a step's lets see the runbook's).
 *
 * @example
 * const lets = compileLets([{ name: 'big', expr: 'params.n > 10' }])
 * compileExpr('big && params.on', lets).evaluate(scope)
 */
export function compileLets(defs: ReadonlyArray<{ name: string; expr: string }>, outer: Lets = NO_LETS): Lets {
  const out = new Map(outer)
  for (const d of defs) {
    const fn = parseRuntime(d.expr, `let '${d.name}'`)
    const chain: Let[] = [...chainOf(d.expr, out)]
    const self: Let = { name: d.name, source: d.expr, chain, fn }
    chain.push(self)
    out.set(d.name, self)
  }
  return out
}

/** The lets `source` reads, with everything they read first, each once. */
function chainOf(source: string, lets: Lets): Set<Let> {
  const chain = new Set<Let>()
  if (lets.size === 0) return chain
  for (const name of freeIdentifiers(source)?.keys() ?? []) {
    for (const l of lets.get(name)?.chain ?? []) chain.add(l)
  }
  return chain
}

/** Adds the values of `chain` to a CEL context (values stay in CEL form: ints as bigints). */
function bindLets(ctx: Record<string, unknown>, chain: Iterable<Let>, scope: ExprScope): Record<string, unknown> {
  for (const l of chain) {
    if (l.name in ctx) continue
    try {
      ctx[l.name] = l.fn(ctx)
    } catch (err) {
      const types = valueTypes(l.source, scope)
      throw new RunbookError(
        'RB_CEL_EVAL',
        `evaluating let '${l.name}' (${JSON.stringify(l.source)}): ${summary(err as Error)}${types.length > 0 ? ` (values: ${types.join(', ')})` : ''}`,
        {
          cause: err,
          detail: { expr: l.source, let: l.name, types },
        },
      )
    }
  }
  return ctx
}

/** Compile once, evaluate many. Throws RB_CEL_SYNTAX (validation normally caught it earlier). */
export function compileExpr(source: string, lets: Lets = NO_LETS): Expr {
  const run = compileRun(source, lets)
  return { source, evaluate: (scope) => run(toCelScope(scope), scope) }
}

/**
 * The expression as a function of a CEL context that may be shared: the lets it reads are added
 * to it, once, so the segments of one template evaluate a let they share once.
 */
function compileRun(source: string, lets: Lets): (ctx: Record<string, unknown>, scope: ExprScope) => unknown {
  const fn = parseRuntime(source)
  const chain = chainOf(source, lets)
  return (ctx, scope) => {
    bindLets(ctx, chain, scope)
    try {
      return fromCel(fn(ctx))
    } catch (err) {
      const types = valueTypes(source, scope)
      throw new RunbookError(
        'RB_CEL_EVAL',
        `evaluating ${JSON.stringify(source)}: ${summary(err as Error)}${types.length > 0 ? ` (values: ${types.join(', ')})` : ''}`,
        {
          cause: err,
          detail: { expr: source, types },
        },
      )
    }
  }
}

/** A guard: must evaluate to a bool. */
export function evaluateGuard(expr: Expr, scope: ExprScope): boolean {
  const value = expr.evaluate(scope)
  if (typeof value !== 'boolean') {
    throw new RunbookError('RB_CEL_EVAL', `guard ${JSON.stringify(expr.source)} gave a ${typeName(value)}, not true or false`, {
      detail: { expr: expr.source, types: valueTypes(expr.source, scope) },
    })
  }
  return value
}

/** A value's type as CEL names it; lists with their length, as an index past the end is a common failure. */
function typeName(value: unknown): string {
  if (value === null || value === undefined) return 'null'
  if (Array.isArray(value)) return `list of ${value.length}`
  if (typeof value === 'bigint') return 'int'
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'double'
  if (typeof value === 'string') return 'string'
  if (typeof value === 'boolean') return 'bool'
  return 'map'
}

/**
 * The types (never the values: they may be secret) of what an expression reads from its scope,
 * for error messages: `result.lines[0]: string`, `result.x: null (no field y)`. Method calls
 * (`.exists(`) are not fields; macro variables are not in the scope and are skipped.
 */
export function valueTypes(source: string, scope: ExprScope): string[] {
  const code = source.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
  const out = new Set<string>()
  for (const m of code.matchAll(/(?<![.\w])(params|result|steps|facts)\b((?:\s*\.\s*[A-Za-z_]\w*\b(?!\s*\()|\s*\[\s*\d+\s*\])*)/g)) {
    let value: unknown = (scope as unknown as Record<string, unknown>)[m[1]!]
    let path = m[1]!
    let missing = ''
    for (const seg of m[2]!.matchAll(/\.\s*([A-Za-z_]\w*)|\[\s*(\d+)\s*\]/g)) {
      const index = seg[2] === undefined ? undefined : Number(seg[2])
      const field = seg[1]
      const next =
        index !== undefined
          ? Array.isArray(value)
            ? (value[index] as unknown)
            : undefined
          : value !== null && typeof value === 'object' && !Array.isArray(value) && field! in value
            ? (value as Record<string, unknown>)[field!]
            : undefined
      if (next === undefined) {
        missing = index !== undefined ? ` (no [${index}])` : ` (no field ${field})`
        break
      }
      value = next
      path += index !== undefined ? `[${index}]` : `.${field}`
    }
    out.add(`${path}: ${typeName(value)}${missing}`)
  }
  return [...out]
}

export interface Template {
  source: string
  /** `shell`: interpolated values are shell-quoted (lists become several quoted words). */
  render(scope: ExprScope, mode: 'text' | 'shell'): string
}

export function compileTemplate(source: string, lets: Lets = NO_LETS): Template {
  const parsed = parseTemplate(source)
  if (!Array.isArray(parsed)) throw new RunbookError('RB_CEL_SYNTAX', `template ${JSON.stringify(source)}: ${parsed.error}`)
  const parts = parsed.map((s) => ('expr' in s ? compileRun(s.expr, lets) : s.text))
  return {
    source,
    render(scope, mode) {
      const ctx = toCelScope(scope)
      return parts.map((p) => (typeof p === 'string' ? p : mode === 'shell' ? shellWords(p(ctx, scope)) : textOf(p(ctx, scope)))).join('')
    },
  }
}

function shellWords(value: unknown): string {
  if (Array.isArray(value)) return value.map((v) => quote(textOf(v))).join(' ')
  return quote(textOf(value))
}

export function textOf(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value)
  if (Array.isArray(value)) return value.map(textOf).join(', ')
  return JSON.stringify(value)
}

/**
 * JS numbers are CEL doubles, so `result.total / 1024` would have no overload: integral numbers
 * become CEL ints (bigint). Converted objects are memoised: step records never change once stored.
 */
const celForm = new WeakMap<object, unknown>()
export function toCel(value: unknown): unknown {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : value
  if (value === null || typeof value !== 'object') return value
  const cached = celForm.get(value)
  if (cached !== undefined) return cached
  const out = Array.isArray(value) ? value.map(toCel) : Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toCel(v)]))
  celForm.set(value, out)
  return out
}

function toCelScope(scope: ExprScope): Record<string, unknown> {
  return { params: toCel(scope.params), result: toCel(scope.result), steps: lazyCel(scope.steps), facts: toCel(scope.facts) }
}

/**
 * `steps` grows with every step and is a fresh object per guard: converting it whole would make a
 * run quadratic in its length. A guard reads one or two steps, so convert on access.
 */
function lazyCel(steps: Record<string, unknown>): Record<string, unknown> {
  return new Proxy(steps, { get: (target, key) => (typeof key === 'string' ? toCel(target[key]) : undefined) })
}

/** CEL ints are bigints; results and templates want plain numbers. */
export function fromCel(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value)
  if (Array.isArray(value)) return value.map(fromCel)
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), fromCel(v)]))
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromCel(v)]))
  }
  return value
}

/**
 * Expressions over named variables of known shapes, outside runbooks (triggers.yaml: `alert`).
 * `check` reports problems as CheckEnv does; `typeOf` gives the checked type of a valid expression.
 *
 * @example
 * const c = new VarsChecker({ alert: { labels: 'map<string, string>' } })
 * c.typeOf("alert.labels.instance.split(':')[0]") // 'string'
 */
export class VarsChecker {
  readonly #env: Environment
  readonly #fields = new Map<string, string[]>()
  readonly check: CheckEnv
  constructor(variables: Record<string, string | CelSchema>) {
    let env = new Environment({ homogeneousAggregateLiterals: false, enableOptionalTypes: true })
    for (const [name, schema] of Object.entries(variables)) {
      env = typeof schema === 'string' ? env.registerVariable(name, schema) : env.registerVariable({ name, schema })
      if (typeof schema !== 'string') recordFields(this.#fields, `$${name}`, schema)
    }
    this.#env = env
    this.check = new CheckEnv(
      () => env,
      (type) => this.#fields.get(type),
    )
  }

  typeOf(expr: string): string | undefined {
    try {
      const r = this.#env.check(nullComparisons(expr).text) as { valid: boolean; type?: unknown }
      return r.valid ? String(r.type) : undefined
    } catch {
      return undefined
    }
  }
}

export interface VarsExpr {
  source: string
  /** Values are converted as for guards (integral numbers are CEL ints); the result back to JS. */
  evaluate(variables: Record<string, unknown>): unknown
}

/** Compile once, evaluate over any variables. Throws RB_CEL_SYNTAX; evaluation throws RB_CEL_EVAL. */
export function compileVarsExpr(source: string): VarsExpr {
  let fn: (ctx: Record<string, unknown>) => unknown
  try {
    fn = runtimeEnv.parse(source) as unknown as (ctx: Record<string, unknown>) => unknown
  } catch (err) {
    throw new RunbookError('RB_CEL_SYNTAX', `invalid CEL ${JSON.stringify(source)}: ${summary(err as Error)}`, { cause: err })
  }
  return {
    source,
    evaluate(variables) {
      try {
        return fromCel(fn(Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, toCel(v)]))))
      } catch (err) {
        throw new RunbookError('RB_CEL_EVAL', `evaluating ${JSON.stringify(source)}: ${summary(err as Error)}`, {
          cause: err,
          detail: { expr: source },
        })
      }
    },
  }
}
