import { firstProblem, hasFlag } from './command-check.ts'
import { defineParser, parseError } from './registry.ts'
import {
  SOCKETS_FIELDS,
  socketRow,
  splitHostPort,
  summarise,
  tcpState,
  type Socket,
  type SocketProcess,
  type SocketsResult,
} from './sockets.ts'
import { int, lines, nonBlankLines, stderrLines, type Line } from './text.ts'

const NAME = 'ss'
const INET = new Set(['tcp', 'udp', 'raw', 'sctp', 'mptcp', 'dccp'])
const OTHER = new Set(['u_str', 'u_dgr', 'u_seq', 'p_raw', 'p_dgr', 'nl', 'v_str', 'v_dgr', 'xdp', 'tipc'])
const HEADER = /^(Netid\s+)?(State\s+)?Recv-Q\s+Send-Q\s+Local Address:Port\s+Peer Address:Port/

/**
 * Sockets with their owning processes, from `ss -tanp` / `ss -Htanp` (no header) and the forms
 * around it: a Netid column (`ss -anp`, `-f inet`; unix/netlink rows are skipped with a warning),
 * a state filter (`ss -tan state established`: ss then prints no State column, so `state` is
 * `UNKNOWN`, `stateRaw` is empty and a warning says so: the state is the one the command asked
 * for), `-o`/`-e` columns after the process list (kept in `extra`), `-i` lines under each socket
 * (kept in `info`), UDP (`UNCONN` reads as CLOSE). Numeric addresses are required (`-n`); IPv6
 * comes bracketed (`[2001:db8::100]:80`); `-p` adds `users:(("apache2",pid=9140,fd=8))`,
 * possibly several processes per socket. Same shape as the `netstat` parser.
 *
 * @example
 * // result.groups.exists(g, g.process == 'apache2' && g.state == 'ESTABLISHED' && g.count > 100)
 */
export const ssParser = defineParser<SocketsResult>({
  name: NAME,
  describe: 'ss -tanp / -Htanp (also -anp, state filters, -o/-e/-i): sockets, owning processes, grouped by process/peer/state',
  fields: SOCKETS_FIELDS,
  // ss's options that take a value (in the same word or the next): -f FAMILY, -A QUERY, -F FILE, -N NETNS.
  checkCommand: (command) =>
    firstProblem(command, 'ss', ({ program, options }) => {
      const summary = hasFlag(options, 's', ['--summary'], 'fAFN')
      if (summary) return { offset: summary.offset, message: 'ss -s prints the summary, not sockets: use parse: ss-summary' }
      if (!hasFlag(options, 'n', ['--numeric'], 'fAFN'))
        return {
          offset: program.offset,
          message: 'ss prints service and host names without -n (`:ssh`, `localhost`), which the ss parser cannot read: add -n',
        }
      return null
    }),
  parse(result) {
    const all = lines(result.stdout).filter((l) => l.text.trim() !== '')
    const warnings = stderrLines(result).map((e) => `ss stderr: ${e}`)
    if (all.length === 0) {
      // -H with no sockets prints nothing; that is an answer only if ss itself succeeded.
      if (result.exitCode === 0) return summarise([], warnings)
      throw parseError(NAME, `no output (exit code ${result.exitCode}): ${result.stderr.trim().split('\n')[0] ?? ''}`)
    }
    const h = HEADER.exec(all[0]!.text)
    // Without a header (-H) the layout is read from the first row: does it start with a state word?
    const first = h ? undefined : all[0]!.text.trim().split(/\s+/)
    const netid = h ? h[1] !== undefined : first !== undefined && (INET.has(first[0]!) || OTHER.has(first[0]!))
    const state = h ? h[2] !== undefined : first !== undefined && tcpState(first[netid ? 1 : 0]!) !== undefined
    const sockets: Socket[] = []
    let skipped = 0
    for (const line of h ? all.slice(1) : all) {
      if (/^\s/.test(line.text) && sockets.length > 0 && !/^\s+\d+\s+\d+\s/.test(line.text)) {
        const last = sockets[sockets.length - 1]!
        last.info = last.info === null ? line.text.trim() : `${last.info} ${line.text.trim()}`
        continue
      }
      const s = readSocket(line, netid, state)
      if (s) sockets.push(s)
      else skipped++
    }
    if (!state)
      warnings.push(
        'ss printed no State column (a state filter such as `state established`): every socket is in the state the command asked for; state reads UNKNOWN',
      )
    if (skipped > 0) warnings.push(`${skipped} non-IP socket(s) (unix, netlink, packet) skipped: filter with -t/-u or -f inet`)
    return summarise(sockets, warnings)
  },
})

function readSocket(line: Line, hasNetid: boolean, hasState: boolean): Socket | undefined {
  const words = line.text.trim().split(/\s+/)
  let i = 0
  let proto = 'tcp'
  if (hasNetid) {
    proto = words[i++]!
    if (OTHER.has(proto)) return undefined
    if (!INET.has(proto)) throw parseError(NAME, `unknown Netid ${JSON.stringify(proto)}`, line)
  }
  let stateRaw = ''
  if (hasState) {
    stateRaw = words[i++] ?? ''
    if (!tcpState(stateRaw)) throw parseError(NAME, `unknown state ${JSON.stringify(stateRaw)}`, line)
  }
  const [recvQ, sendQ, local, peer] = words.slice(i, i + 4)
  if (peer === undefined || !/^\d+$/.test(recvQ ?? '') || !/^\d+$/.test(sendQ ?? '')) {
    throw parseError(
      NAME,
      `expected \`${hasNetid ? 'Netid ' : ''}${hasState ? 'State ' : ''}Recv-Q Send-Q Local:Port Peer:Port [users:(...)]\``,
      line,
    )
  }
  const l = splitHostPort(stripScope(local!))
  const p = splitHostPort(stripScope(peer))
  if (!l) throw parseError(NAME, `cannot read local address ${JSON.stringify(local)} (run ss with -n)`, line)
  if (!p) throw parseError(NAME, `cannot read peer address ${JSON.stringify(peer)} (run ss with -n)`, line)
  // The rest: users:((...)) (names may hold spaces) and -o/-e columns, in any order.
  const restAt = nthFieldEnd(line.text, (hasNetid ? 1 : 0) + (hasState ? 1 : 0) + 4)
  let rest = line.text.slice(restAt).trim()
  let processes: SocketProcess[] = []
  const at = rest.indexOf('users:(')
  if (at !== -1) {
    const end = closingParen(rest, at + 'users:'.length)
    if (end === -1) throw parseError(NAME, 'the users:(...) process list is not closed (output cut?)', line)
    processes = readUsers(rest.slice(at, end + 1), line)
    rest = (rest.slice(0, at) + rest.slice(end + 1)).trim()
  }
  const state = hasState ? tcpState(stateRaw)! : 'UNKNOWN'
  return socketRow(NAME, line, {
    proto,
    state,
    stateRaw,
    recvQ: recvQ!,
    sendQ: sendQ!,
    local: l,
    peer: p,
    processes,
    extra: rest === '' ? null : rest,
  })
}

/** `fe80::1%eth0:22` / `[fe80::1]%eth0:22` / `10.0.0.1%lo:53` → without the interface. */
function stripScope(addr: string): string {
  return addr.replace(/%[^\]:]+(?=\]?:[^:]*$)/, '')
}

/** Index of the `)` closing the `(` at `open`, skipping quoted process names; -1 when unclosed. */
function closingParen(text: string, open: number): number {
  let depth = 0
  for (let i = open; i < text.length; i++) {
    const c = text[i]
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++
    } else if (c === '(') depth++
    else if (c === ')' && --depth === 0) return i
  }
  return -1
}

/** Index just after the n-th whitespace-separated field of text. */
function nthFieldEnd(text: string, n: number): number {
  const re = /\S+/g
  let m: RegExpExecArray | null = null
  for (let k = 0; k < n; k++) m = re.exec(text)
  return m ? m.index + m[0].length : text.length
}

/** `users:(("nginx",pid=1,fd=6),("nginx",pid=2,fd=6))`; names may hold spaces and commas. */
function readUsers(text: string, line: Line): SocketProcess[] {
  const out: SocketProcess[] = []
  // iproute2 before 3.x printed `("sshd",1234,3)`, without `pid=` and `fd=`.
  for (const m of text.matchAll(/\("((?:[^"\\]|\\.)*)",(?:pid=)?(\d+),(?:fd=)?(\d+)\)/g)) {
    out.push({ name: m[1]!, pid: Number(m[2]), fd: Number(m[3]) })
  }
  if (out.length === 0) throw parseError(NAME, 'cannot read the users:(...) process list', line)
  return out
}

export interface SsSummaryResult {
  /** `Total: N`: every socket the kernel knows, all families. */
  total: number
  /** The TCP line: `TCP: 47 (estab 23, closed 20, orphaned 5, timewait 4)`. Older ss add synrecv and `timewait N/M`. */
  tcp: { total: number; estab: number; closed: number; orphaned: number; timewait: number; synrecv: number | null }
  /** Transport table rows by name (`RAW`, `UDP`, `TCP`, `INET`, `FRAG`; `*` in older ss): total / IP / IPv6, null where ss prints `-`. */
  transports: Record<string, { total: number | null; ipv4: number | null; ipv6: number | null }>
}

/**
 * Socket counts from `ss -s`: the `Total:` line, the `TCP:` line and the transport table. Older ss
 * print `Total: N (kernel M)` and `timewait N/M`, `synrecv`, `ports`: all read.
 */
export const ssSummaryParser = defineParser<SsSummaryResult>({
  name: 'ss-summary',
  describe: 'ss -s: socket counts (total, TCP states, per transport IPv4/IPv6)',
  fields: {
    total: 'int',
    tcp: { total: 'int', estab: 'int', closed: 'int', orphaned: 'int', timewait: 'int', synrecv: 'int' },
    transports: { '*': { total: 'int', ipv4: 'int', ipv6: 'int' } },
  },
  parse(result) {
    const P = 'ss-summary'
    const ls = nonBlankLines(result.stdout)
    if (ls.length === 0)
      throw parseError(P, `empty output (exit code ${result.exitCode})${stderrLines(result)[0] ? `: ${stderrLines(result)[0]}` : ''}`)
    let total: number | undefined
    let tcp: SsSummaryResult['tcp'] | undefined
    const transports: SsSummaryResult['transports'] = {}
    let table = false
    for (const line of ls) {
      const t = line.text.trim()
      let m: RegExpExecArray | null
      if ((m = /^Total:\s+(\d+)/.exec(t))) {
        total = int(P, m[1], line, 'Total')
        continue
      }
      if ((m = /^TCP:\s+(\d+)\s+\((.*)\)(?:,.*)?$/.exec(t))) {
        const kv: Record<string, number> = {}
        for (const part of m[2]!.split(',')) {
          const p = /^\s*(\w+)\s+(\d+)(?:\/\d+)?\s*$/.exec(part)
          if (!p) throw parseError(P, `cannot read ${JSON.stringify(part.trim())} in the TCP line`, line)
          kv[p[1]!] = Number(p[2])
        }
        tcp = {
          total: int(P, m[1], line, 'TCP'),
          estab: kv['estab'] ?? 0,
          closed: kv['closed'] ?? 0,
          orphaned: kv['orphaned'] ?? 0,
          timewait: kv['timewait'] ?? 0,
          synrecv: kv['synrecv'] ?? null,
        }
        continue
      }
      if (/^Transport\s+Total\s+IP\s+IPv6$/.test(t)) {
        table = true
        continue
      }
      // Older ss print a `*` row (every socket the kernel counts) and `-` for a count it does not know.
      if (table && (m = /^(\S+)\s+(\d+|-)\s+(\d+|-)\s+(\d+|-)$/.exec(t))) {
        const n = (v: string): number | null => (v === '-' ? null : Number(v))
        transports[m[1]!] = { total: n(m[2]!), ipv4: n(m[3]!), ipv6: n(m[4]!) }
        continue
      }
      throw parseError(P, 'expected `Total:`, `TCP:` or a transport row of `ss -s`', line)
    }
    if (total === undefined) throw parseError(P, 'no `Total:` line (is this ss -s?)', ls[0])
    if (!tcp) throw parseError(P, 'no `TCP:` line', ls[0])
    return { total, tcp, transports }
  },
})
