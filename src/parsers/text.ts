/**
 * Small helpers shared by the parsers: numbered lines, strict number parsing, whitespace
 * splitting. Every failure goes through `parseError` so the message names the parser and line.
 */
import { parseError } from './registry.ts'
import type { CommandResult } from '../types.ts'

/** One line of output with its 1-based line number (as an editor shows it). */
export interface Line {
  number: number
  text: string
}

/** Splits output into numbered lines; a final newline does not make an extra empty line. */
export function lines(text: string): Line[] {
  const parts = text.replace(/\r\n/g, '\n').split('\n')
  if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop()
  return parts.map((t, i) => ({ number: i + 1, text: t }))
}

/** Like `lines`, without blank lines (numbers still refer to the original output). */
export function nonBlankLines(text: string): Line[] {
  return lines(text).filter((l) => l.text.trim() !== '')
}

/** Non-blank stderr lines: tools report per-argument failures there (`df: /x: No such file`). */
export function stderrLines(result: CommandResult): string[] {
  return nonBlankLines(result.stderr).map((l) => l.text)
}

/** Whitespace-separated fields of a line. */
export function fieldsOf(text: string): string[] {
  const t = text.trim()
  return t === '' ? [] : t.split(/\s+/)
}

/** A base-10 integer, or a parse error naming the line. */
export function int(parser: string, value: string | undefined, line: Line, what: string): number {
  if (value === undefined || !/^-?\d+$/.test(value)) {
    throw parseError(parser, `expected an integer for ${what}, got ${JSON.stringify(value ?? '')}`, line)
  }
  const n = Number(value)
  if (!Number.isSafeInteger(n)) throw parseError(parser, `${what} ${value} is too large for a JSON number`, line)
  return n
}

/** A decimal number (`0.52`, also `0,52` from a comma locale), or a parse error naming the line. */
export function num(parser: string, value: string | undefined, line: Line, what: string): number {
  const v = value?.replace(',', '.')
  if (v === undefined || !/^-?\d+(\.\d+)?$/.test(v)) {
    throw parseError(parser, `expected a number for ${what}, got ${JSON.stringify(value ?? '')}`, line)
  }
  return Number(v)
}

/** Percentage with one decimal, or 0 when the whole is 0 (no swap, empty filesystem). */
export function percent(part: number, whole: number): number {
  return whole > 0 ? Math.round((part / whole) * 1000) / 10 : 0
}

/** Throws when a command printed nothing at all where a header or data is required. */
export function requireOutput(parser: string, result: CommandResult, expected: string): Line[] {
  const ls = nonBlankLines(result.stdout)
  if (ls.length === 0) {
    const err = stderrLines(result)[0]
    throw parseError(parser, `empty output, expected ${expected}${err ? ` (stderr: ${err})` : ''}`)
  }
  return ls
}

/**
 * The power of the base a size's unit letter stands for, as df, du and free print them: `K` (or `k`,
 * du --si and df -H's kilo) 1, `M` 2, ... `Y` 8; no letter 0. The base (1024 or 1000) is the caller's.
 *
 * @example
 * 1.5 * 1024 ** UNIT_POWER['M']!  // 1.5 MiB in bytes
 */
export const UNIT_POWER: Readonly<Record<string, number>> = { '': 0, k: 1, K: 1, M: 2, G: 3, T: 4, P: 5, E: 6, Z: 7, Y: 8 }
