/**
 * The few ANSI escape sequences the terminal views need, written by hand (no dependency), and
 * lines built from styled segments so truncation counts visible characters, never escape codes.
 */

const ESC = '\x1b['

/** Cursor and screen control, used only by the live TTY view. */
import { escapeControls } from '../dsl/source-map.ts'
export const cursor = {
  up: (n: number): string => (n > 0 ? `${ESC}${n}F` : '\r'),
  clearLine: `${ESC}2K`,
  clearDown: `${ESC}J`,
  hide: `${ESC}?25l`,
  show: `${ESC}?25h`,
} as const

export type Style = 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'blue' | 'magenta' | 'cyan' | 'gray'

const SGR: Readonly<Record<Style, [number, number]>> = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  magenta: [35, 39],
  cyan: [36, 39],
  gray: [90, 39],
}

/** One piece of a line: text and an optional style. */
export type Segment = readonly [text: string, style?: Style]

export function paint(text: string, style: Style | undefined, color: boolean): string {
  if (!color || style === undefined || text === '') return text
  const [on, off] = SGR[style]
  return `${ESC}${on}m${text}${ESC}${off}m`
}

/**
 * Join segments into one line of at most `width` visible characters. Truncating before painting
 * keeps escape codes whole, and a line that never wraps keeps the live redraw's line count right.
 */
export function renderLine(segments: readonly Segment[], width: number, color: boolean): string {
  let room = width
  let out = ''
  for (const [raw, style] of segments) {
    // Control characters would move the cursor behind our back: tabs and line breaks become
    // spaces; everything else a host's output may carry (ESC sequences, C1 controls, bidi
    // overrides) is shown escaped (`\x1b`), never sent to the terminal.
    const text = escapeControls(raw.replace(/[\t\r\n]/g, ' '))
    if (room <= 0) break
    const chars = [...text]
    if (chars.length > room) {
      out += paint(chars.slice(0, Math.max(0, room - 1)).join('') + '…', style, color)
      room = 0
      break
    }
    out += paint(text, style, color)
    room -= chars.length
  }
  return out
}

/** Matches every escape sequence this module writes (and the usual others); for tests and checks. */
export const ANSI_PATTERN = /\x1b\[[0-9;?]*[A-Za-z]/

export function stripAnsi(text: string): string {
  return text.replace(new RegExp(ANSI_PATTERN.source, 'g'), '')
}

/** `12 ms`, `3.4 s`, `2m05s`: short enough for a tree line, precise where it matters. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  const s = Math.round(ms / 1000)
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
}

/** Last `n` non-empty lines of a command's output. */
export function tail(text: string, n: number): string[] {
  if (n <= 0) return []
  return text
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l !== '')
    .slice(-n)
}

/** A labelled shell command, one line per line of it: continuation lines align under the first. */
export function labelled(label: string, command: string): string[] {
  const parts = command.replace(/\n+$/, '').split('\n')
  return parts.map((l, i) => (i === 0 ? label : ' '.repeat(label.length)) + l)
}
