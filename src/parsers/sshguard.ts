/**
 * sshguard's own words: its log (journal, syslog, or its stderr with SSHGUARD_DEBUG) and its
 * whitelist file. Together with the iptables/nft parsers they answer "does sshguard block this
 * address, and would it again?".
 */
import { defineParser, parseError } from './registry.ts'
import { familyOf } from './firewall.ts'
import { nonBlankLines, stderrLines, type Line } from './text.ts'

export interface SshguardEvent {
  /** `attack`, `block`, `unblock`, `whitelisted` (an attack from a whitelisted address, not blocked), `already-blocked`. */
  type: 'attack' | 'block' | 'unblock' | 'whitelisted' | 'already-blocked'
  /** The address without prefix (`198.18.1.1`, `2001:db8::66`). */
  address: string
  /** `198.18.1.1/32` for blocks (sshguard may block a subnet: `-n`/`-N`); null otherwise. */
  cidr: string | null
  /** Block time in seconds (`for 120 secs`; sshguard 1.x: `for >630secs`); null otherwise. */
  seconds: number | null
  /** Attacks counted for a block; `danger` of an attack. */
  attacks: number | null
  danger: number | null
  /** Service of an attack (`SSH`, or its number in sshguard 2.0). */
  service: string | null
  /** The line's time as printed (syslog, ISO, or from the journal's JSON); null without one (stderr, -o cat). */
  time: string | null
  raw: string
}

export interface SshguardLogResult {
  events: SshguardEvent[]
  /** Addresses blocked and not unblocked later in this log, in order of their (last) block. */
  blocked: string[]
  /** Attacks per address. */
  attacksBy: Record<string, number>
  /** Addresses sshguard did not block because they are whitelisted. */
  whitelisted: string[]
  /** sshguard lines that are no event (start, purge, whitelist loading). */
  otherLines: number
}

const NAME = 'sshguard-log'
const HEADER =
  /^(?:((?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)?|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?) \S+ )?([^\s[:]+)(?:\[(\d+)\])?: (.*)$/
const PROGRAMS = /^(?:sshguard|sshg-blocker|sshguard\.service)$/
const MESSAGES: { type: SshguardEvent['type']; re: RegExp }[] = [
  // 2.x: Blocking "198.18.1.1/32" for 120 secs (2 attacks in 0 secs, after 1 abuses over 0 secs.)
  { type: 'block', re: /^Blocking "([^"/]+)\/(\d+)" for (\d+) secs \((\d+) attacks in/ },
  // 1.x: Blocking 1.2.3.4:4 for >630secs: 40 danger in 4 attacks over 4 seconds (all: 40d in 1 abuses over 4s).
  { type: 'block', re: /^Blocking ([^\s:]+|[0-9a-fA-F:]+):(\d+) for >(\d+)secs: \d+ danger in (\d+) attacks/ },
  { type: 'attack', re: /^Attack from "([^"]+)" on service (\S+) with danger (\d+)\.$/ },
  { type: 'unblock', re: /^(\S+): unblocking after (\d+) secs$/ },
  // 1.x: Releasing 1.2.3.4 after 490 seconds.
  { type: 'unblock', re: /^Releasing (\S+) after (\d+) seconds\.$/ },
  { type: 'whitelisted', re: /^(\S+): not blocking \(on whitelist\)$/ },
  { type: 'already-blocked', re: /^(\S+) has already been blocked\.$/ },
]

/**
 * sshguard's log: `journalctl -u sshguard` (`-o short`, `short-iso`, `json`, `cat`), syslog lines
 * of `/var/log/auth.log`, or sshg-blocker's stderr (`sshguard[pid]: ...`); sshguard 2.x messages
 * and the 1.x `Blocking IP:4 for >Nsecs` / `Releasing` forms. Lines of other programs are skipped;
 * a line that is no log line at all is an error naming it.
 *
 * @example
 * // result.blocked.exists(a, a == params.client_ip)
 */
export const sshguardLogParser = defineParser<SshguardLogResult>({
  name: NAME,
  describe: "journalctl -u sshguard [-o short|short-iso|json|cat], syslog or sshguard's stderr: attacks, blocks, unblocks",
  fields: {
    events: [
      {
        type: 'string',
        address: 'string',
        cidr: 'string',
        seconds: 'int',
        attacks: 'int',
        danger: 'int',
        service: 'string',
        time: 'string',
        raw: 'string',
      },
    ],
    blocked: 'list<string>',
    attacksBy: { '*': 'int' },
    whitelisted: 'list<string>',
    otherLines: 'int',
  },
  parse(result) {
    const ls = nonBlankLines(result.stdout)
    if (ls.length === 0 && result.exitCode !== 0)
      throw parseError(NAME, `no output (exit code ${result.exitCode})${stderrLines(result)[0] ? `: ${stderrLines(result)[0]}` : ''}`)
    const events: SshguardEvent[] = []
    let otherLines = 0
    const json = ls.find((l) => !l.text.startsWith('-- '))?.text.startsWith('{') === true
    for (const line of ls) {
      if (line.text.startsWith('-- ')) {
        otherLines++
        continue
      }
      let time: string | null = null
      let program = 'sshguard'
      let message: string
      if (json) {
        let entry: Record<string, unknown>
        try {
          entry = JSON.parse(line.text) as Record<string, unknown>
        } catch (e) {
          throw parseError(NAME, `journal JSON does not parse (-o json, one entry per line): ${(e as Error).message}`, line)
        }
        program = String(entry['SYSLOG_IDENTIFIER'] ?? entry['_COMM'] ?? '')
        const usec = String(entry['__REALTIME_TIMESTAMP'] ?? '')
        time = /^\d+$/.test(usec) ? new Date(Number(BigInt(usec) / 1000n)).toISOString() : null
        message = typeof entry['MESSAGE'] === 'string' ? entry['MESSAGE'] : ''
      } else {
        const h = HEADER.exec(line.text)
        if (h && (h[1] !== undefined || PROGRAMS.test(h[2]!))) {
          time = h[1] ?? null
          program = h[2]!
          message = h[4]!
        } else {
          message = line.text // journalctl -o cat: the message alone
        }
      }
      if (!PROGRAMS.test(program)) {
        otherLines++
        continue
      }
      const e = readMessage(message, time, line)
      if (e) events.push(e)
      else if (json || HEADER.test(line.text) || KNOWN_OTHER.test(message)) otherLines++
      else throw parseError(NAME, 'not an sshguard log line', line)
    }
    return summarise(events, otherLines)
  },
})

// Messages of sshguard that are no event; with them, a log without headers (-o cat) is recognised.
const KNOWN_OTHER =
  /^(?:whitelist: |Now monitoring attacks\.|Purging old attackers\.|Received EOF from stdin\.|Exiting on signal\.|\S+: first block \(adding as offender\.\)|\S+: ignoring |Started with danger threshold|blacklist: |Blacklist |Monitoring attacks |Reloading |Unable to |Could not |sshguard |Got exit signal)/

function readMessage(message: string, time: string | null, line: Line): SshguardEvent | null {
  for (const { type, re } of MESSAGES) {
    const m = re.exec(message)
    if (!m) continue
    const base = { type, cidr: null, seconds: null, attacks: null, danger: null, service: null, time, raw: line.text }
    switch (type) {
      case 'block': {
        const address = m[1]!
        const prefix = Number(m[2])
        // 1.x prints the address kind (`:4` / `:6`), not a prefix.
        const len = re.source.includes('>') ? (familyOf(address) === 'ipv6' ? 128 : 32) : prefix
        return { ...base, address, cidr: `${address}/${len}`, seconds: Number(m[3]), attacks: Number(m[4]) }
      }
      case 'attack':
        return { ...base, address: m[1]!, service: m[2]!, danger: Number(m[3]) }
      case 'unblock':
        return { ...base, address: m[1]!, seconds: Number(m[2]) }
      default:
        return { ...base, address: m[1]! }
    }
  }
  return null
}

function summarise(events: SshguardEvent[], otherLines: number): SshguardLogResult {
  const blocked = new Map<string, true>()
  const attacksBy: Record<string, number> = {}
  const whitelisted = new Set<string>()
  for (const e of events) {
    if (e.type === 'block') {
      blocked.delete(e.address)
      blocked.set(e.address, true)
    }
    if (e.type === 'unblock') blocked.delete(e.address)
    if (e.type === 'attack') attacksBy[e.address] = (attacksBy[e.address] ?? 0) + 1
    if (e.type === 'whitelisted') whitelisted.add(e.address)
  }
  return { events, blocked: [...blocked.keys()], attacksBy, whitelisted: [...whitelisted], otherLines }
}

export interface WhitelistEntry {
  /** As written. */
  text: string
  /** `ipv4`, `ipv6` (one address), `ipv4-block`, `ipv6-block` (CIDR), `host` (resolved by sshguard when it starts). */
  kind: 'ipv4' | 'ipv6' | 'ipv4-block' | 'ipv6-block' | 'host'
  /** With prefix (`1.2.3.4/32`); null for a host name. */
  cidr: string | null
  line: number
}

export interface SshguardWhitelistResult {
  entries: WhitelistEntry[]
  /** Single addresses (`1.2.3.4`): `params.client_ip in result.addresses`. */
  addresses: string[]
  /** Every address entry as CIDR (`1.2.3.4/32`, `127.0.0.0/8`). */
  cidrs: string[]
  hosts: string[]
}

const WL = 'sshguard-whitelist'
const V4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/
const HOST = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\.?$/

/**
 * sshguard's whitelist file (`cat $WHITELIST_FILE`, e.g. /etc/sshguard/whitelist): one address,
 * CIDR block or host name per line; `#` comment lines and blank lines skipped, as sshguard does.
 * An entry sshguard could not read (a bad address, a prefix out of range) is an error naming the line.
 */
export const sshguardWhitelistParser = defineParser<SshguardWhitelistResult>({
  name: WL,
  describe: 'cat WHITELIST_FILE of sshguard: addresses, CIDR blocks, host names',
  fields: {
    entries: [{ text: 'string', kind: 'string', cidr: 'string', line: 'int' }],
    addresses: 'list<string>',
    cidrs: 'list<string>',
    hosts: 'list<string>',
  },
  parse(result) {
    const ls = nonBlankLines(result.stdout)
    if (ls.length === 0 && result.exitCode !== 0)
      throw parseError(WL, `no output (exit code ${result.exitCode})${stderrLines(result)[0] ? `: ${stderrLines(result)[0]}` : ''}`)
    const entries: WhitelistEntry[] = []
    for (const line of ls) {
      const t = line.text.trim()
      if (t.startsWith('#')) continue
      entries.push(readEntry(t, line))
    }
    return {
      entries,
      addresses: entries.filter((e) => e.kind === 'ipv4' || e.kind === 'ipv6').map((e) => e.text),
      cidrs: entries.filter((e) => e.cidr !== null).map((e) => e.cidr!),
      hosts: entries.filter((e) => e.kind === 'host').map((e) => e.text),
    }
  },
})

function readEntry(t: string, line: Line): WhitelistEntry {
  const [addr, len, extra] = t.split('/')
  if (extra !== undefined) throw parseError(WL, 'more than one `/`', line)
  const v4 = V4.exec(addr!)
  const isV6 = addr!.includes(':') && /^[0-9A-Fa-f:.]+$/.test(addr!)
  if (v4 || isV6) {
    if (v4 && v4.slice(1).some((o) => Number(o) > 255)) throw parseError(WL, `not an IPv4 address: ${addr}`, line)
    const max = v4 ? 32 : 128
    if (len !== undefined && (!/^\d+$/.test(len) || Number(len) > max)) throw parseError(WL, `bad prefix length /${len}`, line)
    const kind = v4 ? (len === undefined ? 'ipv4' : 'ipv4-block') : len === undefined ? 'ipv6' : 'ipv6-block'
    return { text: t, kind, cidr: `${addr}/${len ?? max}`, line: line.number }
  }
  if (len === undefined && HOST.test(t)) return { text: t, kind: 'host', cidr: null, line: line.number }
  throw parseError(WL, 'expected an address, a CIDR block or a host name', line)
}
