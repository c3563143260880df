/**
 * `runbook validate` on a triggers file: recognised by its `kind: Triggers` line (looked for in
 * the text, so a file with a YAML error still gets its code frame), validated against the
 * runbooks the CLI can find, with every error located.
 */
import { fileHeadMatches } from '../../input.ts'
import { RunbookError, RunbookErrors } from '../../errors.ts'
import { loadTriggers } from '../../dsl/triggers.ts'
import { runbookLookup } from './setup.ts'

const KIND_LINE = /^kind:[ \t]*["']?Triggers["']?[ \t]*(#.*)?$/m

/** True for a regular file whose first 64 KiB hold a top-level `kind: Triggers` line. */
export function isTriggersFile(file: string): boolean {
  return fileHeadMatches(file, KIND_LINE)
}

export function validateTriggersFile(
  file: string,
  runbookDirs: readonly string[],
): { ok: true } | { ok: false; errors: readonly RunbookError[] } {
  try {
    loadTriggers(file, runbookLookup(runbookDirs))
    return { ok: true }
  } catch (err) {
    if (err instanceof RunbookErrors) return { ok: false, errors: err.errors }
    if (err instanceof RunbookError) return { ok: false, errors: [err] }
    throw err
  }
}
