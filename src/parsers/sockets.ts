/**
 * The socket shape shared by the `ss` and `netstat` parsers, and the grouping that lets a
 * runbook say "apache2 holds 111 ESTABLISHED connections to [2001:db8::100]:80".
 */
import { int, type Line } from './text.ts'

/** Kernel TCP state names (as netstat prints them); ss names are mapped onto these. */
export type TcpState =
  | 'ESTABLISHED'
  | 'SYN_SENT'
  | 'SYN_RECV'
  | 'FIN_WAIT1'
  | 'FIN_WAIT2'
  | 'TIME_WAIT'
  | 'CLOSE'
  | 'CLOSE_WAIT'
  | 'LAST_ACK'
  | 'LISTEN'
  | 'CLOSING'
  | 'UNKNOWN'

export interface SocketProcess {
  name: string
  pid: number
  /** ss only; null from netstat. */
  fd: number | null
  /** netstat only: the program column as printed after `PID/` (a process title, cut at 20 columns: `sshd: /usr/sb`). */
  command?: string
}

export interface Socket {
  proto: string
  state: TcpState
  /** State as printed (`ESTAB`, `FIN-WAIT-2`, `FIN_WAIT2`). */
  stateRaw: string
  recvQ: number
  sendQ: number
  /** Address without brackets (`2001:db8::100`, `0.0.0.0`, `::`, `*`). */
  localAddress: string
  /** Null for `*`. */
  localPort: number | null
  peerAddress: string
  peerPort: number | null
  /** First owning process; null without -p, without permission, or for kernel-owned sockets. */
  process: SocketProcess | null
  /** Every process sharing the socket (ss lists all of them; forked servers share listeners). */
  processes: SocketProcess[]
  /** What ss printed after the addresses besides `users:(...)` (`timer:(keepalive,...)`, `ino:`, `sk:`, `uid:`); null when nothing. */
  extra: string | null
  /** The `ss -i` line under the socket (`cubic wscale:7,7 rto:204 ...`), null without -i. */
  info: string | null
  raw: string
}

export interface SocketGroup {
  /** Process name, or `-` when unknown. */
  process: string
  pids: number[]
  peerAddress: string
  /** Distinct peer ports, ascending. */
  peerPorts: number[]
  state: TcpState
  count: number
  /** `apache2 holds 111 ESTABLISHED connections to [2001:db8::100]:80`: ready as evidence. */
  summary: string
}

export interface SocketsResult {
  sockets: Socket[]
  /** Non-listening sockets grouped by (process, peer address, state), largest group first. */
  groups: SocketGroup[]
  byState: Record<string, number>
  /** Things the reader should know (netstat without -W may have cut IPv6 addresses). */
  warnings: string[]
}

const PROCESS_FIELDS = { name: 'string', pid: 'int', fd: 'int', command: 'string' } as const

export const SOCKETS_FIELDS = {
  sockets: [
    {
      proto: 'string',
      state: 'string',
      stateRaw: 'string',
      recvQ: 'int',
      sendQ: 'int',
      localAddress: 'string',
      localPort: 'int',
      peerAddress: 'string',
      peerPort: 'int',
      process: PROCESS_FIELDS,
      processes: [PROCESS_FIELDS],
      extra: 'string',
      info: 'string',
      raw: 'string',
    },
  ],
  groups: [
    {
      process: 'string',
      pids: 'list<int>',
      peerAddress: 'string',
      peerPorts: 'list<int>',
      state: 'string',
      count: 'int',
      summary: 'string',
    },
  ],
  byState: { '*': 'int' },
  warnings: 'list<string>',
} as const

const SS_STATES: Record<string, TcpState> = {
  ESTAB: 'ESTABLISHED',
  'SYN-SENT': 'SYN_SENT',
  'SYN-RECV': 'SYN_RECV',
  'FIN-WAIT-1': 'FIN_WAIT1',
  'FIN-WAIT-2': 'FIN_WAIT2',
  'TIME-WAIT': 'TIME_WAIT',
  UNCONN: 'CLOSE',
  'CLOSE-WAIT': 'CLOSE_WAIT',
  'LAST-ACK': 'LAST_ACK',
  LISTEN: 'LISTEN',
  CLOSING: 'CLOSING',
}
const NETSTAT_STATES = new Set<string>([
  'ESTABLISHED',
  'SYN_SENT',
  'SYN_RECV',
  'FIN_WAIT1',
  'FIN_WAIT2',
  'TIME_WAIT',
  'CLOSE',
  'CLOSE_WAIT',
  'LAST_ACK',
  'LISTEN',
  'CLOSING',
])

/** Maps an ss or netstat state word to the kernel name; undefined when it is not a state. */
export function tcpState(word: string): TcpState | undefined {
  return SS_STATES[word] ?? (NETSTAT_STATES.has(word) ? (word as TcpState) : word === 'UNKNOWN' ? 'UNKNOWN' : undefined)
}

/** `[2001:db8::1]:80`, `2001:db8::1:80` (netstat), `10.0.0.1:22`, `0.0.0.0:*`, `*:*`. */
export function splitHostPort(text: string): { address: string; port: number | null } | undefined {
  const i = text.lastIndexOf(':')
  if (i <= 0 && text !== ':::*') return undefined
  let address = text.slice(0, i)
  const port = text.slice(i + 1)
  if (port !== '*' && !/^\d+$/.test(port)) return undefined
  if (address.startsWith('[') && address.endsWith(']')) address = address.slice(1, -1)
  return { address: address === '' ? '::' : address, port: port === '*' ? null : Number(port) }
}

function bracketed(address: string): string {
  return address.includes(':') ? `[${address}]` : address
}

/** Builds groups and counts; used by both parsers so their results have the same shape. */
export function summarise(sockets: Socket[], warnings: string[]): SocketsResult {
  const byState: Record<string, number> = {}
  const groups = new Map<string, SocketGroup>()
  for (const s of sockets) {
    byState[s.state] = (byState[s.state] ?? 0) + 1
    if (s.state === 'LISTEN' || s.state === 'CLOSE') continue
    const name = s.process?.name ?? '-'
    const key = `${name}\u0000${s.peerAddress}\u0000${s.state}`
    const g = groups.get(key) ?? {
      process: name,
      pids: [],
      peerAddress: s.peerAddress,
      peerPorts: [],
      state: s.state,
      count: 0,
      summary: '',
    }
    g.count += 1
    for (const p of s.processes) if (!g.pids.includes(p.pid)) g.pids.push(p.pid)
    if (s.peerPort !== null && !g.peerPorts.includes(s.peerPort)) g.peerPorts.push(s.peerPort)
    groups.set(key, g)
  }
  const list = [...groups.values()]
  for (const g of list) {
    g.pids.sort((a, b) => a - b)
    g.peerPorts.sort((a, b) => a - b)
    const port = g.peerPorts.length === 1 ? `:${g.peerPorts[0]}` : ''
    const who = g.process === '-' ? 'unknown process' : g.process
    g.summary = `${who} holds ${g.count} ${g.state} connection${g.count === 1 ? '' : 's'} to ${bracketed(g.peerAddress)}${port}`
  }
  // Largest first; ties in a stable, readable order so snapshots do not depend on output order.
  list.sort(
    (a, b) =>
      b.count - a.count ||
      a.process.localeCompare(b.process) ||
      a.peerAddress.localeCompare(b.peerAddress) ||
      a.state.localeCompare(b.state),
  )
  return { sockets, groups: list, byState, warnings }
}

/** One socket row, as both `ss` and `netstat` report it; `parser` names the caller in parse errors. */
export function socketRow(
  parser: string,
  line: Line,
  f: {
    proto: string
    state: TcpState
    stateRaw: string
    recvQ: string
    sendQ: string
    local: { address: string; port: number | null }
    peer: { address: string; port: number | null }
    processes: SocketProcess[]
    extra?: string | null
  },
): Socket {
  return {
    proto: f.proto,
    state: f.state,
    stateRaw: f.stateRaw,
    recvQ: int(parser, f.recvQ, line, 'Recv-Q'),
    sendQ: int(parser, f.sendQ, line, 'Send-Q'),
    localAddress: f.local.address,
    localPort: f.local.port,
    peerAddress: f.peer.address,
    peerPort: f.peer.port,
    process: f.processes[0] ?? null,
    processes: f.processes,
    extra: f.extra ?? null,
    info: null,
    raw: line.text,
  }
}
