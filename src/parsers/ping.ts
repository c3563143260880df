import { firstProblem, hasFlag, optionValues } from './command-check.ts'
import { defineParser, parseError } from './registry.ts'
import { int, nonBlankLines, num, stderrLines, type Line } from './text.ts'

export interface PingReply {
  seq: number
  ttl: number
  timeMs: number
  /** Replier address (the target, or another host answering for it). */
  from: string
  duplicate: boolean
}

export interface PingError {
  /** Who reported it: the local host for a failed ARP (`Destination Host Unreachable`), else a router. */
  from: string
  seq: number
  message: string
}

export interface PingResult {
  /** As given on the command line. */
  host: string
  /** Resolved address from the `PING host (address)` header; null when the name did not resolve. */
  address: string | null
  sent: number
  received: number
  duplicates: number
  /** ICMP errors (`+N errors`): unreachable, TTL exceeded. */
  errors: number
  /** 100 when nothing came back, also when the name did not resolve and nothing was sent. */
  lossPercent: number
  /** null when nothing came back (iputils prints no `rtt` line then). `mdev` is null for BusyBox, which does not print it. */
  rtt: { min: number; avg: number; max: number; mdev: number | null } | null
  /** Per-packet replies (empty with `-q`). */
  replies: PingReply[]
  icmpErrors: PingError[]
  /** At least one echo reply. */
  reachable: boolean
  /** `Name or service not known`, `Temporary failure in name resolution` (exit 2, nothing on stdout). */
  resolveError: string | null
}

const NAME = 'ping'
// With -I (or a strict source) both headers say `from SOURCE DEVICE: ` before the size; IPv6 with
// -F also `, flow 0x46999, `.
const HEADER = /^PING (\S+) \(([^)]+)\) (?:from \S+ \S*: )?\d+\(\d+\) bytes of data\.$/
// BusyBox, IPv4 and IPv6: `PING 127.0.0.1 (127.0.0.1): 56 data bytes`.
const HEADER_BUSYBOX = /^PING (\S+) \(([^()\s]+)\): \d+ data bytes$/
// IPv6: `PING ::1(::1) 56 data bytes`, `PING web1(web1 (2001:db8::1)) 56 data bytes`.
const HEADER6 = /^PING (\S+?)\((?:[^()\s]+ \()?([^()\s]+?)\)?\) (?:, flow 0x[0-9a-f]+, )?(?:from \S+ \S*: )?\d+ data bytes$/
// `from ADDR` or `from NAME (ADDR)`; an IPv6 ADDR holds colons (`from ::1: icmp_seq=1`). BusyBox
// says `seq=` for `icmp_seq=`.
const REPLY = /^\d+ bytes from (?:[^\s()]+ \(([^()\s]+)\)|([^\s()]+?)): (?:icmp_)?seq=(\d+) ttl=(\d+) time=([\d.]+) ms( \(DUP!\))?$/
const ICMP_ERROR = /^From (?:[^\s()]+ \(([^()\s]+)\)|([^\s()]+?)):? icmp_seq=(\d+) (.+)$/
// `ping -D` stamps each packet line: `[1795822540.913615] 64 bytes from ...`.
const TIMESTAMP = /^\[\d+(?:\.\d+)?\] /
const STATS =
  /^(\d+) packets transmitted, (\d+) received,(?: \+(\d+) duplicates,)?(?: \+(\d+) errors,)? ([\d.]+)% packet loss(?:, time \d+ms)?$/
const RTT = /^rtt min\/avg\/max\/mdev = ([\d.]+)\/([\d.]+)\/([\d.]+)\/([\d.]+) ms(?:, .*)?$/
// BusyBox: `2 packets transmitted, 2 packets received, [1 duplicates, ]0% packet loss` and
// `round-trip min/avg/max = 0.054/0.102/0.150 ms` (no mdev).
const STATS_BUSYBOX = /^(\d+) packets transmitted, (\d+) packets received,(?: (\d+) duplicates,)? (\d+)% packet loss$/
const RTT_BUSYBOX = /^round-trip min\/avg\/max = ([\d.]+)\/([\d.]+)\/([\d.]+) ms$/

/**
 * Reachability and round-trip times from iputils `ping -n -c N [-W s] [-q] HOST`, IPv4 or IPv6
 * (`ping ::1`, `ping -6`), with or without `-D` timestamps; also BusyBox's ping (Alpine, embedded
 * hosts), whose round-trip line has no mdev (`rtt.mdev` is null).
 *
 * A name that does not resolve is a result, not a parse error: ping exits 2 with
 * `ping: HOST: Name or service not known` on stderr, which becomes `resolveError`. 100% loss
 * (exit 1) has no `rtt` line: `rtt` is null. Output without the statistics block (ping killed
 * before it finished) is a parse error.
 *
 * @example
 * // ping -n -c 3 -W 1 198.18.31.2
 * // 3 packets transmitted, 0 received, 100% packet loss, time 2035ms
 * // → { sent: 3, received: 0, lossPercent: 100, rtt: null, reachable: false, ... }
 */
export const pingParser = defineParser<PingResult>({
  name: NAME,
  describe: 'ping -n -c N [-W s] [-q] [-D] HOST (iputils or BusyBox, IPv4 or IPv6)',
  fields: {
    host: 'string',
    address: 'string',
    sent: 'int',
    received: 'int',
    duplicates: 'int',
    errors: 'int',
    lossPercent: 'double',
    rtt: { min: 'double', avg: 'double', max: 'double', mdev: 'double' },
    replies: [{ seq: 'int', ttl: 'int', timeMs: 'double', from: 'string', duplicate: 'bool' }],
    icmpErrors: [{ from: 'string', seq: 'int', message: 'string' }],
    reachable: 'bool',
    resolveError: 'string',
  },
  checkCommand: (command) =>
    firstProblem(command, 'ping', ({ program, options }) => {
      // iputils options that take a value (they end a cluster of flags).
      const args = 'cilwWsStTIMpQF'
      const ends = optionValues(options, 'c', '--count', args).length > 0 || optionValues(options, 'w', null, args).length > 0
      if (ends || hasFlag(options, null, ['--help', '-V'], args)) return null
      return { offset: program.offset, message: 'ping without -c (or -w) never prints its statistics before the step times out: add -c N' }
    }),
  parse(result) {
    const ls = nonBlankLines(result.stdout)
    const first = ls[0]
    if (first === undefined) return unresolved(result.stderr ? stderrLines(result) : [], result.exitCode)
    const head = HEADER.exec(first.text) ?? HEADER6.exec(first.text) ?? HEADER_BUSYBOX.exec(first.text)
    if (!head)
      throw parseError(
        NAME,
        'expected the iputils header `PING host (address) 56(84) bytes of data.` (IPv6: `PING host(address) 56 data bytes`)',
        first,
      )
    const out: PingResult = {
      host: head[1]!,
      address: head[2]!,
      sent: 0,
      received: 0,
      duplicates: 0,
      errors: 0,
      lossPercent: 0,
      rtt: null,
      replies: [],
      icmpErrors: [],
      reachable: false,
      resolveError: null,
    }
    let stats = false
    for (const line of ls.slice(1)) {
      if (stats) readSummary(line, out)
      else if (line.text.startsWith('--- ') && line.text.endsWith(' ping statistics ---')) stats = true
      else readPacket(line, out)
    }
    if (!stats) throw parseError(NAME, 'no `--- HOST ping statistics ---` block: was ping interrupted or cut?', ls[ls.length - 1])
    out.reachable = out.received > 0
    return out
  },
})

function unresolved(errors: string[], exitCode: number | null): PingResult {
  // iputils: `ping: nonexistent.invalid: Name or service not known`; BusyBox: `ping: bad address 'nonexistent.invalid'`.
  const m = errors.map((e) => /^ping: (?:bad address '(.+)'|(.+?): (.+))$/.exec(e)).find((x) => x !== null)
  if (!m) throw parseError(NAME, `empty output (exit code ${exitCode})${errors[0] ? `: ${errors[0]}` : ''}`)
  return {
    host: (m[1] ?? m[2])!,
    address: null,
    sent: 0,
    received: 0,
    duplicates: 0,
    errors: 0,
    lossPercent: 100,
    rtt: null,
    replies: [],
    icmpErrors: [],
    reachable: false,
    resolveError: m[1] === undefined ? m[3]! : 'bad address',
  }
}

function readPacket(line: Line, out: PingResult): void {
  const text = line.text.replace(TIMESTAMP, '')
  const r = REPLY.exec(text)
  if (r) {
    out.replies.push({
      seq: int(NAME, r[3], line, 'icmp_seq'),
      ttl: int(NAME, r[4], line, 'ttl'),
      timeMs: num(NAME, r[5], line, 'time'),
      from: (r[1] ?? r[2])!,
      duplicate: r[6] !== undefined,
    })
    return
  }
  const e = ICMP_ERROR.exec(text)
  if (e) {
    out.icmpErrors.push({ from: (e[1] ?? e[2])!, seq: int(NAME, e[3], line, 'icmp_seq'), message: e[4]! })
    return
  }
  throw parseError(NAME, 'expected a reply (`64 bytes from ...`) or an ICMP error (`From ... icmp_seq=N ...`)', line)
}

function readSummary(line: Line, out: PingResult): void {
  const s = STATS.exec(line.text)
  if (s) {
    out.sent = int(NAME, s[1], line, 'transmitted')
    out.received = int(NAME, s[2], line, 'received')
    out.duplicates = s[3] === undefined ? 0 : int(NAME, s[3], line, 'duplicates')
    out.errors = s[4] === undefined ? 0 : int(NAME, s[4], line, 'errors')
    out.lossPercent = num(NAME, s[5], line, 'packet loss')
    return
  }
  const b = STATS_BUSYBOX.exec(line.text)
  if (b) {
    out.sent = int(NAME, b[1], line, 'transmitted')
    out.received = int(NAME, b[2], line, 'received')
    out.duplicates = b[3] === undefined ? 0 : int(NAME, b[3], line, 'duplicates')
    out.lossPercent = num(NAME, b[4], line, 'packet loss')
    return
  }
  const rb = RTT_BUSYBOX.exec(line.text)
  if (rb) {
    out.rtt = { min: num(NAME, rb[1], line, 'min'), avg: num(NAME, rb[2], line, 'avg'), max: num(NAME, rb[3], line, 'max'), mdev: null }
    return
  }
  const r = RTT.exec(line.text)
  if (r) {
    out.rtt = {
      min: num(NAME, r[1], line, 'min'),
      avg: num(NAME, r[2], line, 'avg'),
      max: num(NAME, r[3], line, 'max'),
      mdev: num(NAME, r[4], line, 'mdev'),
    }
    return
  }
  // `pipe 4`: more probes in flight than received; informational.
  if (/^pipe \d+$/.test(line.text)) return
  throw parseError(NAME, 'expected `N packets transmitted, M received, ...` or `rtt min/avg/max/mdev = ...`', line)
}
