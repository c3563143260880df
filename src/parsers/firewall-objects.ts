/**
 * Every firewall object of a host that blocks one address, from the one command of the
 * `firewall/find-address` action: its output is sections, each read by the parser of its tool.
 */
import { defineParser, parseError } from './registry.ts'
import { BLOCKED_ADDRESS_FIELDS, type BlockedAddress } from './firewall.ts'
import { ipsetParser } from './ipset.ts'
import { iptablesParser } from './iptables.ts'
import { nftParser } from './nft.ts'
import { lines, type Line } from './text.ts'
import type { CommandResult } from '../types.ts'

/** Where an object was read: the tool whose listing shows it. */
export type FirewallSource = 'iptables' | 'iptables-legacy' | 'nft' | 'ipset'

export interface FirewallObject extends BlockedAddress {
  source: FirewallSource
  /** nft rules: the rule's handle (`nft delete rule FAMILY TABLE CHAIN handle N`); null for set members and iptables rules. */
  handle: number | null
  /** nft: the table is iptables-nft's (`ip filter`): edit it with iptables, not nft. */
  iptablesNft: boolean
}

export interface FirewallObjectsResult {
  /** The address looked for, as the command printed it. */
  address: string
  /** Every object that drops or rejects exactly this address (a network containing it is not one). */
  blocks: FirewallObject[]
  /** The tools that own those objects: `sshguard`, `fail2ban`, `manual` (a rule or set made by hand). */
  owners: string[]
  /** Every blocking object on the host, whatever address it names. */
  blocked: FirewallObject[]
  blockedAddresses: string[]
  /** The tools read (`iptables`, `iptables-legacy`, `nft`, `ipset`). */
  read: string[]
  /** The tools not read, with why: `iptables-legacy: no legacy tables`, `ipset: not installed`. */
  skipped: string[]
}

const NAME = 'firewall-objects'
const SECTION = /^### (address|iptables|iptables-legacy|nft|ipset)(?: (.*))?$/
const SKIPPED = /^### skipped: (.*)$/
const PARSERS = { iptables: iptablesParser, 'iptables-legacy': iptablesParser, ipset: ipsetParser } as const

/**
 * The sections `firewall/find-address` prints: `### address <ip>`, then `### iptables`,
 * `### iptables-legacy`, `### nft`, `### ipset`, each followed by its tool's listing
 * (`iptables -S` or `ip6tables -S`, `nft -j list ruleset`, `ipset list`) or by
 * `### skipped: <why>`. Each listing is read by that tool's parser; the result lists the blocking
 * objects naming the address (`blocks`) and all of them (`blocked`), each with the tool it was
 * read from, who made it (sshguard's chain, table, set or ipset; fail2ban's `f2b-*` chains and
 * sets; by hand) and, for nft rules, the handle.
 *
 * @example
 * // blocks.exists(b, b.owner == 'manual' && b.source == 'nft' && !b.iptablesNft)
 */
export const firewallObjectsParser = defineParser<FirewallObjectsResult>({
  name: NAME,
  describe: 'the firewall/find-address action: every iptables, iptables-legacy, nft and ipset object blocking an address',
  fields: {
    address: 'string',
    blocks: [{ ...BLOCKED_ADDRESS_FIELDS, source: 'string', handle: 'int', iptablesNft: 'bool' }],
    owners: 'list<string>',
    blocked: [{ ...BLOCKED_ADDRESS_FIELDS, source: 'string', handle: 'int', iptablesNft: 'bool' }],
    blockedAddresses: 'list<string>',
    read: 'list<string>',
    skipped: 'list<string>',
  },
  parse(result) {
    const all = lines(result.stdout)
    const head = all[0]
    const first = head ? SECTION.exec(head.text) : null
    if (!head || !first || first[1] !== 'address' || !first[2]) {
      throw parseError(
        NAME,
        'expected `### address <ip>` first (the output of the firewall/find-address action)',
        head ?? { number: 1, text: '' },
      )
    }
    const out: FirewallObjectsResult = {
      address: first[2].trim(),
      blocks: [],
      owners: [],
      blocked: [],
      blockedAddresses: [],
      read: [],
      skipped: [],
    }
    for (const s of sections(all.slice(1))) {
      const skipped = s.body.length > 0 ? SKIPPED.exec(s.body[0]!.text) : null
      if (skipped) {
        out.skipped.push(`${s.source}: ${skipped[1]}`)
        continue
      }
      out.read.push(s.source)
      out.blocked.push(...objectsOf(s.source, s.body.map((l) => l.text).join('\n') + '\n', result))
    }
    out.blocks = out.blocked.filter((b) => b.address === out.address)
    out.owners = [...new Set(out.blocks.map((b) => b.owner))]
    out.blockedAddresses = [...new Set(out.blocked.map((b) => b.address))]
    return out
  },
})

interface Section {
  source: FirewallSource
  body: Line[]
}

function sections(rest: Line[]): Section[] {
  const out: Section[] = []
  for (const line of rest) {
    const m = SECTION.exec(line.text)
    if (m && m[1] !== 'address') {
      out.push({ source: m[1] as FirewallSource, body: [] })
      continue
    }
    const cur = out.at(-1)
    if (!cur) throw parseError(NAME, 'expected a `### <tool>` section line', line)
    cur.body.push(line)
  }
  return out
}

/** One tool's listing through its own parser; its errors name this parser and the section. */
function objectsOf(source: FirewallSource, stdout: string, whole: CommandResult): FirewallObject[] {
  const section: CommandResult = { ...whole, stdout, stderr: '', exitCode: 0 }
  try {
    if (source !== 'nft') return PARSERS[source].parse(section).blocked.map((b) => ({ ...b, source, handle: null, iptablesNft: false }))
    const nft = nftParser.parse(section)
    const handles = new Map(nft.rules.map((r) => [r.raw, r.handle]))
    return nft.blocked.map((b) => ({
      ...b,
      source,
      handle: b.set === null ? (handles.get(b.raw) ?? null) : null,
      iptablesNft: nft.iptablesNftTables.includes(b.table),
    }))
  } catch (e) {
    throw parseError(NAME, `section ${source}: ${(e as Error).message}`)
  }
}
