/**
 * Actions: reusable, typed step bodies in their own files (`actions/<namespace>/<name>.yaml`).
 * This file finds them, reads them and checks each one in its own file, so a mistake inside an
 * action is reported at the action's `file:line:col`, not at every runbook that uses it.
 * Expanding a `uses:` step into the action's body is uses.ts.
 * Checks them against their own schema (schemas/action.schema.json; validator from schemas.ts).
 *
 * Where actions are looked for, first of each name wins: `actions/` next to the runbook's folder
 * and inside it, the same for every RUNBOOK_PATH entry, then the actions shipped with runbook.
 */
import { existsSync, readdirSync, statSync } from 'node:fs'
import { basename, delimiter, dirname, extname, join, resolve } from 'node:path'
import { RunbookError } from '../errors.ts'
import { fileHeadMatches, INPUT_LIMITS, readRegularFile } from '../input.ts'
import type { ParserRegistry } from '../parsers/registry.ts'
import { freeIdentifiers, parseTemplate } from './expr.ts'
import { loadSource, type PathSegment, type SourceDoc } from './load.ts'
import { checkParam, describeType } from './params.ts'
import { readOnlyProblems } from './readonly.ts'
import type { Fix, OkExit, Param } from './runbook.generated.ts'
import { closest, schemaErrors } from './schema-errors.ts'
import { SCHEMA_URLS, schemaValidator } from './schemas.ts'
import { PACKAGE_ROOT } from '../version.ts'

export const SHIPPED_ACTIONS = join(PACKAGE_ROOT, 'actions', '/')
export const ACTION_SCHEMA_URL = SCHEMA_URLS.action

/** A typed input: a runbook param declaration with a description, or a list (of strings, from an expression). */
export type ActionInput = Omit<Pick<Param, 'type' | 'default' | 'pattern' | 'values' | 'min' | 'max' | 'required'>, 'type'> & {
  type: Param['type'] | 'list'
  description: string
}

/** What an input accepts, for messages and `runbook actions`. */
export function describeInput(input: ActionInput): string {
  return input.type === 'list' ? 'a list of strings (from a ${{ }} expression)' : describeType(input as Param)
}

export interface ActionOutputs {
  description: string
  parser?: string
  fields?: Record<string, string>
}

/** The body of a run action: a read-only command. */
export interface ActionRun {
  run: string
  readonly?: string
  sudo?: boolean
  timeout?: string
  ok_exit?: OkExit
}

/** One action file, checked. */
export interface Action {
  name: string
  version: number
  summary: string
  description?: string
  inputs: Record<string, ActionInput>
  outputs: ActionOutputs
  run?: ActionRun
  fix?: Fix
  /** `ns/name@version`: what transcripts and views name. */
  id: string
  source: SourceDoc
}

export type ActionResult = { ok: true; action: Action } | { ok: false; errors: RunbookError[] }

/** The actions a runbook can use, read and checked on first use. */
export interface ActionLibrary {
  names(): string[]
  /** Undefined when no file has this name. */
  get(name: string): ActionResult | undefined
  /** Every action, loaded (for `runbook actions`). */
  list(): Array<{ name: string; file: string; result: ActionResult }>
}

/**
 * The folders to look in, in order: for each runbook folder (the runbook's own, then each
 * RUNBOOK_PATH entry) its `actions/` and the `actions/` next to it, then the shipped actions.
 *
 * @example
 * actionDirs(['/team/runbooks'], {}) // ['/team/runbooks/actions', '/team/actions', '<runbook>/actions'] (those that exist)
 */
export function actionDirs(near: readonly string[], env: NodeJS.ProcessEnv = process.env): string[] {
  const roots = [
    ...near.map((d) => resolve(d)),
    ...(env.RUNBOOK_PATH ?? '')
      .split(delimiter)
      .filter(Boolean)
      .map((d) => resolve(d)),
  ]
  const dirs = [...roots.flatMap((r) => [join(r, 'actions'), join(r, '..', 'actions')]), SHIPPED_ACTIONS].map((d) => resolve(d))
  return [...new Set(dirs)].filter((d) => existsSync(d) && statSync(d).isDirectory())
}

/** `<dir>/<namespace>/<name>.yaml` for each dir, first of each `namespace/name` wins. */
export function listActionFiles(dirs: readonly string[]): Map<string, string> {
  const out = new Map<string, string>()
  for (const dir of dirs) {
    for (const ns of readdirSync(dir).sort()) {
      const nsDir = join(dir, ns)
      let names: string[]
      try {
        // A dangling link, a loop or a folder it may not read is no namespace: skipped, not a crash.
        if (!statSync(nsDir).isDirectory()) continue
        names = readdirSync(nsDir)
      } catch {
        continue
      }
      for (const f of names.sort()) {
        if (!['.yaml', '.yml'].includes(extname(f))) continue
        const name = `${ns}/${basename(f, extname(f))}`
        if (!out.has(name)) out.set(name, join(nsDir, f))
      }
    }
  }
  return out
}

const cache = new Map<string, { text: string; result: ActionResult }>()

/** A library over `dirs`. Each file is read once per content (cached by path and text). */
export function createActionLibrary(dirs: readonly string[], parsers: ParserRegistry): ActionLibrary {
  // Listed on first use: most runbooks use no action, and validating them reads no folder.
  let listed: Map<string, string> | undefined
  const fileMap = () => (listed ??= listActionFiles(dirs))
  const load = (file: string): ActionResult => {
    let text: string
    try {
      text = readRegularFile(file, INPUT_LIMITS.runbookBytes, { what: 'action', missing: 'RB_UNKNOWN_ACTION' })
    } catch (err) {
      if (err instanceof RunbookError) return { ok: false, errors: [err] }
      throw err
    }
    const hit = cache.get(file)
    if (hit && hit.text === text) return hit.result
    const result = validateActionSource(file, text, parsers)
    cache.set(file, { text, result })
    return result
  }
  return {
    names: () => [...fileMap().keys()].sort(),
    get: (name) => {
      const file = fileMap().get(name)
      return file === undefined ? undefined : load(file)
    },
    list: () => [...fileMap()].sort(([a], [b]) => a.localeCompare(b)).map(([name, file]) => ({ name, file, result: load(file) })),
  }
}

/** A top-level `apiVersion: runbook-action/<version>` line, quoted or not. */
const API_VERSION_LINE = /^apiVersion:[ \t]*["']?runbook-action\//m

/** Whether `file` is an action file (its first 64 KiB hold the apiVersion line); never opens a FIFO or device. */
export function isActionFile(file: string): boolean {
  return fileHeadMatches(file, API_VERSION_LINE)
}

/** One action file, read and checked on its own (`runbook validate actions/`). */
export function validateActionFile(file: string, parsers: ParserRegistry): ActionResult {
  let text: string
  try {
    text = readRegularFile(file, INPUT_LIMITS.runbookBytes, { what: 'action', missing: 'RB_UNKNOWN_ACTION' })
  } catch (err) {
    if (err instanceof RunbookError) return { ok: false, errors: [err] }
    throw err
  }
  return validateActionSource(file, text, parsers)
}

/** Where a template or CEL string sits in an action's body, and which it is. */
export interface BodyString {
  path: PathSegment[]
  value: string
  kind: 'template' | 'cel'
}

/** Every template and CEL expression of a run or fix body, with its path from the body's root. */
export function bodyStrings(body: { run?: ActionRun; fix?: Partial<Fix> }): BodyString[] {
  const out: BodyString[] = []
  const add = (path: PathSegment[], value: unknown, kind: BodyString['kind']) => {
    if (typeof value === 'string') out.push({ path, value, kind })
  }
  if (body.run) add(['run', 'run'], body.run.run, 'template')
  const f = body.fix
  if (f) {
    add(['fix', 'summary'], f.summary, 'template')
    add(['fix', 'host'], f.host, 'template')
    add(['fix', 'check', 'run'], f.check?.run, 'template')
    add(['fix', 'check', 'needed_if'], f.check?.needed_if, 'cel')
    f.apply?.forEach((c, i) => add(['fix', 'apply', i], c, 'template'))
    add(['fix', 'verify', 'run'], f.verify?.run, 'template')
    for (const k of ['tcp', 'ping', 'http'] as const) add(['fix', 'verify', 'probe', k], f.verify?.probe?.[k], 'template')
    add(['fix', 'verify', 'expect'], f.verify?.expect, 'cel')
    f.rollback?.forEach((c, i) => add(['fix', 'rollback', i], c, 'template'))
    f.preflight?.forEach((p, i) => {
      add(['fix', 'preflight', i, 'run'], p.run, 'template')
      add(['fix', 'preflight', i, 'expect'], p.expect, 'cel')
      add(['fix', 'preflight', i, 'message'], p.message, 'template')
    })
    f.files?.forEach((file, i) => {
      add(['fix', 'files', i, 'path'], file.path, 'template')
      add(['fix', 'files', i, 'content'], file.content, 'template')
    })
  }
  return out
}

/** The CEL expressions of a body string, each with its offset in the string. */
export function celParts(
  s: Pick<BodyString, 'value' | 'kind'>,
): Array<{ expr: string; offset: number }> | { error: string; offset: number } {
  if (s.kind === 'cel') return [{ expr: s.value, offset: 0 }]
  const parsed = parseTemplate(s.value)
  if (!Array.isArray(parsed)) return parsed
  return parsed.flatMap((p) => ('expr' in p ? [{ expr: p.expr, offset: p.offset }] : []))
}

const STRING_LITERAL = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g

/** Every `inputs.<name>` an expression reads, with the offset of `inputs` and the end of the name. */
export function inputRefs(expr: string): Array<{ name: string; start: number; end: number }> {
  const code = expr.replace(STRING_LITERAL, (m) => ' '.repeat(m.length))
  return [...code.matchAll(/(?<![\w.])inputs\s*\.\s*([A-Za-z_]\w*)/g)].map((m) => ({
    name: m[1]!,
    start: m.index,
    end: m.index + m[0].length,
  }))
}

const ROOTS_AN_ACTION_SEES = new Set(['inputs', 'result', 'facts'])

export function validateActionSource(file: string, text: string, parsers: ParserRegistry): ActionResult {
  const source = loadSource(file, text)
  if (source.errors.length > 0) return { ok: false, errors: source.errors }
  if (source.data === null || typeof source.data !== 'object' || Array.isArray(source.data)) {
    return {
      ok: false,
      errors: [
        source.error('RB_SCHEMA', [], 'an action must be a YAML mapping with apiVersion, name, version, summary, outputs and run or fix'),
      ],
    }
  }
  const validate = schemaValidator('action')
  if (!validate(source.data)) return { ok: false, errors: schemaErrors(source, validate.errors ?? []) }
  const a = source.data as Omit<Action, 'id' | 'source'>
  const errors: RunbookError[] = []
  const err = (code: RunbookError['code'], path: PathSegment[], message: string, options?: { key?: boolean; offset?: number }) =>
    errors.push(source.error(code, path, message, options))

  if ((a.run === undefined) === (a.fix === undefined))
    err('RB_STEP_KIND', [], `action '${a.name}' needs exactly one of run (a read-only command) or fix (check/apply/verify/rollback)`)
  const expected = `${basename(dirname(file))}/${basename(file, extname(file))}`
  if (a.name !== expected)
    err(
      'RB_SCHEMA',
      ['name'],
      `action '${a.name}' is in ${expected}'s file: name it '${expected}', or move the file to actions/${a.name}.yaml`,
    )

  const inputs = a.inputs ?? {}
  for (const [name, p] of Object.entries(inputs)) {
    if (p.type === 'enum' && !p.values) err('RB_SCHEMA', ['inputs', name], `input '${name}' is an enum: list its values`)
    if (p.type === 'list' && p.default !== undefined)
      err(
        'RB_SCHEMA',
        ['inputs', name, 'default'],
        `input '${name}' is a list: a list has no default (an optional list input is null when not given)`,
      )
    else if (p.default !== undefined && !checkParam(p as Param, p.default).ok) {
      err(
        'RB_PARAM_DEFAULT',
        ['inputs', name, 'default'],
        `default ${JSON.stringify(p.default)} of input '${name}' is not ${describeType(p as Param)}`,
      )
    }
  }

  // Expressions read only inputs, the step's result and facts: an action cannot see which runbook uses it.
  for (const s of bodyStrings(a)) {
    const parts = celParts(s)
    if (!Array.isArray(parts)) {
      err('RB_CEL_SYNTAX', s.path, parts.error, { offset: parts.offset })
      continue
    }
    for (const { expr, offset } of parts) {
      const free = freeIdentifiers(expr)
      if (free === null) {
        err('RB_CEL_SYNTAX', s.path, `invalid CEL ${JSON.stringify(expr)}`, { offset })
        continue
      }
      for (const [id, at] of free) {
        if (!ROOTS_AN_ACTION_SEES.has(id)) {
          err(
            'RB_CEL_REFERENCE',
            s.path,
            `an action reads inputs.<name>, result and facts, not '${id}': declare an input for what it needs`,
            { offset: offset + at },
          )
        }
      }
      for (const ref of inputRefs(expr)) {
        if (!(ref.name in inputs)) {
          const near = closest(ref.name, Object.keys(inputs))
          err(
            'RB_CEL_REFERENCE',
            s.path,
            `input '${ref.name}' is not declared${near ? `: did you mean '${near}'?` : ` (inputs: ${Object.keys(inputs).join(', ') || 'none'})`}`,
            { offset: offset + ref.start },
          )
        }
      }
    }
  }

  // Parsers named, and the run/check commands provably read-only (or vouched for).
  const parserAt = (p: string | undefined, at: PathSegment[]) => {
    if (p !== undefined && !parsers.get(p)) {
      const near = closest(p, parsers.names())
      err('RB_UNKNOWN_PARSER', at, `parser '${p}' is not registered${near ? `: did you mean '${near}'?` : ''}`)
    }
  }
  parserAt(a.outputs.parser, ['outputs', 'parser'])
  // What the command line shows its parser cannot read, or would read wrong (du -sb: bytes as KiB).
  const commandFor = (cmd: string | undefined, p: string | undefined, at: PathSegment[]) => {
    const problem = cmd !== undefined && p !== undefined ? parsers.get(p)?.checkCommand?.(cmd) : null
    if (problem) err('RB_PARSER_COMMAND', at, `action '${a.name}': ${problem.message} (parse: ${p})`, { offset: problem.offset })
  }
  commandFor(a.run?.run, a.outputs.parser, ['run', 'run'])
  const readOnly = (cmd: string | undefined, vouched: string | undefined, at: PathSegment[]) => {
    if (cmd === undefined || vouched !== undefined) return
    for (const p of readOnlyProblems(cmd)) {
      err(
        'RB_MUTATING_OUTSIDE_FIX',
        at,
        `action '${a.name}': '${p.word}' ${p.why}. Its read-only commands must be read-only: move it to fix.apply, or vouch for it with readonly: "<why it changes nothing>"`,
        { offset: p.offset },
      )
    }
  }
  readOnly(a.run?.run, a.run?.readonly, ['run', 'run'])
  if (a.fix) {
    const f = a.fix
    parserAt(f.check?.parse, ['fix', 'check', 'parse'])
    parserAt(f.verify?.parse, ['fix', 'verify', 'parse'])
    commandFor(f.check?.run, f.check?.parse, ['fix', 'check', 'run'])
    commandFor(f.verify?.run, f.verify?.parse, ['fix', 'verify', 'run'])
    f.preflight?.forEach((p, i) => commandFor(p.run, p.parse, ['fix', 'preflight', i, 'run']))
    f.preflight?.forEach((p, i) => parserAt(p.parse, ['fix', 'preflight', i, 'parse']))
    readOnly(f.check?.run, f.check?.readonly, ['fix', 'check', 'run'])
    readOnly(f.verify?.run, f.verify?.readonly, ['fix', 'verify', 'run'])
    f.preflight?.forEach((p, i) => readOnly(p.run, p.readonly, ['fix', 'preflight', i, 'run']))
    if ((f.check?.parse ?? null) !== (a.outputs.parser ?? null)) {
      err(
        'RB_SCHEMA',
        ['outputs', 'parser'],
        `outputs.parser must name the parser of fix.check (${f.check?.parse ?? 'none'}): the step's result is its check's`,
        { key: a.outputs.parser !== undefined ? false : true },
      )
    }
  }
  if (errors.length > 0) return { ok: false, errors }
  return { ok: true, action: { ...a, inputs, id: `${a.name}@${a.version}`, source } }
}
