/**
 * How the CLI reports errors: user errors as `file:line:col: message` + code frame + what to do,
 * no stack; bugs with the stack and a request to report. Exit codes per kind.
 */
import { isAbsolute, relative } from 'node:path'
import { escapeControls } from '../dsl/source-map.ts'
import { ERROR_CODES, EXIT, RunbookError, RunbookErrors } from '../errors.ts'
import { parseDuration } from '../shared/duration.ts'
import type { Io } from './command.ts'

/** A path as the user reads it: relative under the current directory, else absolute (never `../../..`). */
export function displayPath(cwd: string, path: string): string {
  const rel = relative(cwd, path)
  return rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? path : rel
}

export function useColor(io: Io): boolean {
  return Boolean(io.stderr.isTTY) && io.env.NO_COLOR === undefined && io.env.TERM !== 'dumb'
}

const paint = (on: boolean, code: string, s: string) => (on ? `\u001b[${code}m${s}\u001b[0m` : s)

export function formatError(err: RunbookError, color: boolean): string {
  // Messages quote names and values from the input (a key, a param, a path): escaped like frames.
  const lines = [`${paint(color, '31;1', 'error')}${paint(color, '2', `[${err.code}]`)} ${escapeControls(err.located)}`]
  if (err.frame) lines.push(err.frame)
  lines.push(paint(color, '2', `  fix: ${ERROR_CODES[err.code].fix}`))
  return lines.join('\n')
}

/** Print an error the way its kind asks for, return the exit code. */
export function reportError(err: unknown, io: Io): number {
  const color = useColor(io)
  if (err instanceof RunbookErrors) {
    io.stderr.write(err.errors.map((e) => formatError(e, color)).join('\n\n') + `\n\n${err.errors.length} error(s)\n`)
    return EXIT.USAGE
  }
  if (err instanceof RunbookError) {
    if (err.kind === 'bug') {
      io.stderr.write(`${formatError(err, color)}\n${err.stack ?? ''}\n`)
      return EXIT.INTERNAL
    }
    io.stderr.write(formatError(err, color) + '\n')
    return err.kind === 'user' ? EXIT.USAGE : EXIT.INCOMPLETE
  }
  const e = err instanceof Error ? err : new Error(String(err))
  io.stderr.write(
    `${paint(color, '31;1', 'internal error')}: ${e.message}\n${e.stack ?? ''}\nThis is a bug in runbook: please report it with the command you ran and its transcript.\n`,
  )
  return EXIT.INTERNAL
}

/**
 * A duration flag in ms (`--timeout 30s`, `1500ms`, `2m`; a bare number counts seconds), or
 * undefined when the flag is not given. Zero or a non-duration is RB_USAGE naming the flag.
 */
export function durationFlag(command: string, flag: string, value: unknown): number | undefined {
  if (value === undefined) return undefined
  const ms = typeof value === 'string' ? parseDuration(value, { bare: 's' }) : undefined
  if (ms === undefined || ms <= 0)
    throw new RunbookError(
      'RB_USAGE',
      `${command}: --${flag}: ${JSON.stringify(value)} is not a duration > 0 (examples: 500ms, 30s, 2m; a bare number counts seconds)`,
    )
  return ms
}

/** `k=v` pairs from repeated --param flags. */
export function parseParamFlags(values: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const kv of values ?? []) {
    const i = kv.indexOf('=')
    if (i <= 0) throw new RunbookError('RB_USAGE', `--param ${JSON.stringify(kv)}: expected name=value`)
    out[kv.slice(0, i)] = kv.slice(i + 1)
  }
  return out
}

export function writeJson(io: Io, value: unknown): void {
  io.stdout.write(JSON.stringify(value, null, 2) + '\n')
}
