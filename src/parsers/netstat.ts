import { firstProblem, hasFlag, otherReport, type OtherReport } from './command-check.ts'
import { defineParser, parseError } from './registry.ts'
import { SOCKETS_FIELDS, socketRow, splitHostPort, summarise, tcpState, type Socket } from './sockets.ts'
import { int, nonBlankLines, stderrLines, type Line } from './text.ts'

const NAME = 'netstat'
/** netstat's reports other than sockets. */
const OTHER_REPORTS: readonly OtherReport[] = [
  ['s', '--statistics', 'protocol statistics'],
  ['i', '--interfaces', 'the interface table'],
  ['r', '--route', 'the routing table'],
  ['g', '--groups', 'multicast groups'],
  ['M', '--masquerade', 'masqueraded connections'],
]
/** Without -W netstat cuts `address:port` to this width, silently dropping address digits. */
const NARROW = 23

/**
 * Sockets from net-tools: `netstat -antp` or, better, `netstat -antpW` (wide: IPv6
 * addresses are not cut); also `-tunap` (UDP rows have no state unless connected: read as CLOSE,
 * like ss's UNCONN) and `-anp` (its UNIX domain section is skipped with a warning). Numeric output (`-n`) is required. Same shape as the `ss` parser.
 * The program column is `PID/name` where name is argv[0]'s base name as netstat read it
 * (`31485/nginx -g daem` is cut at 20 characters); `-` when unknown or not permitted. A process that
 * rewrote its title shows it there (`27211/sshd: /usr/sb`, `5811/sshd: root@not`): `name` is the
 * program as the kernel names it (`sshd`, `nginx`: first word, without a trailing `:` or a
 * directory), `command` the column as printed. With `-e` (User, Inode) and `-o` (Timer), those
 * columns go to `extra` as `user:0 ino:1151 timer:keepalive (7193.45/0/0)`.
 */
export const netstatParser = defineParser({
  name: NAME,
  describe: 'netstat -antpW (or -antp, -tunap, -anp): sockets, owning processes, grouped by process/peer/state',
  fields: SOCKETS_FIELDS,
  checkCommand: (command) =>
    firstProblem(command, 'netstat', ({ program, options }) => {
      const other = otherReport(options, OTHER_REPORTS, 'A')
      if (other)
        return {
          offset: other.at.offset,
          message: `netstat -${other.flag} prints ${other.what}, not sockets: the netstat parser reads netstat -antpW`,
        }
      const numeric =
        hasFlag(options, 'n', ['--numeric'], 'A') ??
        (options.some((w) => w.text === '--numeric-hosts') && options.some((w) => w.text === '--numeric-ports') ? program : undefined)
      if (!numeric)
        return {
          offset: program.offset,
          message: 'netstat prints service and host names without -n (`:ssh`, `localhost`), which the netstat parser cannot read: add -n',
        }
      return null
    }),
  parse(result) {
    const all = nonBlankLines(result.stdout)
    // netstat prints its header even with no socket: no output at all is a failed netstat (BusyBox's
    // has no -p, and says so on stderr).
    if (all.length === 0) {
      const why = stderrLines(result)[0]
      throw parseError(NAME, `no output (exit code ${result.exitCode})${why ? `: ${why}` : ''}`)
    }
    let i = 0
    if (all[i] && /^Active Internet connections/.test(all[i]!.text)) i++
    const header = all[i]
    if (!header || !/^Proto\s+Recv-Q\s+Send-Q\s+Local Address\s+Foreign Address\s+State/.test(header.text)) {
      throw parseError(
        NAME,
        'expected the netstat -antp header (`Proto Recv-Q Send-Q Local Address Foreign Address State ...`)',
        header ?? all[0],
      )
    }
    // `netstat -anp` goes on with `Active UNIX domain sockets` (and Bluetooth): not IP sockets.
    const end = all.findIndex((l, k) => k > i && /^Active /.test(l.text))
    const body = all.slice(i + 1, end === -1 ? undefined : end)
    const skipped = end === -1 ? 0 : all.length - end
    // -e adds `User Inode` after State, -o a last `Timer` column (`off (0.00/0/0)`, `keepalive (7193.45/0/0)`).
    const columns = { userInode: /\sUser\s+Inode\s/.test(header.text), timer: /\sTimer\s*$/.test(header.text) }
    const sockets = body.map((line) => readSocket(line, columns))
    const cut = sockets.filter((s) => s.proto.endsWith('6') && /^\S+\s+\d+\s+\d+\s+(\S{23}\s|\S+\s+\S{23}\s)/.test(s.raw)).length
    const warnings =
      cut > 0
        ? [`${cut} IPv6 address field(s) fill the ${NARROW}-character column: without -W netstat cuts long addresses; use netstat -antpW`]
        : []
    if (skipped > 0) warnings.push(`${skipped} line(s) of non-IP sockets (UNIX domain, Bluetooth) skipped: use netstat -tunap`)
    return summarise(sockets, warnings)
  },
})

function readSocket(line: Line, columns: { userInode: boolean; timer: boolean }): Socket {
  const m = /^((?:tcp|udp|udpl|raw|sctp)6?)\s+(\d+)\s+(\d+)\s+(\S+)\s+(\S+)\s*(.*?)\s*$/.exec(line.text)
  if (!m) throw parseError(NAME, 'expected `proto recv-q send-q local foreign state pid/program`', line)
  const [, proto, recvQ, sendQ, local, peer, tail] = m as unknown as [string, string, string, string, string, string, string]
  // UDP and raw sockets have no state unless connected (`ESTABLISHED`); raw ones print a number.
  const first = tail.split(/\s+/)[0] ?? ''
  const isState = tcpState(first) !== undefined || (/^raw/.test(proto) && /^\d+$/.test(first))
  const stateRaw = isState ? first : ''
  let prog = isState ? tail.slice(first.length).trim() : tail
  const extra: string[] = []
  if (columns.userInode) {
    const m2 = /^(\S+)\s+(\d+)(?:\s+(.*))?$/.exec(prog)
    if (!m2) throw parseError(NAME, `expected User and Inode (netstat -e) before the program, got ${JSON.stringify(prog)}`, line)
    extra.push(`user:${m2[1]}`, `ino:${m2[2]}`)
    prog = m2[3] ?? ''
  }
  if (columns.timer) {
    const t = /(?:^|\s+)((?:off|on|keepalive|timewait|probe|unkn-\d+) \([^)]*\))$/.exec(prog)
    if (!t) throw parseError(NAME, `expected a Timer (netstat -o) at the end, got ${JSON.stringify(prog)}`, line)
    extra.push(`timer:${t[1]}`)
    prog = prog.slice(0, t.index).trim()
  }
  const state = stateRaw === '' ? (proto.startsWith('tcp') ? undefined : 'CLOSE') : (tcpState(stateRaw) ?? 'UNKNOWN')
  if (!state) throw parseError(NAME, `a TCP socket without a state: ${JSON.stringify(tail)}`, line)
  const l = splitHostPort(local)
  const p = splitHostPort(peer)
  if (!l) throw parseError(NAME, `cannot read local address ${JSON.stringify(local)} (run netstat with -n)`, line)
  if (!p) throw parseError(NAME, `cannot read foreign address ${JSON.stringify(peer)} (run netstat with -n)`, line)
  const pm = /^(\d+)\/(.+)$/.exec(prog)
  if (prog !== '' && prog !== '-' && !pm) throw parseError(NAME, `cannot read PID/Program name ${JSON.stringify(prog)}`, line)
  const process = pm ? { name: programName(pm[2]!), pid: Number(pm[1]), fd: null, command: pm[2]!.trim() } : null
  return socketRow(NAME, line, {
    proto,
    state,
    stateRaw,
    recvQ,
    sendQ,
    local: l,
    peer: p,
    processes: process ? [process] : [],
    ...(extra.length > 0 ? { extra: extra.join(' ') } : {}),
  })
}

/** `sshd: /usr/sb` → `sshd`; `nginx -g daem` → `nginx`; `/usr/bin/python3 -m` → `python3`; `kworker/0:1` stays. */
function programName(column: string): string {
  const first = column.trim().split(/\s+/)[0] ?? ''
  const bare = first.replace(/:$/, '')
  return bare.startsWith('/') ? bare.slice(bare.lastIndexOf('/') + 1) || bare : bare
}
