import { defineParser, parseError } from './registry.ts'
import { int, nonBlankLines, stderrLines, type Line } from './text.ts'

export interface LastSession {
  user: string
  /** `pts/0`, `ssh:notty` (failed ssh logins in btmp), `system boot` for reboot records. */
  tty: string
  /** Remote host or address; null for local logins (empty column, or `0.0.0.0` with -i). Kernel version for reboot records. */
  from: string | null
  /** Local time as printed, ISO 8601 without offset: `2026-11-21T05:46:24`; `2026-11-21T05:46` without -F (no seconds printed). */
  start: string
  /** null while logged in, and when the session ended without a logout record (`crash`, `down`, `gone`). */
  end: string | null
  /** How `last` says the session ended; null while it is still open. */
  ended: 'logout' | 'crash' | 'down' | 'gone' | null
  /** As printed: `00:00`, `1+02:03` (days+hours:minutes); null while still logged in and for `gone - no logout`. */
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
  /** `full` (-F: `Sat Nov 21 05:46:24 2026`), `short` (plain last: no year, no seconds), `iso` (--time-format iso). */
  timeFormat: 'full' | 'short' | 'iso'
  /** Years were not printed (plain last) and were inferred from the footer and the weekdays. */
  yearInferred: boolean
}

const NAME = 'last'
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const DOW = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']
// `last -F`: `Sat Nov 21 05:46:24 2026`; plain `last`: `Sat Nov 21 05:46`; `--time-format iso`:
// `2026-11-21T05:46:24+00:00`. Each alternative keeps its own groups (see `stamp`).
const FULL = String.raw`(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (\w{3}) ([ \d]\d) (\d\d:\d\d:\d\d) (\d{4})`
const SHORT = String.raw`(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (\w{3}) ([ \d]\d) (\d\d:\d\d)`
const ISO = String.raw`(\d{4})-(\d\d)-(\d\d)T(\d\d:\d\d:\d\d)(?:,\d+)?(?:[+-]\d\d:?\d\d|Z)?`
const TIME = String.raw`(?:${FULL}|${SHORT}|${ISO})`
const SESSION = new RegExp(String.raw`^(\S+)\s+(system (?:boot|down)|\(to lvl \S+\)|\S+)\s+(?:(\S+)\s+)?${TIME}\s*(.*)$`)
const ENDING = new RegExp(
  String.raw`^(?:- (?:${TIME}|(\d\d:\d\d))|- (crash|down)|(gone) - no logout)(?:\s+\((?:(\d+)\+)?(\d\d):(\d\d)\))?$`,
)
const FOOTER = new RegExp(String.raw`^(\S+) begins (?:${FULL}|${ISO})$`)

/** A time as printed: year may be missing (plain `last`), seconds too. */
interface Stamp {
  dow: string | null
  year: number | null
  month: number
  day: number
  hm: string
  seconds: string | null
}

/** Reads the 14 groups of TIME (FULL 5, SHORT 4, ISO 4) starting at `g[at]`. */
function stamp(g: (string | undefined)[], at: number, line: Line): Stamp | null {
  const month = (name: string | undefined): number => {
    const m = MONTHS.indexOf(name ?? '')
    if (m < 0) throw parseError(NAME, `unknown month ${JSON.stringify(name)}`, line)
    return m + 1
  }
  if (g[at] !== undefined) {
    const [dow, mon, day, hms, year] = g.slice(at, at + 5)
    return { dow: dow!, year: Number(year), month: month(mon), day: Number(day!.trim()), hm: hms!.slice(0, 5), seconds: hms!.slice(6) }
  }
  if (g[at + 5] !== undefined) {
    const [dow, mon, day, hm] = g.slice(at + 5, at + 9)
    return { dow: dow!, year: null, month: month(mon), day: Number(day!.trim()), hm: hm!, seconds: null }
  }
  if (g[at + 9] !== undefined) {
    const [year, mon, day, hms] = g.slice(at + 9, at + 13)
    return { dow: null, year: Number(year), month: Number(mon), day: Number(day), hm: hms!.slice(0, 5), seconds: hms!.slice(6) }
  }
  return null
}

function isoOf(s: Stamp): string {
  const p = (n: number): string => String(n).padStart(2, '0')
  return `${s.year}-${p(s.month)}-${p(s.day)}T${s.hm}${s.seconds === null ? '' : `:${s.seconds}`}`
}

/**
 * Logins from wtmp (`last`) and failed logins from btmp (`lastb`), also with `-f FILE`, `-i`,
 * `-w`, `-x` (shutdown and runlevel rows) and `-F` / `--time-format iso` (full times).
 *
 * Without `-F` last prints no year and no seconds (`Sat Nov 21 05:46 - 05:46`): the year is then
 * inferred from the `wtmp begins` footer (which always carries it) walking up from the oldest row
 * (rows are in file order), checked against the printed weekday; times are `YYYY-MM-DDTHH:MM` and
 * `yearInferred` is true. A weekday that fits no year from there is an error naming the line. The
 * footer is required: its absence means the output was cut (`| head`). Times are the host's local
 * time as printed, without an offset.
 *
 * @example
 * // lastb -F
 * // pi       ssh:notty    198.18.40.2      Sat Nov 21 05:46:45 2026 - Sat Nov 21 05:46:45 2026  (00:00)
 * // btmp begins Sat Nov 21 05:46:29 2026
 * // → { kind: 'btmp', failures: [{ user: 'pi', from: '198.18.40.2', count: 1, ... }], ... }
 */
export const lastParser = defineParser<LastResult>({
  name: NAME,
  describe: 'last / lastb [-F] [-x] [-i] [-w] [--time-format iso] [-f FILE] (util-linux)',
  fields: {
    kind: 'string',
    since: 'string',
    sessions: [
      {
        user: 'string',
        tty: 'string',
        from: 'string',
        start: 'string',
        end: 'string',
        ended: 'string',
        duration: 'string',
        durationMinutes: 'int',
        stillLoggedIn: 'bool',
        raw: 'string',
      },
    ],
    byUser: { '*': 'int' },
    bySource: { '*': 'int' },
    openSessions: 'int',
    failures: [{ user: 'string', from: 'string', count: 'int', first: 'string', last: 'string' }],
    timeFormat: 'string',
    yearInferred: 'bool',
  },
  parse(result) {
    const ls = nonBlankLines(result.stdout)
    const footerLine = ls[ls.length - 1]
    if (footerLine === undefined) {
      const err = stderrLines(result)[0]
      throw parseError(NAME, `empty output (exit code ${result.exitCode})${err ? `: ${err}` : ''}`)
    }
    // BusyBox's last: `USER TTY HOST LOGIN TIME`, then logins with neither year nor logout time.
    if (/^USER\s+TTY\s+HOST\s+LOGIN\s+TIME\s*$/.test(ls[0]!.text))
      throw parseError(
        NAME,
        "this is BusyBox's last, which prints no year, no logout time and no `wtmp begins` line: the last parser reads util-linux last (last -F), or read the logins with parse: auth-log",
        ls[0],
      )
    const footer = FOOTER.exec(footerLine.text)
    if (!footer) throw parseError(NAME, 'expected the `wtmp begins ...` / `btmp begins ...` footer: output cut?', footerLine)
    const kind = footer[1]!.includes('btmp') ? 'btmp' : 'wtmp'
    const f =
      footer[2] !== undefined
        ? stamp([...footer.slice(2, 7), ...Array(4), ...footer.slice(7, 11)], 0, footerLine)!
        : stamp([...Array(9), ...footer.slice(7, 11)], 0, footerLine)!
    const rows = ls.slice(0, -1).map(readSession)
    // Oldest first: fill in missing years from the footer's, checked by weekday.
    let year = f.year!
    let prev = { month: f.month, day: f.day }
    let inferred = false
    const fill = (s: Stamp, line: Line): void => {
      if (s.year !== null) {
        year = s.year
        prev = s
        return
      }
      inferred = true
      let y = s.month < prev.month || (s.month === prev.month && s.day < prev.day) ? year + 1 : year
      const fits = (yy: number): boolean => {
        const d = new Date(Date.UTC(yy, s.month - 1, s.day))
        return d.getUTCMonth() === s.month - 1 && DOW[d.getUTCDay()] === s.dow
      }
      let tries = 0
      while (!fits(y) && tries++ < 28) y++
      if (!fits(y)) throw parseError(NAME, `no year from ${year} on has ${s.dow} ${MONTHS[s.month - 1]} ${s.day}`, line)
      s.year = y
      year = y
      prev = s
    }
    for (const r of [...rows].reverse()) {
      fill(r.start, r.line)
      if (r.end) {
        if (r.end.year === null && r.end.dow === null) {
          // `- 09:30`: the end's date follows from the start and the duration.
          const t =
            Date.UTC(r.start.year!, r.start.month - 1, r.start.day, Number(r.start.hm.slice(0, 2)), Number(r.start.hm.slice(3))) +
            r.minutes * 60_000
          const d = new Date(t)
          r.end.year = d.getUTCFullYear()
          r.end.month = d.getUTCMonth() + 1
          r.end.day = d.getUTCDate()
        } else if (r.end.year === null) fill(r.end, r.line)
      }
    }
    const sessions = rows.map((r) => ({ ...r.session, start: isoOf(r.start), end: r.end ? isoOf(r.end) : null }))
    const byUser: Record<string, number> = {}
    const bySource: Record<string, number> = {}
    for (const s of sessions) {
      count(byUser, s.user)
      count(bySource, s.from ?? 'local')
    }
    const timeFormat = f.dow === null ? 'iso' : rows.some((r) => r.start.seconds === null) ? 'short' : 'full'
    return {
      kind,
      since: isoOf(f),
      sessions,
      byUser,
      bySource,
      openSessions: sessions.filter((s) => s.stillLoggedIn).length,
      failures: kind === 'btmp' ? groupFailures(sessions) : [],
      timeFormat,
      yearInferred: inferred,
    }
  },
})

interface Row {
  session: Omit<LastSession, 'start' | 'end'>
  start: Stamp
  end: Stamp | null
  minutes: number
  line: Line
}

function readSession(line: Line): Row {
  const m = SESSION.exec(line.text)
  if (!m) throw parseError(NAME, 'expected `user tty [from] TIME ...` (last / lastb)', line)
  const [, user, tty, from] = m
  const start = stamp(m, 4, line)!
  const rest = m[17]!.trim()
  const base = { user: user!, tty: tty!, from: from === undefined || from === '0.0.0.0' ? null : from, raw: line.text }
  if (rest === 'still logged in' || rest === 'still running') {
    return {
      session: { ...base, ended: null, duration: null, durationMinutes: null, stillLoggedIn: true },
      start,
      end: null,
      minutes: 0,
      line,
    }
  }
  const e = ENDING.exec(rest)
  if (!e) throw parseError(NAME, 'expected `- END (HH:MM)`, `- crash`, `- down`, `gone - no logout` or `still logged in`', line)
  // `gone - no logout` prints no duration.
  const hasDuration = e[18] !== undefined
  const days = e[17] === undefined ? 0 : int(NAME, e[17], line, 'days')
  const [hh, mm] = hasDuration ? [int(NAME, e[18], line, 'hours'), int(NAME, e[19], line, 'minutes')] : [0, 0]
  const minutes = (days * 24 + hh) * 60 + mm
  const ended = e[15] === 'crash' || e[15] === 'down' ? e[15] : e[16] === 'gone' ? 'gone' : 'logout'
  let end: Stamp | null = null
  if (ended === 'logout') {
    end = stamp(e, 1, line) ?? { dow: null, year: null, month: 0, day: 0, hm: e[14]!, seconds: null }
  }
  return {
    session: {
      ...base,
      ended,
      duration: hasDuration ? `${e[17] === undefined ? '' : `${e[17]}+`}${e[18]}:${e[19]}` : null,
      durationMinutes: hasDuration ? minutes : null,
      stillLoggedIn: false,
    },
    start,
    end,
    minutes,
    line,
  }
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
