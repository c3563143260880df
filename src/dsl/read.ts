/**
 * Runbook files → text, refusing what is not a runbook before anything of it can be printed.
 *
 * Why: error messages quote the file (a code frame shows the offending line), so a path given by
 * mistake or on purpose (`runbook run ../../etc/shadow`) must not reach the parser. The rule, in
 * this order: the path must be a regular file (devices, FIFOs, sockets, directories and symlink
 * loops are refused unread), be named `.yaml`/`.yml`, be at most INPUT_LIMITS.runbookBytes, and
 * hold a top-level line `apiVersion: runbook/...`. The line is looked for in the text, not in the
 * parsed YAML, so a real runbook with a syntax error still gets its code frame. A file failing the
 * rule is reported by path only: RB_NOT_A_RUNBOOK, no frame, no content.
 */
import { extname } from 'node:path'
import { RunbookError } from '../errors.ts'
import { checkRegularFile, INPUT_LIMITS, readRegularFile, type InputOptions } from '../input.ts'

export const RUNBOOK_EXTENSIONS: readonly string[] = ['.yaml', '.yml']

const INPUT: InputOptions = { what: 'runbook', missing: 'RB_RUNBOOK_NOT_FOUND' }

/** A top-level `apiVersion: runbook/<version>` line, quoted or not. */
const API_VERSION_LINE = /^apiVersion:[ \t]*["']?runbook\//m

export function looksLikeRunbook(text: string): boolean {
  return API_VERSION_LINE.test(text)
}

/** The text of the runbook file at `file`, or a RunbookError that quotes nothing of it. */
export function readRunbookText(file: string): string {
  const notRegular = checkRegularFile(file, INPUT)
  if (notRegular) throw notRegular
  if (!RUNBOOK_EXTENSIONS.includes(extname(file))) {
    throw new RunbookError('RB_NOT_A_RUNBOOK', `${file}: not a runbook file (runbooks are named *.yaml or *.yml); nothing of it is shown`, {
      detail: { file, reason: 'extension' },
    })
  }
  const text = readRegularFile(file, INPUT_LIMITS.runbookBytes, INPUT)
  if (!looksLikeRunbook(text)) {
    throw new RunbookError('RB_NOT_A_RUNBOOK', `${file}: not a runbook (no line \`apiVersion: runbook/v1\`); nothing of it is shown`, {
      detail: { file, reason: 'apiVersion' },
    })
  }
  return text
}
