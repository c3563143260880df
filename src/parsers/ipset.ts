import { defineParser, parseError } from './registry.ts'
import { normaliseCidr, ownerOf, BLOCKED_FIELDS, type BlockedAddress } from './firewall.ts'
import { int, lines } from './text.ts'

export interface IpsetSet {
  name: string
  type: string
  header: string
  entries: number
  /** Members as listed (`198.51.100.23`, `203.0.113.0/24`, possibly with `timeout 600`). */
  members: string[]
}

export interface IpsetResult {
  sets: IpsetSet[]
  /** Members of fail2ban (`f2b-*`) and sshguard sets; other sets may be allow-lists, so they are not listed here. */
  blocked: BlockedAddress[]
  blockedAddresses: string[]
  fail2banJails: string[]
}

const NAME = 'ipset'

/**
 * IP sets from `ipset list` (all sets, or `ipset list NAME`). Recognises fail2ban's
 * `f2b-<jail>` sets (iptables-ipset actions) and sshguard's `sshguard4` / `sshguard6` sets
 * (its ipset backend). `ipset save` output is refused. No sets at all prints nothing: an empty list.
 */
export const ipsetParser = defineParser<IpsetResult>({
  name: NAME,
  describe: 'ipset list [NAME]: sets and members; fail2ban/sshguard members as blocked',
  fields: {
    sets: [{ name: 'string', type: 'string', header: 'string', entries: 'int', members: 'list<string>' }],
    blocked: BLOCKED_FIELDS.blocked,
    blockedAddresses: 'list<string>',
    fail2banJails: 'list<string>',
  },
  parse(result) {
    if (result.exitCode !== 0 && result.exitCode !== null) {
      throw parseError(NAME, `ipset exited ${result.exitCode}: ${result.stderr.trim().split('\n')[0] ?? ''}`)
    }
    const sets: IpsetSet[] = []
    let cur: IpsetSet | undefined
    let inMembers = false
    for (const line of lines(result.stdout)) {
      const t = line.text
      if (t.trim() === '') {
        inMembers = false
        continue
      }
      if (t.startsWith('Name: ')) {
        cur = { name: t.slice(6).trim(), type: '', header: '', entries: 0, members: [] }
        sets.push(cur)
        inMembers = false
        continue
      }
      if (!cur) throw parseError(NAME, 'expected `Name: <set>` (ipset list)', line)
      if (inMembers) {
        cur.members.push(t.trim())
        continue
      }
      const m = /^([A-Za-z ]+): ?(.*)$/.exec(t)
      if (!m) throw parseError(NAME, 'expected `Field: value`', line)
      const [key, value] = [m[1]!, m[2]!]
      if (key === 'Type') cur.type = value
      else if (key === 'Header') cur.header = value
      else if (key === 'Number of entries') cur.entries = int(NAME, value, line, 'number of entries')
      else if (key === 'Members') inMembers = true
    }
    const blocked: BlockedAddress[] = []
    const jails = new Set<string>()
    for (const s of sets) {
      const sshguard = s.name === 'sshguard4' || s.name === 'sshguard6'
      const who = sshguard ? { owner: 'sshguard' as const, jail: null } : ownerOf('', null, s.name)
      if (who.owner === 'fail2ban' && who.jail) jails.add(who.jail)
      if (who.owner === 'manual') continue
      for (const member of s.members) {
        const addr = member.split(' ')[0]!
        blocked.push({
          ...normaliseCidr(addr),
          ...who,
          table: 'ipset',
          chain: null,
          set: s.name,
          target: null,
          raw: `${s.name}: ${member}`,
        })
      }
    }
    return { sets, blocked, blockedAddresses: [...new Set(blocked.map((b) => b.address))], fail2banJails: [...jails].sort() }
  },
})
