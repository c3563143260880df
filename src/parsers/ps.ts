import { defineParser, parseError } from './registry.ts'
import { int, num, requireOutput, type Line } from './text.ts'

export interface Process {
  pid: number
  ppid: number | null
  user: string | null
  stat: string | null
  cpuPercent: number | null
  memPercent: number | null
  rssKb: number | null
  vszKb: number | null
  elapsedSeconds: number | null
  /** The comm column, or the program name taken from args when comm was not requested. */
  comm: string
  args: string | null
  /** Other single-word columns by header (`TTY`, `TIME`, `START`, `STIME`, `C`, `NI`, ...). */
  extra: Record<string, string>
  raw: string
}

export interface PsResult {
  processes: Process[]
  count: number
  /** Per comm: how many, summed RSS and %CPU (e.g. `result.byComm['apache2'].count > 50`). */
  byComm: Record<string, { count: number; rssKb: number; cpuPercent: number }>
  /** Processes whose STAT starts with Z (defunct). */
  zombies: number
}

const NAME = 'ps'
type Key = 'pid' | 'ppid' | 'user' | 'stat' | 'cpuPercent' | 'memPercent' | 'rssKb' | 'vszKb' | 'elapsedSeconds' | 'comm' | 'args' | 'extra'
const HEADERS: Record<string, Key> = {
  PID: 'pid',
  PPID: 'ppid',
  USER: 'user',
  UID: 'user',
  STAT: 'stat',
  S: 'stat',
  '%CPU': 'cpuPercent',
  '%MEM': 'memPercent',
  RSS: 'rssKb',
  RSZ: 'rssKb',
  VSZ: 'vszKb',
  ELAPSED: 'elapsedSeconds',
  COMMAND: 'comm',
  CMD: 'args',
}
// Columns whose values are one word each (ps aux, ps -ef, ps -el): kept in `extra`, by header.
const EXTRA = new Set([
  'TTY',
  'TT',
  'TIME',
  'START',
  'STIME',
  'C',
  'F',
  'PRI',
  'NI',
  'SZ',
  'PSR',
  'LWP',
  'NLWP',
  'TID',
  'PGID',
  'SID',
  'GROUP',
  'RUSER',
  'RUID',
  'EUID',
  'WCHAN',
  'ADDR',
  'CLS',
  'RTPRIO',
  // User and group ids and names (procps prints a name or a number, one word either way).
  'UID',
  'GID',
  'EGID',
  'EGROUP',
  'EUSER',
  'FGID',
  'FGROUP',
  'FSGID',
  'FSGROUP',
  'FSUID',
  'FSUSER',
  'FUID',
  'FUSER',
  'RGID',
  'RGROUP',
  'SGID',
  'SGROUP',
  'SUID',
  'SUSER',
  'SVGID',
  'SVGROUP',
  'SVUID',
  'SVUSER',
  'OWNER',
  'LUID',
  'SUPGID',
  'SUPGRP',
  // Process, session and terminal ids.
  'TPGID',
  'PGRP',
  'TGID',
  'SPID',
  'SESS',
  'SEAT',
  'THCNT',
  // systemd and cgroups (paths without spaces), namespaces (inode numbers), security labels.
  'UNIT',
  'UUNIT',
  'SLICE',
  'CGROUP',
  'CGNAME',
  'MACHINE',
  'CGROUPNS',
  'IPCNS',
  'MNTNS',
  'NETNS',
  'PIDNS',
  'USERNS',
  'UTSNS',
  'TIMENS',
  'LABEL',
  'CONTEXT',
  // Memory, faults, I/O, scheduling and signal masks: numbers and hex words.
  'SIZE',
  'DRS',
  'TRS',
  'DSIZ',
  'TSIZ',
  'TRSS',
  'PSS',
  'USS',
  'MAJFL',
  'MINFL',
  'MAJFLT',
  'MINFLT',
  'RBYTES',
  'WBYTES',
  'WCBYTES',
  'RCHARS',
  'WCHARS',
  'ROPS',
  'WOPS',
  'OOM',
  'OOMADJ',
  'CP',
  'CPUID',
  'NUMA',
  'POL',
  'SCH',
  'PENDING',
  'BLOCKED',
  'IGNORED',
  'CAUGHT',
  'CATCHED',
  'SIGNAL',
  'STACKP',
  'ESP',
  'EIP',
])

/** Columns whose values hold spaces, and what to use instead. */
const SPACED: Readonly<Record<string, string>> = {
  STARTED: 'lstart and start print dates with spaces: use etimes (seconds since the process started)',
  EXE: 'exe is a path that may hold spaces: put it last as args, or use comm',
}

/**
 * Processes, from `ps -eo pid,ppid,user,stat,pcpu,pmem,rss,etimes,comm,args` (the recommended
 * list). Columns are detected from the header; accepted `-o` keys: pid, ppid, user, stat, pcpu,
 * pmem, rss, vsz, etimes or etime, comm, args (or cmd). `args` must be last, since it holds
 * spaces. Also `ps aux`, `ps -ef`, `ps -el`, `ps axjf`: their one-word columns (TTY, TIME, START,
 * STIME, C, NI, TPGID, ids, cgroup, unit, namespaces...) are kept in `extra`, and the tree of `ps f` /
 * `--forest` is no part of args. Refused, with what to use instead: no header (`-o pid=`,
 * `--no-headers`), and columns whose values hold spaces (lstart, start, exe). `comm` may also hold spaces (`rb worker`): it is read by its column width, which ps
 * fixes at 15 characters. A last `COMMAND` column is taken as args. BusyBox's ps reads too (`ps`,
 * `ps -o pid,ppid,user,vsz,rss,stat,comm,args`: comm and args both headed COMMAND; a large VSZ or
 * RSS printed as `38m` reads as KiB, to within a MiB).
 *
 * @example
 * // result.byComm['apache2'].count > 50 || result.zombies > 0
 */
export const psParser = defineParser<PsResult>({
  name: NAME,
  describe: 'ps -eo pid,ppid,user,stat,pcpu,pmem,rss,etimes,comm,args (columns from the header; args last)',
  fields: {
    processes: [
      {
        pid: 'int',
        ppid: 'int',
        user: 'string',
        stat: 'string',
        cpuPercent: 'double',
        memPercent: 'double',
        rssKb: 'int',
        vszKb: 'int',
        elapsedSeconds: 'int',
        comm: 'string',
        args: 'string',
        extra: { '*': 'string' },
        raw: 'string',
      },
    ],
    count: 'int',
    byComm: { '*': { count: 'int', rssKb: 'int', cpuPercent: 'double' } },
    zombies: 'int',
  },
  parse(result) {
    const ls = requireOutput(NAME, result, 'the ps -eo header')
    const header = ls[0]!
    const columns = readHeader(header)
    const processes = ls.slice(1).map((line) => readProcess(line, columns))
    const byComm: PsResult['byComm'] = {}
    for (const p of processes) {
      const g = (byComm[p.comm] ??= { count: 0, rssKb: 0, cpuPercent: 0 })
      g.count += 1
      g.rssKb += p.rssKb ?? 0
      g.cpuPercent = Math.round((g.cpuPercent + (p.cpuPercent ?? 0)) * 10) / 10
    }
    return { processes, count: processes.length, byComm, zombies: processes.filter((p) => p.stat?.startsWith('Z')).length }
  },
})

interface Column {
  key: Key
  name: string
  /** comm only: its fixed width, from the header. */
  width: number
}

function readHeader(header: Line): Column[] {
  const names = [...header.text.matchAll(/\S+/g)]
  // `ps -o pid=,args=` and --no-headers print none: the columns cannot be told apart.
  if (/^\d/.test(names[0]?.[0] ?? ''))
    throw parseError(
      NAME,
      'no header line (ps -o key= or --no-headers): the columns are read from the header, so keep it (ps -eo pid,etimes,args)',
      header,
    )
  const columns = names.map((m, i): Column => {
    const key = HEADERS[m[0]] ?? (EXTRA.has(m[0]) ? 'extra' : undefined)
    const spaced = SPACED[m[0]]
    if (!key && spaced) throw parseError(NAME, `column ${JSON.stringify(m[0])}: ${spaced}`, header)
    if (!key)
      throw parseError(
        NAME,
        `unsupported column ${JSON.stringify(m[0])} (accepted: pid,ppid,user,stat,pcpu,pmem,rss,vsz,etimes,comm,args)`,
        header,
      )
    const last = i === names.length - 1
    if (key === 'comm' && last) return { key: 'args', name: m[0], width: 0 }
    const next = names[i + 1]
    return { key, name: m[0], width: key === 'comm' && next ? next.index - m.index - 1 : 0 }
  })
  if (!columns.some((c) => c.key === 'pid')) throw parseError(NAME, 'the header has no PID column', header)
  const argsAt = columns.findIndex((c) => c.key === 'args')
  if (argsAt !== -1 && argsAt !== columns.length - 1) throw parseError(NAME, 'args must be the last -o column', header)
  return columns
}

function readProcess(line: Line, columns: Column[]): Process {
  const t = line.text
  const v: Partial<Record<Key, string>> = {}
  const extra: Record<string, string> = {}
  let pos = 0
  for (const [i, c] of columns.entries()) {
    while (t[pos] === ' ') pos++
    if (pos >= t.length) {
      if (c.key === 'args') {
        v.args = ''
        break
      }
      throw parseError(NAME, `line ends before the ${c.key} column`, line)
    }
    if (c.key === 'args' || i === columns.length - 1) {
      if (c.key === 'extra') extra[c.name] = t.slice(pos)
      else v[c.key] = t.slice(pos)
      break
    }
    if (c.key === 'comm') {
      v.comm = t.slice(pos, pos + c.width).trimEnd()
      pos += c.width
      continue
    }
    const end = t.indexOf(' ', pos)
    if (c.key === 'extra') extra[c.name] = t.slice(pos, end === -1 ? t.length : end)
    else v[c.key] = t.slice(pos, end === -1 ? t.length : end)
    pos = end === -1 ? t.length : end
  }
  const opt = <T>(k: Key, f: (s: string) => T): T | null => (v[k] === undefined ? null : f(v[k]))
  // `ps f`, `ps axjf`, `ps -ef --forest` draw the tree before the command: ` \_ `, ` |   \_ `.
  const args = v.args === undefined ? null : v.args.replace(FOREST, '')
  return {
    pid: int(NAME, v.pid, line, 'PID'),
    ppid: opt('ppid', (s) => int(NAME, s, line, 'PPID')),
    user: v.user ?? null,
    stat: v.stat ?? null,
    cpuPercent: opt('cpuPercent', (s) => num(NAME, s, line, '%CPU')),
    memPercent: opt('memPercent', (s) => num(NAME, s, line, '%MEM')),
    rssKb: opt('rssKb', (s) => kib(s, line, 'RSS')),
    vszKb: opt('vszKb', (s) => kib(s, line, 'VSZ')),
    elapsedSeconds: opt('elapsedSeconds', (s) => elapsed(s, line)),
    comm: fullComm(v.comm, args),
    args,
    extra,
    raw: t,
  }
}

/**
 * RSS or VSZ in KiB. BusyBox's ps prints a size too wide for its column in a larger unit, rounded:
 * `38m` (MiB), `2g` (GiB), `1t`; read back as KiB, to within that unit.
 */
function kib(s: string, line: Line, column: string): number {
  const m = /^(\d+)([mgt])$/.exec(s)
  if (!m) return int(NAME, s, line, column)
  return Number(m[1]) * 1024 ** (' mgt'.indexOf(m[2]!) as number)
}

/** `etimes` (seconds) or `etime` (`[[dd-]hh:]mm:ss`). */
function elapsed(s: string, line: Line): number {
  if (/^\d+$/.test(s)) return Number(s)
  const m = /^(?:(?:(\d+)-)?(\d+):)?(\d+):(\d+)$/.exec(s)
  if (!m) throw parseError(NAME, `cannot read elapsed time ${JSON.stringify(s)}`, line)
  return Number(m[1] ?? 0) * 86400 + Number(m[2] ?? 0) * 3600 + Number(m[3]) * 60 + Number(m[4])
}

/**
 * The name as the kernel has it. ps cuts comm at its column width (15 by default:
 * `kworker/0:1-ine`); a kernel thread's args carry the whole name (`[kworker/0:1-inet_frag_wq]`),
 * so a cut comm that starts that name is completed from it. Without comm, the name comes from args.
 */
/** The tree `ps f` / `--forest` draws before a child's command. */
const FOREST = /^[ |]*\\_ +/

function fullComm(comm: string | undefined, args: string | null): string {
  const kernel = args === null ? null : /^\[(.+)\]$/.exec(args.trim())
  if (comm === undefined) return programName(args ?? '')
  if (kernel && kernel[1]!.length > comm.length && kernel[1]!.startsWith(comm)) return kernel[1]!
  return comm
}

/**
 * `/usr/sbin/apache2 -k start` → `apache2`; `[kworker/0:1]` → `kworker/0:1`; `[perl] <defunct>` →
 * `perl`; `sshd: root@pts/0` → `sshd`. Only a path (`/...`, `./...`) loses its directory: a bare
 * comm in a last COMMAND column (`ps -eo pid,comm`) may hold `/` (`kworker/0:1-events`).
 */
function programName(args: string): string {
  const kernel = /^\[([^\]]+)\]/.exec(args)
  if (kernel) return kernel[1]!
  const first = args.split(' ')[0] ?? ''
  const base = /^\.{0,2}\//.test(first) ? first.slice(first.lastIndexOf('/') + 1) : first
  return base.replace(/:$/, '')
}
