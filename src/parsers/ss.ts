import { defineParser, parseError } from './registry.ts'
import { SOCKETS_FIELDS, socketRow, splitHostPort, summarise, tcpState, type Socket, type SocketProcess, type SocketsResult } from './sockets.ts'
import { int, lines, type Line } from './text.ts'

const NAME = 'ss'
const NETIDS = new Set(['tcp', 'udp', 'raw', 'sctp', 'mptcp', 'u_str', 'u_dgr', 'u_seq', 'p_raw', 'p_dgr', 'nl'])

/**
 * TCP sockets with their owning processes, from `ss -tanp` or `ss -Htanp` (no header). Numeric
 * addresses are required (`-n`); IPv6 addresses come bracketed (`[2001:db8::100]:80`);
 * `-p` adds `users:(("apache2",pid=9140,fd=8))`, possibly several processes per socket. A leading
 * Netid column (`ss -anp` without `-t`) is accepted. Same shape as the `netstat` parser.
 *
 * @example
 * // result.groups.exists(g, g.process == 'apache2' && g.state == 'ESTABLISHED' && g.count > 100)
 */
export const ssParser = defineParser<SocketsResult>({
  name: NAME,
  describe: 'ss -tanp or ss -Htanp: TCP sockets, owning processes, grouped by process/peer/state',
  fields: SOCKETS_FIELDS,
  parse(result) {
    const all = lines(result.stdout).filter((l) => l.text.trim() !== '')
    if (all.length === 0) {
      // -H with no sockets prints nothing; that is an answer only if ss itself succeeded.
      if (result.exitCode === 0 && result.stderr.trim() === '') return summarise([], [])
      throw parseError(NAME, `no output (exit code ${result.exitCode}): ${result.stderr.trim().split('\n')[0] ?? ''}`)
    }
    const body = /^(Netid\s+)?State\s+Recv-Q\s+Send-Q\s+Local Address:Port\s+Peer Address:Port/.test(all[0]!.text) ? all.slice(1) : all
    return summarise(body.map(readSocket), [])
  },
})

function readSocket(line: Line): Socket {
  const t = line.text
  const m = /^(?:(\S+)\s+)?(\S+)\s+(\d+)\s+(\d+)\s+(\S+)\s+(\S+)\s*(.*?)\s*$/.exec(t)
  // When there is no Netid the optional group swallows the state: re-split without it.
  let netid: string | undefined
  let fields: string[]
  if (m && m[1] !== undefined && NETIDS.has(m[1])) {
    netid = m[1]
    fields = [m[2]!, m[3]!, m[4]!, m[5]!, m[6]!, m[7]!]
  } else {
    const n = /^(\S+)\s+(\d+)\s+(\d+)\s+(\S+)\s+(\S+)\s*(.*?)\s*$/.exec(t)
    if (!n) throw parseError(NAME, 'expected `State Recv-Q Send-Q Local:Port Peer:Port [users:(...)]`', line)
    fields = n.slice(1, 7) as string[]
  }
  const [stateRaw, recvQ, sendQ, local, peer, proc] = fields as [string, string, string, string, string, string]
  const state = tcpState(stateRaw)
  if (!state) throw parseError(NAME, `unknown state ${JSON.stringify(stateRaw)}`, line)
  const l = splitHostPort(local)
  const p = splitHostPort(peer)
  if (!l) throw parseError(NAME, `cannot read local address ${JSON.stringify(local)} (run ss with -n)`, line)
  if (!p) throw parseError(NAME, `cannot read peer address ${JSON.stringify(peer)} (run ss with -n)`, line)
  const processes = proc === '' ? [] : readUsers(proc, line)
  return socketRow(NAME, { ...line, text: t }, { proto: netid ?? 'tcp', state, stateRaw, recvQ, sendQ, local: l, peer: p, processes })
}

/** `users:(("nginx",pid=1,fd=6),("nginx",pid=2,fd=6))`; names may hold spaces and commas. */
function readUsers(text: string, line: Line): SocketProcess[] {
  if (!text.startsWith('users:((')) throw parseError(NAME, `unexpected trailing column ${JSON.stringify(text.slice(0, 40))}`, line)
  const out: SocketProcess[] = []
  for (const m of text.matchAll(/\("((?:[^"\\]|\\.)*)",pid=(\d+),fd=(\d+)\)/g)) {
    out.push({ name: m[1]!, pid: Number(m[2]), fd: Number(m[3]) })
  }
  if (out.length === 0) throw parseError(NAME, 'cannot read the users:(...) process list', line)
  return out
}
