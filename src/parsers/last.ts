import { defineParser, parseError } from './registry.ts'
import { int, nonBlankLines, stderrLines, type Line } from './text.ts'

export interface LastSession {
  user: string
  /** `pts/0`, `ssh:notty` (failed ssh logins in btmp), `system boot` for reboot records. */
  tty: string
  /** Remote host or address; null for local logins (empty column). Kernel version for reboot records. */
  from: string | null
  /** Local time as printed, ISO 8601 without offset: `2026-11-21T05:46:24`. */
  start: string
  /** null while logged in, and when the session ended without a logout record (`crash`, `down`, `gone`). */
  end: string | null
  /** How `last` says the session ended; null while it is still open. */
  ended: 'logout' | 'crash' | 'down' | 'gone' | null
  /** As printed: `00:00`, `1+02:03` (days+hours:minutes); null while still logged in. */
  duration: string | null
  durationMinutes: number | null
  /** `still logged in` (or `still running` for the current boot). */
  stillLoggedIn: boolean
  raw: string
}

export interface FailedLoginGroup {
  user: string
  /** Source address; `local` for console failures. */
  from: string
  count: number
  first: string
  last: string
}

export interface LastResult {
  /** `btmp` (lastb: failed logins) or `wtmp` (last: sessions), from the `... begins` footer. */
  kind: 'wtmp' | 'btmp'
  /** When the file starts (footer), ISO 8601 without offset. */
  since: string
  /** Newest first, as printed. */
  sessions: LastSession[]
  byUser: Record<string, number>
  /** Count per source address; `local` for logins without one. */
  bySource: Record<string, number>
  /** Sessions still open. */
  openSessions: number
  /** btmp only (empty for wtmp): failed attempts grouped by user and source, most attempts first. */
  failures: FailedLoginGroup[]
}

const NAME = 'last'
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
// `last -F` full time: `Sat Nov 21 05:46:24 2026`
const TIME = String.raw`(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (\w{3}) ([ \d]\d) (\d\d:\d\d:\d\d) (\d{4})`
const SESSION = new RegExp(String.raw`^(\S+)\s+(system (?:boot|down)|\S+)\s+(?:(\S+)\s+)?${TIME}\s*(.*)$`)
const ENDING = new RegExp(String.raw`^(?:- ${TIME}|- (crash|down)|(gone) - no logout)\s+\((?:(\d+)\+)?(\d\d):(\d\d)\)$`)
const FOOTER = new RegExp(String.raw`^(\S+) begins ${TIME}$`)

/**
 * Logins from wtmp (`last -F`) and failed logins from btmp (`lastb -F`), also with `-f FILE`.
 *
 * `-F` is required: without it `last` prints no year and no end date (`Sat Nov 21 05:46 - 05:46`),
 * which cannot be compared; such output is refused naming the first session line. The
 * `wtmp begins ...` footer is required too: its absence means the output was cut (`| head`).
 * Times are the host's local time as printed, without an offset.
 *
 * @example
 * // lastb -F
 * // pi       ssh:notty    198.18.40.2      Sat Nov 21 05:46:45 2026 - Sat Nov 21 05:46:45 2026  (00:00)
 * // btmp begins Sat Nov 21 05:46:29 2026
 * // → { kind: 'btmp', failures: [{ user: 'pi', from: '198.18.40.2', count: 1, ... }], ... }
 */
export const lastParser = defineParser<LastResult>({
  name: NAME,
  describe: 'last -F [-f FILE] or lastb -F [-f FILE] (util-linux; full times required)',
  fields: {
    kind: 'string', since: 'string', sessions: 'list', byUser: 'map', bySource: 'map', openSessions: 'int', failures: 'list',
  },
  parse(result) {
    const ls = nonBlankLines(result.stdout)
    const footerLine = ls[ls.length - 1]
    if (footerLine === undefined) {
      const err = stderrLines(result)[0]
      throw parseError(NAME, `empty output (exit code ${result.exitCode})${err ? `: ${err}` : ''}`)
    }
    const footer = FOOTER.exec(footerLine.text)
    if (!footer) throw parseError(NAME, 'expected the `wtmp begins ...` / `btmp begins ...` footer (with -F): output cut?', footerLine)
    const kind = footer[1]!.includes('btmp') ? 'btmp' : 'wtmp'
    const sessions = ls.slice(0, -1).map(readSession)
    const byUser: Record<string, number> = {}
    const bySource: Record<string, number> = {}
    for (const s of sessions) {
      count(byUser, s.user)
      count(bySource, s.from ?? 'local')
    }
    return {
      kind,
      since: iso(footer.slice(2, 6), footerLine),
      sessions,
      byUser,
      bySource,
      openSessions: sessions.filter((s) => s.stillLoggedIn).length,
      failures: kind === 'btmp' ? groupFailures(sessions) : [],
    }
  },
})

function readSession(line: Line): LastSession {
  const m = SESSION.exec(line.text)
  if (!m) {
    const hint = /\d\d:\d\d( |$)/.test(line.text) ? ' (run last/lastb with -F for full times)' : ''
    throw parseError(NAME, `expected \`user tty [from] Day Mon DD HH:MM:SS YYYY ...\`${hint}`, line)
  }
  const [, user, tty, from] = m
  const start = iso(m.slice(4, 8), line)
  const rest = m[8]!.trim()
  const base = { user: user!, tty: tty!, from: from ?? null, start, raw: line.text }
  if (rest === 'still logged in' || rest === 'still running') {
    return { ...base, end: null, ended: null, duration: null, durationMinutes: null, stillLoggedIn: true }
  }
  const e = ENDING.exec(rest)
  if (!e) throw parseError(NAME, 'expected `- END (HH:MM)`, `- crash`, `- down`, `gone - no logout` or `still logged in`', line)
  const days = e[7] === undefined ? 0 : int(NAME, e[7], line, 'days')
  const [hh, mm] = [int(NAME, e[8], line, 'hours'), int(NAME, e[9], line, 'minutes')]
  const ended = e[5] === 'crash' || e[5] === 'down' ? e[5] : e[6] === 'gone' ? 'gone' : 'logout'
  return {
    ...base,
    end: ended === 'logout' ? iso(e.slice(1, 5), line) : null,
    ended,
    duration: `${e[7] === undefined ? '' : `${e[7]}+`}${e[8]}:${e[9]}`,
    durationMinutes: (days * 24 + hh) * 60 + mm,
    stillLoggedIn: false,
  }
}

/** [month name, day, hh:mm:ss, year] → `2026-11-21T05:46:24`. */
function iso(parts: (string | undefined)[], line: Line): string {
  const [mon, day, hms, year] = parts
  const m = MONTHS.indexOf(mon ?? '')
  if (m < 0) throw parseError(NAME, `unknown month ${JSON.stringify(mon)}`, line)
  return `${year}-${String(m + 1).padStart(2, '0')}-${day!.trim().padStart(2, '0')}T${hms}`
}

function count(into: Record<string, number>, key: string): void {
  into[key] = (into[key] ?? 0) + 1
}

function groupFailures(sessions: LastSession[]): FailedLoginGroup[] {
  const groups = new Map<string, FailedLoginGroup>()
  for (const s of sessions) {
    const from = s.from ?? 'local'
    const key = `${s.user}\u0000${from}`
    const g = groups.get(key)
    if (!g) {
      groups.set(key, { user: s.user, from, count: 1, first: s.start, last: s.start })
      continue
    }
    g.count++
    if (s.start < g.first) g.first = s.start
    if (s.start > g.last) g.last = s.start
  }
  // Most attempts first; ties by user then source, so the order does not depend on the log order.
  return [...groups.values()].sort((a, b) => b.count - a.count || a.user.localeCompare(b.user) || a.from.localeCompare(b.from))
}
