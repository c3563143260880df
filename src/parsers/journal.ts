import { firstProblem, optionValues } from './command-check.ts'
import { defineParser, parseError } from './registry.ts'
import { nonBlankLines, stderrLines } from './text.ts'

export interface JournalEntry {
  /** ISO 8601 (UTC, ms) of `__REALTIME_TIMESTAMP`. */
  time: string
  /** `__REALTIME_TIMESTAMP`: µs since the epoch. */
  realtimeUsec: number
  /** The unit the entry is about: `UNIT` (systemd's own messages about it), else `_SYSTEMD_UNIT`, else `USER_UNIT`. */
  unit: string | null
  identifier: string | null
  pid: number | null
  /** syslog priority, 0 (emerg) .. 7 (debug). */
  priority: number | null
  hostname: string | null
  /** MESSAGE as text; a binary MESSAGE (an array of bytes in JSON) is decoded as UTF-8. */
  message: string
  /** MESSAGE was binary (not valid UTF-8, or with control characters). */
  binary: boolean
  /** Like `journalctl -o short-iso`: `2026-11-21T06:05:24.742Z web1 systemd[1]: makecache.service: ...`. */
  line: string
}

export interface JournalResult {
  entries: JournalEntry[]
  /** One `short-iso`-like line per entry, ready for evidence. */
  lines: string[]
  /** Distinct units the entries are about, in order of appearance. */
  units: string[]
  errors: string[]
}

const NAME = 'journal'

/**
 * Journal entries from `journalctl -o json [-u UNIT] [-n N] --no-pager`: one JSON object per line
 * (several `journalctl` calls may be concatenated). A field whose value is not printable text is an
 * array of byte values (`"MESSAGE":[98,97,100,255]`); a field present twice is an array of values.
 * No entry prints nothing with `-o json` (exit 0): an empty list.
 *
 * @example
 * // journalctl -u makecache.service -o json -n 50 --no-pager
 * // {"__REALTIME_TIMESTAMP":"1795241177747000","UNIT":"makecache.service","_PID":"1","SYSLOG_IDENTIFIER":"systemd","MESSAGE":"makecache.service: Main process exited, code=killed, status=9/KILL",...}
 * // → { entries: [{ unit: 'makecache.service', message: 'makecache.service: Main process exited, code=killed, status=9/KILL', ... }], ... }
 */
export const journalParser = defineParser<JournalResult>({
  name: NAME,
  describe: 'journalctl -o json [-u UNIT] [-n N] --no-pager (one JSON object per line)',
  fields: {
    entries: [
      {
        time: 'string',
        realtimeUsec: 'int',
        unit: 'string',
        identifier: 'string',
        pid: 'int',
        priority: 'int',
        hostname: 'string',
        message: 'string',
        binary: 'bool',
        line: 'string',
      },
    ],
    lines: 'list<string>',
    units: 'list<string>',
    errors: 'list<string>',
  },
  checkCommand: (command) =>
    firstProblem(command, 'journalctl', ({ program, options }) => {
      // journalctl's short options that take a value (they end a cluster of flags).
      const outputs = optionValues(options, 'o', '--output', 'bcDEFgiIkMnopStTuU')
      const last = outputs[outputs.length - 1]
      if (last?.value === 'json') return null
      if (options.some((w) => ['-N', '--fields', '-F', '--field', '--list-boots', '--disk-usage', '--header'].includes(w.text))) return null
      return last
        ? { offset: last.at.offset, message: `the journal parser reads -o json (one JSON object per line), not -o ${last.value ?? ''}` }
        : { offset: program.offset, message: 'journalctl prints syslog-style text by default: add -o json for the journal parser' }
    }),
  parse(result) {
    const errors = stderrLines(result)
    const ls = nonBlankLines(result.stdout)
    if (ls.length === 0 && result.exitCode !== 0)
      throw parseError(NAME, `no output and exit code ${result.exitCode}${errors[0] ? ` (stderr: ${errors[0]})` : ''}`)
    const entries = ls.map((line) => {
      let o: unknown
      try {
        o = JSON.parse(line.text)
      } catch (e) {
        throw parseError(NAME, `expected one JSON object per line (journalctl -o json): ${(e as Error).message}`, line)
      }
      if (typeof o !== 'object' || o === null || Array.isArray(o)) throw parseError(NAME, 'expected a JSON object', line)
      const rec = o as Record<string, unknown>
      const ts = field(rec, '__REALTIME_TIMESTAMP')
      if (ts === null || !/^\d+$/.test(ts.text)) throw parseError(NAME, 'entry without a numeric __REALTIME_TIMESTAMP', line)
      const usec = Number(ts.text)
      const msg = field(rec, 'MESSAGE')
      const int = (k: string): number | null => {
        const v = field(rec, k)?.text
        return v !== undefined && /^\d+$/.test(v) ? Number(v) : null
      }
      const entry: Omit<JournalEntry, 'line'> = {
        time: new Date(Math.floor(usec / 1000)).toISOString(),
        realtimeUsec: usec,
        unit: field(rec, 'UNIT')?.text ?? field(rec, '_SYSTEMD_UNIT')?.text ?? field(rec, 'USER_UNIT')?.text ?? null,
        identifier: field(rec, 'SYSLOG_IDENTIFIER')?.text ?? field(rec, '_COMM')?.text ?? null,
        pid: int('SYSLOG_PID') ?? int('_PID'),
        priority: int('PRIORITY'),
        hostname: field(rec, '_HOSTNAME')?.text ?? null,
        message: msg?.text ?? '',
        binary: msg?.binary ?? false,
      }
      // Control characters (colour escapes...) are shown escaped, as journalctl does not print them raw either.
      const shown = entry.message.replace(
        /[\u0000-\u0008\u000b-\u001f\u007f]/g,
        (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
      )
      const who = `${entry.identifier ?? 'unknown'}${entry.pid !== null ? `[${entry.pid}]` : ''}`
      return { ...entry, line: `${entry.time} ${entry.hostname ?? '-'} ${who}: ${shown}` }
    })
    return {
      entries,
      lines: entries.map((e) => e.line),
      units: [...new Set(entries.flatMap((e) => (e.unit === null ? [] : [e.unit])))],
      errors,
    }
  },
})

const utf8 = new TextDecoder('utf-8')

/** A field as text: strings as they are, byte arrays decoded, repeated fields joined by newlines. */
function field(rec: Record<string, unknown>, key: string): { text: string; binary: boolean } | null {
  const v = rec[key]
  if (v === undefined || v === null) return null
  if (typeof v === 'string') return { text: v, binary: false }
  if (Array.isArray(v)) {
    if (v.every((b) => typeof b === 'number')) return { text: utf8.decode(Uint8Array.from(v as number[])), binary: true }
    const parts = v.map((x) =>
      typeof x === 'string'
        ? { text: x, binary: false }
        : Array.isArray(x)
          ? { text: utf8.decode(Uint8Array.from(x as number[])), binary: true }
          : { text: String(x), binary: false },
    )
    return { text: parts.map((p) => p.text).join('\n'), binary: parts.some((p) => p.binary) }
  }
  return { text: String(v), binary: false }
}
