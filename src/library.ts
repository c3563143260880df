/**
 * Finding and loading runbooks by name or path: `runbook run unreachable-host` looks in
 * $RUNBOOK_PATH (colon-separated), then ./runbooks, then the runbooks shipped with this package.
 */
import { existsSync, readdirSync, statSync } from 'node:fs'
import { basename, delimiter, extname, join, resolve } from 'node:path'
import { compileRunbook, type CompiledRunbook } from './compile/compile.ts'
import { withReadOnlyVerdicts } from './dsl/readonly.ts'
import { stateVerdicts } from './dsl/readonly-verdicts.ts'
import { validateFile } from './dsl/validate.ts'
import { RunbookError, RunbookErrors } from './errors.ts'
import { createParserRegistry } from './parsers/index.ts'
import type { ParserRegistry } from './parsers/registry.ts'
import { PACKAGE_ROOT } from './version.ts'

export const SHIPPED_RUNBOOKS = join(PACKAGE_ROOT, 'runbooks', '/')

export function runbookDirs(env: NodeJS.ProcessEnv, cwd: string): string[] {
  const dirs = [
    ...(env.RUNBOOK_PATH ?? '')
      .split(delimiter)
      .filter(Boolean)
      .map((d) => resolve(cwd, d)),
    resolve(cwd, 'runbooks'),
    SHIPPED_RUNBOOKS,
  ]
  return [...new Set(dirs.map((d) => resolve(d)))].filter((d) => existsSync(d) && statSync(d).isDirectory())
}

const isYaml = (f: string) => ['.yaml', '.yml'].includes(extname(f))

/** Every runbook file, first of each name wins (earlier dirs shadow later ones). */
export function listRunbookFiles(dirs: readonly string[]): Map<string, string> {
  const out = new Map<string, string>()
  for (const dir of dirs) {
    for (const f of readdirSync(dir).sort()) {
      const name = basename(f, extname(f))
      if (isYaml(f) && !out.has(name)) out.set(name, join(dir, f))
    }
  }
  return out
}

/**
 * A name (`unreachable-host`) or a path (`./my.yaml`) → the file. For the CLI, whose user may name
 * any file they can read; loading it still refuses (and never quotes) a file that is not a runbook.
 */
export function resolveRunbook(ref: string, dirs: readonly string[], cwd: string): string {
  if (ref.includes('/') || isYaml(ref)) {
    const path = resolve(cwd, ref)
    if (!existsSync(path)) throw new RunbookError('RB_RUNBOOK_NOT_FOUND', `no runbook file ${ref}`)
    return path
  }
  // The operator may name any runbook file in the folders, even one whose file name is not a
  // valid runbook name (`My_Checks.yaml`): looked up, never used as a path.
  return findByName(ref, dirs)
}

function findByName(name: string, dirs: readonly string[]): string {
  const files = listRunbookFiles(dirs)
  const file = files.get(name)
  if (!file) {
    const known = [...files.keys()]
    throw new RunbookError(
      'RB_RUNBOOK_NOT_FOUND',
      `no runbook named '${name}'${known.length ? ` (known: ${known.join(', ')})` : ''}; searched ${dirs.join(', ')}`,
      { detail: { name } },
    )
  }
  return file
}

/** What a runbook name may look like: the schema's `name` pattern, bounded. */
const RUNBOOK_NAME = /^[a-z0-9][a-z0-9-]{0,99}$/

/**
 * A runbook name → its file, found only among the runbooks in `dirs`. For names that come from
 * people other than the operator (chat, webhooks): a path, a file name with an extension or
 * anything but a plain name (`../../etc/shadow`, `/etc/passwd`, `x.yaml`) is refused without
 * touching the file system, and the refused text is not echoed back.
 *
 * @example
 * resolveRunbookName('unreachable-host', runbookDirs(env, cwd)) // → '/…/runbooks/unreachable-host.yaml'
 * resolveRunbookName('../secrets', dirs)                         // → throws RB_RUNBOOK_NOT_FOUND
 */
export function resolveRunbookName(name: string, dirs: readonly string[]): string {
  if (!RUNBOOK_NAME.test(name)) {
    throw new RunbookError(
      'RB_RUNBOOK_NOT_FOUND',
      'not a runbook name: a name is lowercase letters, digits and - (like unreachable-host), never a path',
      { detail: { reason: 'not-a-name' } },
    )
  }
  return findByName(name, dirs)
}

let sharedParsers: ParserRegistry | undefined
export function parsers(): ParserRegistry {
  sharedParsers ??= createParserRegistry()
  return sharedParsers
}

/** Validate and compile one file; all of its errors at once as RunbookErrors. */
export function loadRunbook(file: string, registry: ParserRegistry = parsers()): CompiledRunbook {
  const v = validateFile(file, registry)
  if (!v.ok) throw v.errors.length === 1 ? v.errors[0]! : new RunbookErrors(v.errors)
  return compileRunbook(v.value, registry)
}

/**
 * `loadRunbook` for a CLI process: read-only verdicts remembered in the state folder
 * (`<stateDir>/cache/read-only.json`) spare loading the bash grammar when every command was proved
 * read-only before (dsl/readonly-verdicts.ts). `learn`: remember what this validation proves.
 */
export function loadRunbookRemembering(file: string, stateDir: string, options: { learn: boolean }): Promise<CompiledRunbook> {
  return validateRemembering(stateDir, options, () => loadRunbook(file))
}

/** Any synchronous validation (`validateFile`, an action library's `list`) with the verdicts remembered in the state folder. */
export function validateRemembering<T>(stateDir: string, options: { learn: boolean }, validate: () => T): Promise<T> {
  return withReadOnlyVerdicts(stateVerdicts(stateDir, options), validate)
}
