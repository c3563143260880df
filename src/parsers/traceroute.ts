import { defineParser, parseError } from './registry.ts'
import { int, nonBlankLines, num, stderrLines, type Line } from './text.ts'

export interface TracerouteProbe {
  /** Who answered; null for a probe that timed out (`*`). */
  address: string | null
  rttMs: number | null
  timeout: boolean
  /** `!H` host unreachable, `!N` network, `!P` protocol, `!X` administratively prohibited, ...; null when none. */
  annotation: string | null
}

export interface TracerouteHop {
  hop: number
  probes: TracerouteProbe[]
  /** Distinct addresses that answered at this hop (more than one with ECMP load balancing). */
  addresses: string[]
  /** Every probe of this hop timed out (`* * *`). */
  silent: boolean
}

export interface TracerouteResult {
  host: string
  /** Resolved destination; null when the name did not resolve. */
  address: string | null
  maxHops: number | null
  hops: TracerouteHop[]
  /** The destination address answered at some hop. */
  reached: boolean
  /** Number and address of the last hop that answered: where the path goes dark. */
  lastResponding: { hop: number; address: string } | null
  /** First `!H`/`!N`/`!X`... annotation seen, e.g. `!H` from a router that cannot ARP the target. */
  unreachable: string | null
  /** `Name or service not known` (exit 2, nothing on stdout). */
  resolveError: string | null
}

const NAME = 'traceroute'
const HEADER = /^traceroute to (\S+) \(([^)]+)\), (\d+) hops max, \d+ byte packets$/

/**
 * The path to a host, hop by hop, from `traceroute -n [-w 1] [-q N] [-m N] HOST` (Linux traceroute 2.x,
 * UDP probes by default). Hops answered by several routers (`7  a  12.8 ms b  12.6 ms`) keep each
 * probe's address. Without `-n`, `name (address)` pairs are read as the address. An unresolvable name
 * is a result (`resolveError`), not a parse error.
 *
 * @example
 * // traceroute -n -w 1 -q 1 -m 4 198.18.31.2
 * //  1  198.18.30.254  0.035 ms
 * //  2  *
 * // → { reached: false, lastResponding: { hop: 1, address: '198.18.30.254' }, ... }
 */
export const tracerouteParser = defineParser<TracerouteResult>({
  name: NAME,
  describe: 'traceroute -n [-w SEC] [-q N] [-m MAX] HOST (Linux traceroute 2.x)',
  fields: {
    host: 'string',
    address: 'string',
    maxHops: 'int',
    hops: [
      {
        hop: 'int',
        probes: [{ address: 'string', rttMs: 'double', timeout: 'bool', annotation: 'string' }],
        addresses: 'list<string>',
        silent: 'bool',
      },
    ],
    reached: 'bool',
    lastResponding: { hop: 'int', address: 'string' },
    unreachable: 'string',
    resolveError: 'string',
  },
  parse(result) {
    const ls = nonBlankLines(result.stdout)
    const first = ls[0]
    if (first === undefined) return unresolved(stderrLines(result), result.exitCode)
    const head = HEADER.exec(first.text)
    if (!head) throw parseError(NAME, 'expected `traceroute to HOST (ADDRESS), N hops max, N byte packets`', first)
    const address = head[2]!
    const hops = ls.slice(1).map(readHop)
    const answered = hops.flatMap((h) => h.addresses.map((a) => ({ hop: h.hop, address: a })))
    return {
      host: head[1]!,
      address,
      maxHops: Number(head[3]),
      hops,
      reached: answered.some((a) => a.address === address),
      lastResponding: answered[answered.length - 1] ?? null,
      unreachable: hops.flatMap((h) => h.probes).find((p) => p.annotation !== null)?.annotation ?? null,
      resolveError: null,
    }
  },
})

function unresolved(errors: string[], exitCode: number | null): TracerouteResult {
  // `nonexistent.invalid: Name or service not known` then `Cannot handle "host" cmdline arg ...`
  const m = errors.map((e) => /^(\S+): (.+)$/.exec(e)).find((x) => x !== null)
  if (!m) throw parseError(NAME, `empty output (exit code ${exitCode})${errors[0] ? `: ${errors[0]}` : ''}`)
  return {
    host: m[1]!,
    address: null,
    maxHops: null,
    hops: [],
    reached: false,
    lastResponding: null,
    unreachable: null,
    resolveError: m[2]!,
  }
}

function readHop(line: Line): TracerouteHop {
  const m = /^\s*(\d+)\s+(.*)$/.exec(line.text)
  if (!m) throw parseError(NAME, 'expected a hop line ` N  ADDRESS  RTT ms ...`', line)
  const tokens = m[2]!.trim().split(/\s+/)
  const probes: TracerouteProbe[] = []
  let current: string | null = null
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!
    if (t === '*') {
      probes.push({ address: null, rttMs: null, timeout: true, annotation: null })
    } else if (/^\d+(\.\d+)?$/.test(t) && tokens[i + 1] === 'ms') {
      if (current === null) throw parseError(NAME, `round-trip time ${t} ms before any address`, line)
      probes.push({ address: current, rttMs: num(NAME, t, line, 'rtt'), timeout: false, annotation: null })
      i++
    } else if (/^!\S*$/.test(t)) {
      const last = probes[probes.length - 1]
      if (last === undefined) throw parseError(NAME, `annotation ${t} before any probe`, line)
      last.annotation = t
    } else if (/^[0-9a-fA-F.:]+$/.test(t) && /[.:]/.test(t)) {
      current = t
    } else if (/^\([0-9a-fA-F.:]+\)$/.test(tokens[i + 1] ?? '')) {
      current = tokens[i + 1]!.slice(1, -1) // `name (address)` without -n
      i++
    } else {
      throw parseError(NAME, `unexpected ${JSON.stringify(t)} in hop`, line)
    }
  }
  if (probes.length === 0) throw parseError(NAME, 'hop without probes', line)
  const addresses = [...new Set(probes.flatMap((p) => (p.address === null ? [] : [p.address])))]
  return { hop: int(NAME, m[1], line, 'hop'), probes, addresses, silent: addresses.length === 0 }
}
