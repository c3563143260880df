import { defineParser, parseError } from './registry.ts'
import { int, nonBlankLines, stderrLines, type Line } from './text.ts'

/** One authentication event of sshd. */
export interface AuthEvent {
  /**
   * The line's timestamp as printed: `Nov 21 06:02:59` (syslog, no year), ISO 8601 (rsyslog,
   * journalctl -o short-iso), `Fri 2026-11-21 06:02:59 UTC` (short-full); ISO 8601 UTC from
   * `__REALTIME_TIMESTAMP` for journalctl -o json; null where the log has none (`sshd -E`, -o cat).
   */
  time: string | null
  /** `sshd`, or `sshd-session` / `sshd-auth` (OpenSSH ≥ 9.8). */
  program: string
  pid: number | null
  /**
   * `failed`: `Failed <method> for [invalid user] U from A port P ssh2`;
   * `invalid-user`: `Invalid user U from A port P`;
   * `closed`: the connection ended before login (`Connection closed by` / `Disconnected from` /
   * `Disconnecting` `invalid|authenticating user U A port P ... [preauth]`, `maximum authentication attempts exceeded`);
   * `accepted`: `Accepted <method> for U from A port P ssh2`.
   */
  event: 'failed' | 'invalid-user' | 'closed' | 'accepted'
  user: string
  /** sshd said `invalid user`: no such account on the host. */
  invalidUser: boolean
  source: string
  port: number
  /** `password`, `publickey`, `keyboard-interactive/pam`, `none` for failed and accepted; null otherwise. */
  method: string | null
  raw: string
}

export interface SourceAttempts {
  source: string
  attempts: number
  /** Users tried from this source, most attempts first. */
  users: string[]
}

export interface AcceptedAfterFailures {
  user: string
  source: string
  method: string
  time: string | null
  /** Failed attempts from the same source before or after (any user). */
  failuresFromSource: number
  raw: string
}

/** Accepted logins grouped by user, method and source. */
export interface AcceptedGroup {
  user: string
  method: string
  source: string
  count: number
  first: string | null
  last: string | null
}

export interface AuthLogResult {
  /** sshd authentication events, in log order. */
  events: AuthEvent[]
  /**
   * Failed login attempts: one per `Failed ...` line, and one for a connection that ended before
   * login without any (`Connection closed by invalid user pi ... [preauth]`: a bot that only probed).
   */
  failedAttempts: number
  /** `Failed password` / `Failed keyboard-interactive` lines: passwords guessed. */
  failedPasswords: number
  /** Failed attempts per user name. */
  byUser: Record<string, number>
  /** Failed attempts per source address. */
  bySource: Record<string, number>
  /** The 10 users with most failed attempts, most first (ties by name). */
  topUsers: string[]
  userCount: number
  /** The 10 sources with most failed attempts, most first (ties by address). */
  topSources: SourceAttempts[]
  sourceCount: number
  /** Timestamps of the first and last failed attempt, as printed; null without any. */
  window: { first: string | null; last: string | null }
  /** Successful logins (`Accepted ...`), in log order. */
  accepted: AuthEvent[]
  /** The same, grouped by user, method and source, in order of first appearance. */
  acceptedBy: AcceptedGroup[]
  /** Accepted password or keyboard-interactive logins from a source that also has failed attempts. */
  acceptedAfterFailures: AcceptedAfterFailures[]
  /** Log lines that are not sshd authentication events (other sshd messages, other programs, journal markers). */
  otherLines: number
  /** `Failed publickey` lines: a key the server refused (not a guessed password). */
  failedPublickeys: number
  /**
   * How the log was written: `syslog` (a header per line: auth.log, secure, journalctl -o short*),
   * `bare` (sshd messages alone: `sshd -E FILE`, journalctl -o cat), `json` (journalctl -o json / json-pretty).
   */
  format: 'syslog' | 'bare' | 'json'
}

const NAME = 'auth-log'
const TOP = 10
// `Nov 21 06:02:59 web1 sshd[1234]: msg` (syslog), `2026-11-21T06:02:59.123456+00:00 web1 sshd[1234]: msg`
// (rsyslog RFC 3339), `2026-11-21T06:02:59+0000 web1 sshd[1234]: msg` (journalctl -o short-iso).
// Also journalctl -o short-precise (`Nov 21 06:02:59.123456`), short-full (`Fri 2026-11-21 06:02:59 UTC`)
// and short-monotonic (`[  123.456789]`).
const HEADER =
  /^((?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)?|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?|(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \S+|\[\s*\d+\.\d+\]) (\S+) ([^\s[:]+)(?:\[(\d+)\])?: ?(.*)$/
// sshd's identifiers; journalctl -o with-unit prints the unit instead (`ssh.service`, `sshd@...service`).
const SSHD = /^(?:sshd(?:-session|-auth)?|sshd?(?:@[^.]*)?\.service)$/
// Messages sshd prints that are not authentication events: they make a log without any header
// (`sshd -E FILE`, journalctl -o cat) recognisable as sshd's, and nothing else.
const SSHD_OTHER =
  /^(?:Server listening on |Connection from |Connection closed by |Connection reset by |Received disconnect from |Disconnected from |Disconnecting |Received signal |Starting session: |Postponed |Accepted key |Unable to negotiate |kex_exchange_identification: |banner exchange: |Close session: |pam_unix\(|error: |fatal: |debug\d: |Could not get shadow |User \S+ from |Timeout before authentication |ssh_dispatch_run_fatal: |Bad protocol version |Did not receive identification |Protocol major versions differ|userauth_|PAM |Transferred: |Exiting on signal |Partial publickey |Authentication refused: )/
const WHO = String.raw`(invalid|authenticating) user (.*) (\S+) port (\d+)`
const MESSAGES: { event: AuthEvent['event']; re: RegExp }[] = [
  // `Failed password for invalid user pi from 198.18.2.201 port 40312 ssh2`
  // `Failed publickey for root from 198.18.2.9 port 40312 ssh2: ED25519 SHA256:...`: a refused key.
  { event: 'failed', re: /^Failed (\S+) for (invalid user )?(.*) from (\S+) port (\d+) ssh2(?:: .*?)?(?: \[preauth\])?$/ },
  // `Invalid user pi from 198.18.2.201 port 40312` (no user: `Invalid user  from ...`)
  { event: 'invalid-user', re: /^Invalid user (.*) from (\S+) port (\d+)$/ },
  { event: 'accepted', re: /^Accepted (\S+) for (.*) from (\S+) port (\d+) ssh2(?::.*)?$/ },
  { event: 'closed', re: new RegExp(String.raw`^(?:Connection closed by|Disconnected from) ${WHO} \[preauth\]$`) },
  { event: 'closed', re: new RegExp(String.raw`^Disconnecting ${WHO}: .* \[preauth\]$`) },
  { event: 'closed', re: /^maximum authentication attempts exceeded for (invalid user )?(.*) from (\S+) port (\d+) ssh2 \[preauth\]$/ },
]

const AUTH_EVENT_FIELDS = {
  time: 'string',
  program: 'string',
  pid: 'int',
  event: 'string',
  user: 'string',
  invalidUser: 'bool',
  source: 'string',
  port: 'int',
  method: 'string',
  raw: 'string',
} as const

/**
 * sshd authentication events from an auth log: `/var/log/auth.log` (Debian, Ubuntu),
 * `/var/log/secure` (RHEL, Fedora) or `journalctl -o short|short-iso` of sshd; whole logs or
 * `grep`ed sshd lines. Summarises failed attempts by user and source, their time window, accepted
 * logins, and accepted password logins from sources that also failed (a guessed password).
 *
 * Every line must start with a syslog header (`Nov 21 06:02:59 host prog[pid]: `, or an ISO 8601
 * timestamp); lines of other programs and other sshd messages are counted in `otherLines`, journal
 * markers (`-- No entries --`) too. Anything else (a wtmp file, an access log) is a parse error. An
 * empty log is a valid, empty result; no output with a failing exit code (no such file) is an error.
 *
 * @example
 * // grep -a -h sshd /var/log/auth.log
 * // Nov 21 06:02:59 web1 sshd[1234]: Failed password for invalid user pi from 198.18.2.201 port 40312 ssh2
 * // Nov 21 06:02:59 web1 sshd[1234]: Connection closed by invalid user pi 198.18.2.201 port 40312 [preauth]
 * // → { failedAttempts: 1, byUser: { pi: 1 }, bySource: { '198.18.2.201': 1 }, window: { first: 'Nov 21 06:02:59', ... }, ... }
 */
export const authLogParser = defineParser<AuthLogResult>({
  name: NAME,
  describe:
    'sshd lines of /var/log/auth.log, /var/log/secure, journalctl -o short*/json/cat or sshd -E FILE: failed/invalid/accepted logins',
  fields: {
    events: [AUTH_EVENT_FIELDS],
    failedAttempts: 'int',
    failedPasswords: 'int',
    byUser: { '*': 'int' },
    bySource: { '*': 'int' },
    topUsers: 'list<string>',
    userCount: 'int',
    topSources: [{ source: 'string', attempts: 'int', users: 'list<string>' }],
    sourceCount: 'int',
    window: { first: 'string', last: 'string' },
    accepted: [AUTH_EVENT_FIELDS],
    acceptedBy: [{ user: 'string', method: 'string', source: 'string', count: 'int', first: 'string', last: 'string' }],
    acceptedAfterFailures: [
      { user: 'string', source: 'string', method: 'string', time: 'string', failuresFromSource: 'int', raw: 'string' },
    ],
    otherLines: 'int',
    failedPublickeys: 'int',
    format: 'string',
  },
  parse(result) {
    const all = nonBlankLines(result.stdout)
    if (all.length === 0 && result.exitCode !== 0) {
      const err = stderrLines(result)[0]
      throw parseError(NAME, `no log lines (exit code ${result.exitCode})${err ? `: ${err}` : ''}`)
    }
    const events: AuthEvent[] = []
    let otherLines = 0
    const format = formatOf(all)
    if (format === 'json') {
      for (const { entry, line } of jsonEntries(all)) {
        const program = str(entry['SYSLOG_IDENTIFIER']) ?? str(entry['_COMM']) ?? ''
        const usec = str(entry['__REALTIME_TIMESTAMP'])
        const time = usec && /^\d+$/.test(usec) ? new Date(Number(BigInt(usec) / 1000n)).toISOString() : null
        const pid = str(entry['SYSLOG_PID']) ?? str(entry['_PID'])
        const e = SSHD.test(program)
          ? readMessage(message(entry['MESSAGE']), { time, program, pid: pid && /^\d+$/.test(pid) ? Number(pid) : null }, line)
          : null
        if (e) events.push(e)
        else otherLines++
      }
      return summarize(events, otherLines, format)
    }
    for (const line of all) {
      const es = format === 'bare' ? [readBare(line)].filter((x): x is AuthEvent => x !== null) : readLine(line)
      if (es.length > 0) events.push(...es)
      else otherLines++
    }
    return summarize(events, otherLines, format)
  },
})

/** json when the output is journal JSON; bare when no line has a syslog header but sshd's messages are there. */
function formatOf(all: Line[]): AuthLogResult['format'] {
  const first = all.find((l) => !l.text.startsWith('-- '))
  if (!first) return 'syslog'
  if (first.text.trimStart().startsWith('{')) return 'json'
  if (HEADER.test(first.text)) return 'syslog'
  const bare = (t: string): boolean => MESSAGES.some(({ re }) => re.test(t)) || SSHD_OTHER.test(t)
  if (bare(first.text)) return 'bare'
  throw parseError(
    NAME,
    "expected a syslog line (`Mmm dd HH:MM:SS host program[pid]: message`, an ISO 8601 timestamp), journal JSON, or sshd's own messages (sshd -E)",
    first,
  )
}

// Lines of other logs: an access log (`1.2.3.4 - - [21/Nov/2026:...`), journal JSON, last/who rows.
const OTHER_FORMATS = /^(?:\S+ \S+ \S+ \[\d\d\/\w{3}\/\d{4}[: ]|\{"|\S+\s+(?:pts\/\d+|tty\d+|ssh:notty)\s)/

/** A line of `sshd -E FILE` / journalctl -o cat: sshd's message alone. Anything not sshd's is refused. */
function readBare(line: Line): AuthEvent | null {
  if (line.text.startsWith('-- ')) return null
  const e = readMessage(line.text, { time: null, program: 'sshd', pid: null }, line)
  if (e) return e
  // sshd prints many other messages (and new ones per release: OpenSSH 9.8's `drop connection ...
  // penalty`); they count as other lines. A line of another log format means two logs were mixed.
  if (HEADER.test(line.text)) throw parseError(NAME, 'a syslog line in a log without headers (two logs mixed?)', line)
  if (OTHER_FORMATS.test(line.text)) throw parseError(NAME, 'not an sshd message (sshd -E / journalctl -o cat): another log format', line)
  return null
}

type Json = Record<string, unknown>

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined
}

/** MESSAGE is a string, or an array of bytes when it is not valid UTF-8 (journalctl -o json). */
function message(v: unknown): string {
  if (Array.isArray(v)) return Buffer.from(v.filter((b): b is number => typeof b === 'number')).toString('latin1')
  return str(v) ?? ''
}

/** One entry per line (`-o json`) or pretty-printed over several lines (`-o json-pretty`). */
function jsonEntries(all: Line[]): { entry: Json; line: Line }[] {
  const out: { entry: Json; line: Line }[] = []
  let buf: string[] = []
  let start: Line | undefined
  for (const line of all) {
    if (buf.length === 0 && line.text.startsWith('-- ')) continue
    if (buf.length === 0) start = line
    buf.push(line.text)
    const text = buf.join('\n')
    if (!/^\s*\{/.test(text)) throw parseError(NAME, 'expected a journal JSON object (journalctl -o json)', line)
    if (!/\}\s*$/.test(line.text)) continue
    try {
      out.push({ entry: JSON.parse(text) as Json, line: start! })
      buf = []
    } catch (err) {
      // A pretty-printed entry ends at a line `}`; a one-line entry that does not parse is broken.
      if (buf.length === 1 && line.text.trimEnd() !== '}' && !/^\s*\{\s*$/.test(line.text)) {
        throw parseError(NAME, `journal JSON does not parse: ${(err as Error).message}`, line)
      }
    }
  }
  if (buf.length > 0) throw parseError(NAME, 'journal JSON cut before the end of an entry', start)
  return out
}

// rsyslog's repeated-message reduction (on in Ubuntu's rsyslog.conf):
// `sshd[1234]: message repeated 2 times: [ Failed password for root from 198.18.2.9 port 40312 ssh2]`.
const REPEATED = /^message repeated (\d+) times: \[ ?(.*?) ?\]$/

/** The events of one syslog line: none, one, or N for `message repeated N times: [ ... ]`. */
function readLine(line: Line): AuthEvent[] {
  if (line.text.startsWith('-- ')) return [] // journalctl: `-- No entries --`, `-- Boot ... --`
  const h = HEADER.exec(line.text)
  if (!h) throw parseError(NAME, 'expected a syslog line (`Mmm dd HH:MM:SS host program[pid]: message` or an ISO 8601 timestamp)', line)
  const [, time, , program, pid, msg] = h
  if (!SSHD.test(program!)) return []
  const head = { time: time!, program: program!, pid: pid === undefined ? null : int(NAME, pid, line, 'pid') }
  const rep = REPEATED.exec(msg!)
  const e = readMessage(rep ? rep[2]! : msg!, head, line)
  return e === null ? [] : Array.from({ length: rep ? Number(rep[1]) : 1 }, () => ({ ...e }))
}

function readMessage(message: string, head: { time: string | null; program: string; pid: number | null }, line: Line): AuthEvent | null {
  for (const { event, re } of MESSAGES) {
    const m = re.exec(message)
    if (!m) continue
    const base = { ...head, event }
    const raw = line.text
    const at = (source: string, port: string | undefined) => ({ source, port: int(NAME, port, line, 'port') })
    switch (event) {
      case 'failed':
        return { ...base, user: m[3]!, invalidUser: m[2] !== undefined, ...at(m[4]!, m[5]), method: m[1]!, raw }
      case 'invalid-user':
        return { ...base, user: m[1]!, invalidUser: true, ...at(m[2]!, m[3]), method: null, raw }
      case 'accepted':
        return { ...base, user: m[2]!, invalidUser: false, ...at(m[3]!, m[4]), method: m[1]!, raw }
      case 'closed':
        // m[1]: `invalid` / `authenticating` (`... user U A port P`), or `invalid user ` / none (`maximum authentication attempts exceeded for ...`).
        return { ...base, user: m[2]!, invalidUser: m[1] === 'invalid' || m[1] === 'invalid user ', ...at(m[3]!, m[4]), method: null, raw }
    }
  }
  return null
}

interface Connection {
  user: string
  source: string
  failed: number
  /** Indexes (in `events`) of its events before login. */
  seen: number[]
}

function isPassword(method: string | null): boolean {
  return method === 'password' || (method?.startsWith('keyboard-interactive') ?? false)
}

function summarize(events: AuthEvent[], otherLines: number, format: AuthLogResult['format']): AuthLogResult {
  const byUser: Record<string, number> = {}
  const bySource: Record<string, number> = {}
  const usersOf = new Map<string, Record<string, number>>()
  let failedAttempts = 0
  // Indexes of the first and last event of a failed attempt (log order is time order).
  let first = Infinity
  let last = -1
  // A connection is its source address and port; it ends with a `closed` or `accepted` line.
  const open = new Map<string, Connection>()
  const close = (key: string, accepted: boolean): void => {
    const c = open.get(key)
    if (!c) return
    open.delete(key)
    // A probe that ended before login without a Failed line still counts once; an accepted login
    // counts only the failures before it.
    const attempts = accepted ? c.failed : Math.max(1, c.failed)
    if (attempts === 0) return
    failedAttempts += attempts
    byUser[c.user] = (byUser[c.user] ?? 0) + attempts
    bySource[c.source] = (bySource[c.source] ?? 0) + attempts
    const users = usersOf.get(c.source) ?? {}
    users[c.user] = (users[c.user] ?? 0) + attempts
    usersOf.set(c.source, users)
    first = Math.min(first, ...c.seen)
    last = Math.max(last, ...c.seen)
  }
  events.forEach((e, i) => {
    const key = `${e.source} ${e.port}`
    const c = open.get(key) ?? { user: e.user, source: e.source, failed: 0, seen: [] }
    open.set(key, c)
    c.user = e.user
    if (e.event !== 'accepted') c.seen.push(i)
    if (e.event === 'failed') c.failed++
    if (e.event === 'closed') close(key, false)
    if (e.event === 'accepted') close(key, true)
  })
  for (const key of [...open.keys()]) close(key, false)

  const accepted = events.filter((e) => e.event === 'accepted')
  const ranked = (counts: Record<string, number>): string[] =>
    Object.keys(counts).sort((a, b) => counts[b]! - counts[a]! || a.localeCompare(b))
  return {
    events,
    failedAttempts,
    failedPasswords: events.filter((e) => e.event === 'failed' && isPassword(e.method)).length,
    byUser,
    bySource,
    topUsers: ranked(byUser).slice(0, TOP),
    userCount: Object.keys(byUser).length,
    topSources: ranked(bySource)
      .slice(0, TOP)
      .map((source) => ({ source, attempts: bySource[source]!, users: ranked(usersOf.get(source) ?? {}) })),
    sourceCount: Object.keys(bySource).length,
    window: { first: events[first]?.time ?? null, last: events[last]?.time ?? null },
    accepted,
    acceptedBy: groupAccepted(accepted),
    acceptedAfterFailures: accepted
      .filter((a) => isPassword(a.method) && (bySource[a.source] ?? 0) > 0)
      .map((a) => ({
        user: a.user,
        source: a.source,
        method: a.method!,
        time: a.time,
        failuresFromSource: bySource[a.source]!,
        raw: a.raw,
      })),
    otherLines,
    failedPublickeys: events.filter((e) => e.event === 'failed' && e.method === 'publickey').length,
    format,
  }
}

function groupAccepted(accepted: AuthEvent[]): AcceptedGroup[] {
  const groups = new Map<string, AcceptedGroup>()
  for (const a of accepted) {
    const key = `${a.user}\u0000${a.method}\u0000${a.source}`
    const g = groups.get(key)
    if (g) {
      g.count++
      g.last = a.time
    } else {
      groups.set(key, { user: a.user, method: a.method!, source: a.source, count: 1, first: a.time, last: a.time })
    }
  }
  return [...groups.values()]
}
