import { defineParser, parseError } from './registry.ts'
import { clientFailure, pythonLiteral, serverDown } from './fail2ban-client.ts'
import { nonBlankLines, type Line } from './text.ts'

export interface Fail2banBan {
  /** The jail, when the command says it (`banned`); null for `get <jail> banip`, which names it in the command only. */
  jail: string | null
  address: string
  /** `--with-time`: when the ban started, local time as printed (`2026-11-27 05:54:34`); null otherwise. */
  bannedAt: string | null
  /** `--with-time`: ban time in seconds; -1 for a permanent ban. */
  banTime: number | null
  /** `--with-time`: when it ends as printed (`9999-12-31 23:59:59` for a permanent ban). */
  expiresAt: string | null
  permanent: boolean | null
}

export interface Fail2banBannedResult {
  /** false when fail2ban-server is down (exit 255, `Failed to access socket path`): nothing is known about bans. */
  running: boolean
  error: string | null
  /** `banned` (all jails), `banned-ip` (`banned IP...`: jails per address asked), `banip` (`get JAIL banip [--with-time]`), `down`. */
  kind: 'banned' | 'banned-ip' | 'banip' | 'down'
  bans: Fail2banBan[]
  /** Distinct banned addresses, in order. */
  addresses: string[]
  /** `banned`: addresses per jail (jails with no ban included). */
  byJail: Record<string, string[]>
  /** `banned IP...`: the jails banning each address asked, in the order of the command's arguments. */
  jailsPerAddress: string[][]
}

const NAME = 'fail2ban-banned'
// `198.18.4.1 \t2026-11-27 05:54:34 + 86400 = 2026-11-28 05:54:34`
const WITH_TIME = /^(\S+)\s+(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) \+ (-?\d+) = (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)$/

/**
 * Banned addresses as fail2ban-client ≥ 0.11 lists them: `fail2ban-client banned` (a Python list of
 * `{jail: [addresses]}`), `fail2ban-client banned IP...` (a list of jail lists, one per address
 * asked), `fail2ban-client get JAIL banip` (addresses separated by spaces, or `--with-time`: one
 * line per address with start, ban time and end). fail2ban-server down gives `running: false`;
 * an unknown jail or a refused socket is a parse error quoting fail2ban-client.
 *
 * @example
 * // result.addresses.exists(a, a == params.client_ip)
 */
export const fail2banBannedParser = defineParser<Fail2banBannedResult>({
  name: NAME,
  describe: 'fail2ban-client banned [IP...], fail2ban-client get JAIL banip [--with-time]',
  fields: {
    running: 'bool',
    error: 'string',
    kind: 'string',
    bans: [{ jail: 'string', address: 'string', bannedAt: 'string', banTime: 'int', expiresAt: 'string', permanent: 'bool' }],
    addresses: 'list<string>',
    byJail: { '*': 'list<string>' },
    jailsPerAddress: 'list<list<string>>',
  },
  parse(result) {
    const down = serverDown(result)
    if (down !== undefined) return { running: false, error: down, kind: 'down', bans: [], addresses: [], byJail: {}, jailsPerAddress: [] }
    if (result.exitCode !== 0) clientFailure(NAME, result)
    const ls = nonBlankLines(result.stdout)
    const first = ls[0]
    // `get JAIL banip` with no ban prints an empty line.
    if (!first) return finish('banip', [], {}, [])
    if (first.text.trimStart().startsWith('[')) return readList(ls)
    const bans: Fail2banBan[] = []
    for (const line of ls) {
      const t = line.text.trim()
      const m = WITH_TIME.exec(t)
      if (m) {
        const banTime = Number(m[3])
        bans.push({ jail: null, address: address(m[1]!, line), bannedAt: m[2]!, banTime, expiresAt: m[4]!, permanent: banTime < 0 })
        continue
      }
      if (/\d{4}-\d\d-\d\d/.test(t))
        throw parseError(NAME, 'expected `ADDRESS \\tSTART + SECONDS = END` (get JAIL banip --with-time)', line)
      for (const w of t.split(/\s+/))
        bans.push({ jail: null, address: address(w, line), bannedAt: null, banTime: null, expiresAt: null, permanent: null })
    }
    return finish('banip', bans, {}, [])
  },
})

function readList(ls: Line[]): Fail2banBannedResult {
  const line = { number: ls[0]!.number, text: ls.map((l) => l.text).join(' ') }
  const v = pythonLiteral(NAME, line.text.trim(), line)
  if (!Array.isArray(v)) throw parseError(NAME, 'expected a list', line)
  // `banned`: [{'sshd': ['1.2.3.4']}, {'nginx': []}]; `banned IP...`: [['sshd'], []].
  if (v.every((x) => Array.isArray(x))) {
    const per = v.map((x) => (x as unknown[]).map(String))
    return finish('banned-ip', [], {}, per)
  }
  const byJail: Record<string, string[]> = {}
  const bans: Fail2banBan[] = []
  for (const x of v) {
    if (x === null || typeof x !== 'object' || Array.isArray(x)) throw parseError(NAME, 'expected {jail: [addresses]} items', line)
    for (const [jail, ips] of Object.entries(x as Record<string, unknown>)) {
      if (!Array.isArray(ips)) throw parseError(NAME, `jail ${jail}: expected a list of addresses`, line)
      byJail[jail] = ips.map(String)
      for (const ip of ips)
        bans.push({ jail, address: address(String(ip), line), bannedAt: null, banTime: null, expiresAt: null, permanent: null })
    }
  }
  return finish('banned', bans, byJail, [])
}

function address(text: string, line: Line): string {
  if (!/^[0-9A-Fa-f.:/]+$/.test(text) || !/[.:]/.test(text)) throw parseError(NAME, `not an address: ${JSON.stringify(text)}`, line)
  return text
}

function finish(
  kind: Fail2banBannedResult['kind'],
  bans: Fail2banBan[],
  byJail: Record<string, string[]>,
  jailsPerAddress: string[][],
): Fail2banBannedResult {
  return { running: true, error: null, kind, bans, addresses: [...new Set(bans.map((b) => b.address))], byJail, jailsPerAddress }
}
