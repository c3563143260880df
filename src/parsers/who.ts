import { defineParser, parseError } from './registry.ts'
import { int, nonBlankLines, stderrLines, type Line } from './text.ts'

export interface WhoEntry {
  /** `user` (a login), `login` (a getty waiting: LOGIN), `dead` (an ended session, -a), `boot` (-b), `run-level` (-r). */
  type: 'user' | 'login' | 'dead' | 'boot' | 'run-level'
  /** Null for boot, run-level and dead entries. */
  user: string | null
  /** `pts/0`, `tty1`; null for boot and run-level. */
  line: string | null
  /** As printed: `2026-11-27 05:20` (in a UTF-8 or other non-C locale) or `Nov 27 05:20` (C locale: no year). */
  time: string
  /** `2026-11-27T05:20` when the year was printed; null otherwise. */
  timeIso: string | null
  /** `-u`: `.` (active in the last minute), `old` (idle over 24 h), `00:05`, `?` (no such tty); null without -u. */
  idle: string | null
  pid: number | null
  /** `(198.18.0.5)`: where the login came from (a host, an address, `tmux(1234).%0`, `:0`); null when none. */
  from: string | null
  /** `-T` / `-a`: `+` (messages allowed), `-`, `?`; null otherwise. */
  mesg: string | null
  /** run-level entries: the level (`5`). */
  runLevel: string | null
  raw: string
}

export interface WhoResult {
  entries: WhoEntry[]
  /** Logged-in users (type `user`), one per session, in order. */
  users: string[]
  /** Sessions per source (`from`), `local` for none. */
  bySource: Record<string, number>
  /** `system boot` time as printed (-b, -a); null when not asked. */
  boot: string | null
}

const NAME = 'who'
const TIME = String.raw`(\d{4}-\d\d-\d\d \d\d:\d\d|[A-Z][a-z]{2} [ \d]\d \d\d:\d\d)`
const USER = new RegExp(String.raw`^(\S+)\s+(?:([+?-]) )?(\S+)\s+${TIME}(?:\s+(\.|old|\d\d:\d\d|\?)\s+(\d+))?(?:\s+\((.*)\))?\s*$`)
const BOOT = new RegExp(String.raw`^\s+system boot\s+${TIME}\s*$`)
const RUNLEVEL = new RegExp(String.raw`^\s+run-level (\S+)\s+${TIME}(?:\s+last=\S+)?\s*$`)
const LOGIN = new RegExp(String.raw`^(LOGIN)\s+(\S+)\s+${TIME}\s+(\d+) id=\S+\s*$`)
const DEAD = new RegExp(String.raw`^\s+(\S+)\s+${TIME}\s+(\d+) id=\S+(?:\s+term=\d+ exit=\d+)?\s*$`)

/**
 * Who is logged in, from coreutils `who` with any of `-u`, `-H`, `-a`, `-b`, `-r`, `-l`, `-T`,
 * `-q`, in either time format (`2026-11-27 05:20` or `Nov 27 05:20` in the C locale). Nobody
 * logged in prints nothing: an empty result.
 *
 * @example
 * // result.users.exists(u, u == 'root') && result.bySource['198.18.0.5'] > 0
 */
export const whoParser = defineParser<WhoResult>({
  name: NAME,
  describe: 'who [-u] [-H] [-a] [-b] [-q] [FILE]: logged-in users, their ttys, sources, idle time and PIDs',
  fields: {
    entries: [
      {
        type: 'string',
        user: 'string',
        line: 'string',
        time: 'string',
        timeIso: 'string',
        idle: 'string',
        pid: 'int',
        from: 'string',
        mesg: 'string',
        runLevel: 'string',
        raw: 'string',
      },
    ],
    users: 'list<string>',
    bySource: { '*': 'int' },
    boot: 'string',
  },
  parse(result) {
    const ls = nonBlankLines(result.stdout)
    if (ls.length === 0 && result.exitCode !== 0)
      throw parseError(NAME, `no output (exit code ${result.exitCode})${stderrLines(result)[0] ? `: ${stderrLines(result)[0]}` : ''}`)
    const entries: WhoEntry[] = []
    let boot: string | null = null
    let quick: string[] | undefined
    for (const l of ls) {
      if (/^NAME\s+LINE\s+TIME/.test(l.text)) continue
      if (/^# users=\d+$/.test(l.text)) continue
      const e = readEntry(l)
      if (e) {
        if (e.type === 'boot') boot = e.time
        entries.push(e)
        continue
      }
      // who -q: the names on one line, then `# users=N`.
      if (ls.some((x) => /^# users=\d+$/.test(x.text))) {
        quick = [...(quick ?? []), ...l.text.trim().split(/\s+/)]
        continue
      }
      throw parseError(NAME, 'expected `user line time [idle pid] [(from)]`, `system boot`, `run-level`, `LOGIN` or a dead-process line', l)
    }
    const users = quick ?? entries.filter((e) => e.type === 'user').map((e) => e.user!)
    const bySource: Record<string, number> = {}
    for (const e of entries) if (e.type === 'user') bySource[e.from ?? 'local'] = (bySource[e.from ?? 'local'] ?? 0) + 1
    return { entries, users, bySource, boot }
  },
})

function iso(time: string): string | null {
  return /^\d{4}-/.test(time) ? time.replace(' ', 'T') : null
}

function readEntry(l: Line): WhoEntry | null {
  const base = { user: null, line: null, idle: null, pid: null, from: null, mesg: null, runLevel: null, raw: l.text }
  let m: RegExpExecArray | null
  if ((m = BOOT.exec(l.text))) return { ...base, type: 'boot', time: m[1]!, timeIso: iso(m[1]!) }
  if ((m = RUNLEVEL.exec(l.text))) return { ...base, type: 'run-level', runLevel: m[1]!, time: m[2]!, timeIso: iso(m[2]!) }
  if ((m = LOGIN.exec(l.text)))
    return { ...base, type: 'login', user: 'LOGIN', line: m[2]!, time: m[3]!, timeIso: iso(m[3]!), pid: int(NAME, m[4], l, 'pid') }
  if ((m = DEAD.exec(l.text)))
    return { ...base, type: 'dead', line: m[1]!, time: m[2]!, timeIso: iso(m[2]!), pid: int(NAME, m[3], l, 'pid') }
  if ((m = USER.exec(l.text))) {
    return {
      ...base,
      type: 'user',
      user: m[1]!,
      mesg: m[2] ?? null,
      line: m[3]!,
      time: m[4]!,
      timeIso: iso(m[4]!),
      idle: m[5] ?? null,
      pid: m[6] === undefined ? null : int(NAME, m[6], l, 'pid'),
      from: m[7] ?? null,
    }
  }
  return null
}
