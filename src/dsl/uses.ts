/**
 * `uses:` steps → ordinary run and fix steps, before the runbook's own checks run.
 *
 * An action's body reads its inputs as `inputs.<name>`. Expanding a use replaces each such
 * reference, inside the action's CEL, by the CEL of the value the step gives (`with:`): a
 * `${{ params.client_ip }}` value becomes `(params.client_ip)`, a literal becomes a CEL literal.
 * Values are still rendered and shell-quoted by the engine from what they evaluate to, so an
 * action whose text matches a pasted command renders exactly the same command: recorded
 * transcripts replay unchanged, and the engine never learns that actions exist. The expanded
 * runbook is then checked like any other (CEL types, read-only commands, access, parsers).
 *
 * What the step gives is checked here, at the `uses:` site: unknown action (did you mean), wrong
 * version, unknown input (did you mean), missing required input, a literal of the wrong type, a
 * param of another type.
 */
import { RunbookError } from '../errors.ts'
import {
  bodyStrings,
  celParts,
  describeInput,
  inputRefs,
  type Action,
  type ActionInput,
  type ActionLibrary,
  type BodyString,
} from './actions.ts'
import { hasTemplate, parseTemplate } from './expr.ts'
import type { PathSegment, SourceDoc } from './load.ts'
import { checkParam, describeType } from './params.ts'
import type { Command, Fix, Param, Runbook, Step } from './runbook.generated.ts'
import { closest } from './schema-errors.ts'

/** Which action a step was expanded from. */
export interface ActionUse {
  /** `ns/name@version`. */
  action: string
  file: string
  /** sha256 of the action file (a runbook's hash covers the actions it uses). */
  hash: string
  /** Keys of a fix action the step gave itself in its own fix: (summary, verify...). */
  overrides: string[]
  /**
   * Each input with the CEL that shows its value (given in with:, or its default) in a plan's
   * intent line; a list shows as its words, space-separated.
   */
  inputs: Array<{ name: string; cel: string }>
}

export interface Expansion {
  runbook: Runbook
  uses: ReadonlyMap<string, ActionUse>
  errors: RunbookError[]
}

const USES = /^([a-z0-9][a-z0-9-]*\/[a-z0-9][a-z0-9-]*)(?:@([0-9]+))?$/

export function expandUses(source: SourceDoc, rb: Runbook, library: ActionLibrary): Expansion {
  const steps = rb.steps as Record<string, Step>
  const errors: RunbookError[] = []
  const uses = new Map<string, ActionUse>()
  const out: Record<string, Step> = {}
  // Action files whose errors were reported already (a broken action used by several steps).
  const reported = new Set<object>()
  const expandStep = (base: PathSegment[], label: string, site: Step) => expandOne(source, rb, base, label, site, library, errors, reported)
  for (const [name, step] of Object.entries(steps)) {
    let s = step
    // A parallel command may use a run action too: recorded as `<step>.<command>`.
    if (step.parallel && Object.values(step.parallel).some((c) => c?.uses !== undefined)) {
      const parallel: Record<string, Command> = {}
      for (const [sub, cmd] of Object.entries(step.parallel)) {
        if (cmd?.uses === undefined) {
          parallel[sub] = cmd!
          continue
        }
        const expanded = expandStep(['steps', name, 'parallel', sub], `${name}.${sub}`, cmd as Step)
        parallel[sub] = (expanded?.step ?? stripUses(cmd as Step)) as Command
        if (expanded) uses.set(`${name}.${sub}`, expanded.use)
      }
      s = { ...step, parallel }
    }
    if (s.uses !== undefined) {
      const expanded = expandStep(['steps', name], name, s)
      s = expanded?.step ?? stripUses(s)
      if (expanded) uses.set(name, expanded.use)
    }
    // A fix's check may use a run action (the step's own, or one its fix action gives).
    if (s.fix?.check?.uses !== undefined) {
      const check = s.fix.check
      const expanded = expandStep(['steps', name, 'fix', 'check'], `${name} (check)`, check as Step)
      if (expanded) {
        const r = expanded.step
        const { uses: _u, with: _w, ...own } = check
        s = {
          ...s,
          fix: {
            ...s.fix,
            check: {
              ...own,
              run: r.run!,
              ...(r.readonly !== undefined ? { readonly: r.readonly } : {}),
              ...(r.parse !== undefined ? { parse: r.parse } : {}),
            },
          },
        }
        uses.set(`${name}.check`, expanded.use)
      }
    } else if (s.fix?.check && s.fix.check.run === undefined) {
      errors.push(
        source.error(
          'RB_SCHEMA',
          ['steps', name, 'fix', 'check'],
          `the check of step '${name}' needs run (a command) or uses (a run action)`,
        ),
      )
    }
    out[name] = s
  }
  return { runbook: { ...rb, steps: out }, uses, errors }
}

function stripUses(step: Step): Step {
  const { uses: _u, with: _w, ...rest } = step
  return rest
}

/** One use, at `base` (a step, or a command of a parallel step) named `name` in messages. */
function expandOne(
  source: SourceDoc,
  rb: Runbook,
  base: PathSegment[],
  name: string,
  step: Step,
  library: ActionLibrary,
  errors: RunbookError[],
  reported: Set<object>,
): { step: Step; use: ActionUse } | null {
  const at = (...rest: PathSegment[]): PathSegment[] => [...base, ...rest]
  const inParallel = base.length > 2
  const inCheck = base.at(-1) === 'check'
  const err = (path: PathSegment[], code: RunbookError['code'], message: string, key = false) =>
    errors.push(source.error(code, path, message, { key }))
  const m = USES.exec(step.uses!)
  if (!m) {
    err(at('uses'), 'RB_UNKNOWN_ACTION', `uses '${step.uses}' is not an action name: write <namespace>/<name>, optionally @<version>`)
    return null
  }
  const [, ref, pinned] = m as unknown as [string, string, string | undefined]
  const found = library.get(ref)
  if (!found) {
    const near = closest(ref, library.names())
    err(
      at('uses'),
      'RB_UNKNOWN_ACTION',
      `action '${ref}' does not exist${near ? `: did you mean '${near}'?` : ` (known: ${library.names().join(', ') || 'none'})`}`,
    )
    return null
  }
  if (!found.ok) {
    // The action's own errors, at their place in its file (once, however many steps use it), and
    // one here saying who asked.
    if (!reported.has(found)) errors.push(...found.errors)
    reported.add(found)
    err(at('uses'), 'RB_UNKNOWN_ACTION', `action '${ref}' has ${found.errors.length} error(s) in its file (listed with it): fix them first`)
    return null
  }
  const action = found.action
  if (pinned !== undefined && Number(pinned) !== action.version) {
    err(
      at('uses'),
      'RB_UNKNOWN_ACTION',
      `step '${name}' asks for ${ref}@${pinned}, but ${ref} is version ${action.version}: update the step to @${action.version} after checking what changed`,
    )
    return null
  }
  // A step that uses an action does what the action does.
  for (const other of ['run', 'probe', 'parallel'] as const) {
    if (step[other] !== undefined)
      err(at(other), 'RB_STEP_KIND', `step '${name}' uses ${ref} and has ${other}: a step does exactly one thing`, true)
  }
  if (step.parse !== undefined)
    err(at('parse'), 'RB_STEP_KIND', `step '${name}' uses ${ref}, whose outputs say how its result is parsed: remove parse`, true)
  if (step.fix !== undefined && !action.fix)
    err(at('fix'), 'RB_STEP_KIND', `${ref} is a run action: fix: applies only to a step using a fix action`, true)
  if (inParallel && action.fix)
    err(
      at('uses'),
      'RB_STEP_KIND',
      `${ref} is a fix action: ${inCheck ? 'a check' : 'a parallel command'} runs only read-only (run) actions`,
    )
  const values = inputValues(source, rb, base, step, action, errors)
  if (values === null || errors.length > 0) return null

  const body = substitute(action, values)
  const { uses: _u, with: _w, ...rest } = step
  let expanded: Step
  if (body.run) {
    const r = body.run
    expanded = {
      ...rest,
      run: r.run,
      ...(r.readonly !== undefined && step.readonly === undefined ? { readonly: r.readonly } : {}),
      ...(r.sudo !== undefined && step.sudo === undefined ? { sudo: r.sudo } : {}),
      ...(r.timeout !== undefined && step.timeout === undefined ? { timeout: r.timeout } : {}),
      ...(r.ok_exit !== undefined && step.ok_exit === undefined ? { ok_exit: r.ok_exit } : {}),
      ...(action.outputs.parser !== undefined ? { parse: action.outputs.parser } : {}),
    }
  } else {
    // The step's own fix keys win: a verify that knows the service, a summary in the runbook's words.
    const fix = { ...body.fix!, ...(step.fix ?? {}) } as Fix
    for (const field of ['summary', 'apply'] as const) {
      if (fix[field] === undefined)
        err(at('uses'), 'RB_SCHEMA', `${ref} gives no fix ${field}: add fix: { ${field}: ... } to step '${name}'`)
    }
    if (errors.length > 0) return null
    expanded = { ...rest, fix }
  }
  return {
    step: expanded,
    use: {
      action: action.id,
      file: action.source.file,
      hash: action.source.hash,
      overrides: Object.keys(step.fix ?? {}),
      inputs: [...values].map(([name, cel]) => ({
        name,
        cel: action.inputs[name]?.type === 'list' ? `(${cel}) == null ? '' : (${cel}).join(' ')` : cel,
      })),
    },
  }
}

/** The CEL of each input's value, checked against its declaration; null after an error. */
function inputValues(
  source: SourceDoc,
  rb: Runbook,
  base: PathSegment[],
  step: Step,
  action: Action,
  errors: RunbookError[],
): Map<string, string> | null {
  const given = (step.with ?? {}) as Record<string, string | number | boolean>
  const declared = action.inputs
  const before = errors.length
  const err = (path: PathSegment[], message: string, key = false) => errors.push(source.error('RB_ACTION_INPUT', path, message, { key }))
  for (const key of Object.keys(given)) {
    if (!(key in declared)) {
      const near = closest(key, Object.keys(declared))
      err(
        [...base, 'with', key],
        `${action.name} has no input '${key}'${near ? `: did you mean '${near}'?` : ` (inputs: ${Object.keys(declared).join(', ') || 'none'})`}`,
        true,
      )
    }
  }
  const out = new Map<string, string>()
  for (const [input, decl] of Object.entries(declared)) {
    const value = given[input]
    const path: PathSegment[] = [...base, 'with', input]
    if (value === undefined) {
      if (decl.default !== undefined) out.set(input, celLiteral(decl.default))
      else if (decl.required)
        err(
          [...base, step.with ? 'with' : 'uses'],
          `${action.name} needs input '${input}' (${describeInput(decl)}): ${decl.description}`,
          step.with !== undefined,
        )
      else out.set(input, 'null')
      continue
    }
    const problem = typeProblem(rb, decl, value)
    if (problem) {
      err(path, `input '${input}' of ${action.name} must be ${describeInput(decl)}: ${problem}`)
      continue
    }
    out.set(input, celOf(value))
  }
  return errors.length > before ? null : out
}

/** Why `value` cannot be the input, or null. Templates are checked when they name a param directly. */
function typeProblem(rb: Runbook, decl: ActionInput, value: string | number | boolean): string | null {
  if (decl.type === 'list')
    return typeof value === 'string' && /^\$\{\{[\s\S]*\}\}$/.test(value.trim())
      ? null
      : `a list comes from one \${{ }} expression (got ${JSON.stringify(value)})`
  if (typeof value === 'string' && hasTemplate(value)) {
    const only = /^\$\{\{\s*params\.([a-z_][a-z0-9_]*)\s*\}\}$/.exec(value)
    const param = only ? rb.params?.[only[1]!] : undefined
    if (!param || decl.type === 'string' || param.type === decl.type) return null
    return `params.${only![1]} is ${param.type} (${describeType(param)})`
  }
  return checkParam(decl as Param, value).ok ? null : `got ${JSON.stringify(value)}`
}

function celLiteral(value: string | number | boolean): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value)
}

/** The CEL of a `with:` value: a literal, one `${{ e }}` as `(e)`, or text and templates joined. */
function celOf(value: string | number | boolean): string {
  if (typeof value !== 'string' || !hasTemplate(value)) return celLiteral(value)
  const parts = parseTemplate(value)
  if (!Array.isArray(parts)) return celLiteral(value)
  if (parts.length === 1 && 'expr' in parts[0]!) return `(${parts[0].expr})`
  return `(${parts.map((p) => ('expr' in p ? `string(${p.expr})` : JSON.stringify(p.text))).join(' + ')})`
}

/** The action's body with every `inputs.<name>` replaced by the CEL of its value. */
function substitute(action: Action, values: ReadonlyMap<string, string>): { run?: Action['run']; fix?: Fix } {
  const body = structuredClone({ run: action.run, fix: action.fix })
  for (const s of bodyStrings(body)) setAt(body, s.path, replaceInputs(s, values))
  return body
}

function replaceInputs(s: BodyString, values: ReadonlyMap<string, string>): string {
  const parts = celParts(s)
  if (!Array.isArray(parts)) return s.value
  let text = s.value
  // From the end, so earlier offsets stay valid.
  const edits = parts.flatMap((p) =>
    inputRefs(p.expr).map((r) => ({ start: p.offset + r.start, end: p.offset + r.end, to: values.get(r.name) ?? 'null' })),
  )
  for (const e of edits.sort((a, b) => b.start - a.start)) text = text.slice(0, e.start) + e.to + text.slice(e.end)
  return text
}

function setAt(root: unknown, path: readonly PathSegment[], value: string): void {
  let node = root as Record<PathSegment, unknown>
  for (const seg of path.slice(0, -1)) node = node[seg] as Record<PathSegment, unknown>
  node[path.at(-1)!] = value
}
