import { defineParser, parseError } from './registry.ts'
import { normaliseCidr, ownerOf, BLOCKED_FIELDS, type BlockedAddress } from './firewall.ts'
import { readText } from './nft-text.ts'

export interface NftTable {
  family: string
  name: string
  /** `iptables-nft` when iptables-nft made the table (nft's `# Warning: table ip filter is managed by iptables-nft`, or its xt expressions and INPUT/OUTPUT/... base chains); null otherwise. */
  managedBy: 'iptables-nft' | null
}
export interface NftChain {
  family: string
  table: string
  name: string
  hook: string | null
  priority: number | null
  policy: string | null
}
export interface NftSet {
  family: string
  table: string
  name: string
  type: string
  flags: string[]
  elements: string[]
}
export interface NftRule {
  family: string
  table: string
  chain: string
  handle: number | null
  /** Final verdict (`drop`, `reject`, `accept`, `jump f2b-sshd`, `return`), null if none. */
  verdict: string | null
  /** Literal source address matched (`ip saddr 198.51.100.23`), null when none or several. */
  saddr: string | null
  /** Every literal source address matched: the one of `saddr`, or the members of an anonymous set (`ip saddr { a, b }`). */
  saddrs: string[]
  /** Set matched as source (`ip saddr @attackers` → `attackers`). */
  saddrSet: string | null
  /** Layer 4 protocol matched (`tcp dport 22`, `meta l4proto tcp`, `ip protocol udp`), null when none. */
  protocol: string | null
  /** Destination port(s) as nft prints them: `22`, `2000-2100`, `{ 80, 443 }`; null when none. */
  dport: string | null
  comment: string | null
  /** A short nft-like rendering, for evidence. */
  raw: string
}

export interface NftResult {
  /** `json` (`nft -j list ruleset`) or `text` (`nft list ruleset`, also `-a`, `-s`, `list table`). */
  format: 'json' | 'text'
  tables: NftTable[]
  chains: NftChain[]
  rules: NftRule[]
  sets: NftSet[]
  blocked: BlockedAddress[]
  blockedAddresses: string[]
  /** sshguard's nftables backend tables (`ip sshguard` / `ip6 sshguard` with set `attackers`), or an iptables-nft `sshguard` chain. */
  sshguard: boolean
  fail2banJails: string[]
  /** Tables iptables-nft manages (`ip filter`): read them with the iptables parser too; nft rules there may hide xt matches. */
  iptablesNftTables: string[]
  /** stderr lines (nft's warnings), verbatim. */
  warnings: string[]
}

const NAME = 'nft'
type Json = Record<string, unknown>

/**
 * The nftables ruleset from `nft -j list ruleset` (JSON; nft 0.9.x–1.x) or as text (`nft list
 * ruleset`, `nft -a list ruleset` with `# handle N`, `-s`, `nft list table FAMILY NAME`: what old
 * hosts and humans paste). Lists tables, chains, rules (verdict, source address or set, protocol,
 * destination ports) and sets with their elements; recognises sshguard's `sshguard` tables with the
 * `attackers` set, fail2ban's `f2b-table` with `addr-set-<jail>` / `addr6-set-<jail>` sets,
 * the chains iptables-nft creates (`sshguard`, `f2b-<jail>`) and the tables it manages; lists
 * blocked addresses. Empty output with exit 0 is an empty ruleset. Text blocks it does not know
 * (`flowtable`, `ct helper`, named counters...) are skipped whole; a line it cannot place is an error.
 */
export const nftParser = defineParser<NftResult>({
  name: NAME,
  describe: 'nft -j list ruleset (JSON): tables, chains, rules, sets; sshguard/fail2ban blocks',
  fields: {
    format: 'string',
    tables: [{ family: 'string', name: 'string', managedBy: 'string' }],
    chains: [{ family: 'string', table: 'string', name: 'string', hook: 'string', priority: 'int', policy: 'string' }],
    rules: [
      {
        family: 'string',
        table: 'string',
        chain: 'string',
        handle: 'int',
        verdict: 'string',
        saddr: 'string',
        saddrs: 'list<string>',
        saddrSet: 'string',
        protocol: 'string',
        dport: 'string',
        comment: 'string',
        raw: 'string',
      },
    ],
    sets: [{ family: 'string', table: 'string', name: 'string', type: 'string', flags: 'list<string>', elements: 'list<string>' }],
    ...BLOCKED_FIELDS,
    iptablesNftTables: 'list<string>',
    warnings: 'list<string>',
  },
  parse(result) {
    const text = result.stdout.trim()
    const warnings = result.stderr
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '')
    if (text === '') {
      if (result.exitCode === 0) return withBlocks(emptyResult('text', warnings))
      throw parseError(NAME, `no output (exit code ${result.exitCode})${warnings[0] ? `: ${warnings[0]}` : ''}`)
    }
    if (!text.startsWith('{')) return withBlocks(readText(result.stdout, warnings))
    let doc: unknown
    try {
      doc = JSON.parse(text)
    } catch (e) {
      const first = text.split('\n')[0] ?? ''
      throw parseError(NAME, `not JSON (run nft with -j): ${(e as Error).message}`, { number: 1, text: first })
    }
    const items = (doc as Json | null)?.['nftables']
    if (!Array.isArray(items)) throw parseError(NAME, 'JSON has no `nftables` array', { number: 1, text: text.slice(0, 80) })
    const out = emptyResult('json', warnings)
    for (const item of items as Json[]) {
      if (item['table']) {
        const t = item['table'] as Json
        out.tables.push({ family: str(t['family']), name: str(t['name']), managedBy: null })
      } else if (item['chain']) out.chains.push(readChain(item['chain'] as Json))
      else if (item['set']) out.sets.push(readSet(item['set'] as Json))
      else if (item['rule']) out.rules.push(readRule(item['rule'] as Json))
    }
    return withBlocks(out)
  },
})

function emptyResult(format: NftResult['format'], warnings: string[]): NftResult {
  return {
    format,
    tables: [],
    chains: [],
    rules: [],
    sets: [],
    blocked: [],
    blockedAddresses: [],
    sshguard: false,
    fail2banJails: [],
    iptablesNftTables: [],
    warnings,
  }
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v)
}

function readChain(c: Json): NftChain {
  return {
    family: str(c['family']),
    table: str(c['table']),
    name: str(c['name']),
    hook: typeof c['hook'] === 'string' ? c['hook'] : null,
    priority: typeof c['prio'] === 'number' ? c['prio'] : null,
    policy: typeof c['policy'] === 'string' ? c['policy'] : null,
  }
}

function readSet(s: Json): NftSet {
  const elems = Array.isArray(s['elem']) ? (s['elem'] as unknown[]) : []
  return {
    family: str(s['family']),
    table: str(s['table']),
    name: str(s['name']),
    type: Array.isArray(s['type']) ? (s['type'] as unknown[]).map(str).join(' . ') : str(s['type']),
    // nft writes one flag as a string, several as an array.
    flags: Array.isArray(s['flags']) ? (s['flags'] as unknown[]).map(str) : typeof s['flags'] === 'string' ? [s['flags']] : [],
    elements: elems.map(element),
  }
}

/** `"1.2.3.4"`, `{prefix:{addr,len}}`, `{range:[a,b]}`, `{elem:{val,...}}` → text. */
function element(e: unknown): string {
  if (typeof e === 'string' || typeof e === 'number') return String(e)
  const o = (e ?? {}) as Json
  if (o['prefix']) {
    const p = o['prefix'] as Json
    return `${str(p['addr'])}/${str(p['len'])}`
  }
  if (Array.isArray(o['range'])) return (o['range'] as unknown[]).map(element).join('-')
  if (o['elem']) return element((o['elem'] as Json)['val'])
  if (Array.isArray(o['set'])) return `{ ${(o['set'] as unknown[]).map(element).join(', ')} }`
  return JSON.stringify(e)
}

const VERDICTS = ['accept', 'drop', 'reject', 'return', 'jump', 'goto', 'continue', 'queue']

function readRule(r: Json): NftRule {
  const exprs = Array.isArray(r['expr']) ? (r['expr'] as Json[]) : []
  let verdict: string | null = null
  let saddr: string | null = null
  let saddrs: string[] = []
  let saddrSet: string | null = null
  let protocol: string | null = null
  let dport: string | null = null
  const parts: string[] = []
  for (const x of exprs) {
    const [kind, body] = Object.entries(x)[0] ?? ['', undefined]
    if (kind === 'match') {
      const m = body as Json
      const left = (m['left'] as Json | undefined)?.['payload'] as Json | undefined
      const meta = (m['left'] as Json | undefined)?.['meta'] as Json | undefined
      const field = left ? `${str(left['protocol'])} ${str(left['field'])}` : meta ? `meta ${str(meta['key'])}` : JSON.stringify(m['left'])
      const right = m['right']
      const value = typeof right === 'string' ? right : element(right)
      parts.push(`${field} ${str(m['op']) === '==' ? '' : `${str(m['op'])} `}${value}`)
      if (
        left &&
        (left['field'] === 'dport' || left['field'] === 'sport') &&
        ['tcp', 'udp', 'sctp', 'dccp', 'udplite'].includes(str(left['protocol']))
      )
        protocol ??= str(left['protocol'])
      if (left && left['field'] === 'dport' && str(m['op']) === '==') dport = value
      if (meta && meta['key'] === 'l4proto' && str(m['op']) === '==') protocol = value
      if (left && left['field'] === 'protocol' && left['protocol'] === 'ip' && str(m['op']) === '==') protocol = value
      if (left && left['field'] === 'saddr' && str(m['op']) === '==') {
        const set = (right as Json | null)?.['set']
        if (Array.isArray(set)) saddrs = set.map(element)
        else if (value.startsWith('@')) saddrSet = value.slice(1)
        else {
          saddr = value
          saddrs = [value]
        }
      }
    } else if (kind === 'vmap') {
      // `tcp dport vmap @ports`: a verdict per port, so no single verdict; the protocol is known.
      const key = ((body as Json | null)?.['key'] as Json | undefined)?.['payload'] as Json | undefined
      if (key && ['tcp', 'udp', 'sctp', 'dccp', 'udplite'].includes(str(key['protocol']))) protocol ??= str(key['protocol'])
      parts.push('vmap')
    } else if (VERDICTS.includes(kind)) {
      const target = (body as Json | null)?.['target']
      verdict = target ? `${kind} ${str(target)}` : kind
      parts.push(verdict)
    } else if (kind === 'xt') {
      const xt = body as Json
      parts.push(`xt ${str(xt['type'])} ${str(xt['name'])}`)
      // iptables-nft keeps REJECT as an xtables target: it is still the rule's verdict.
      if (xt['type'] === 'target' && (xt['name'] === 'REJECT' || xt['name'] === 'DROP')) verdict = str(xt['name']).toLowerCase()
    } else if (kind !== 'counter') {
      parts.push(kind)
    }
  }
  const family = str(r['family'])
  const table = str(r['table'])
  const chain = str(r['chain'])
  const handle = typeof r['handle'] === 'number' ? r['handle'] : null
  return {
    family,
    table,
    chain,
    handle,
    verdict,
    saddr,
    saddrs,
    saddrSet,
    protocol,
    dport,
    comment: typeof r['comment'] === 'string' ? r['comment'] : null,
    raw: `${family} ${table} ${chain}${handle === null ? '' : ` handle ${handle}`}: ${parts.join(' ')}`,
  }
}

const IPTABLES_TABLES = new Set(['filter', 'nat', 'mangle', 'raw', 'security'])
const IPTABLES_CHAINS = new Set(['INPUT', 'OUTPUT', 'FORWARD', 'PREROUTING', 'POSTROUTING'])

/** iptables-nft's tables: named by nft's warning, or an iptables table name with iptables' base chains or xt expressions. */
function markIptablesNft(out: NftResult, named: Set<string>): void {
  for (const t of out.tables) {
    const key = `${t.family} ${t.name}`
    const looks =
      ['ip', 'ip6', 'arp', 'bridge'].includes(t.family) &&
      IPTABLES_TABLES.has(t.name) &&
      (out.chains.some((c) => c.family === t.family && c.table === t.name && c.hook !== null && IPTABLES_CHAINS.has(c.name)) ||
        out.rules.some((r) => r.family === t.family && r.table === t.name && r.raw.includes(' xt ')))
    if (named.has(key) || looks) t.managedBy = 'iptables-nft'
  }
  out.iptablesNftTables = out.tables.filter((t) => t.managedBy !== null).map((t) => `${t.family} ${t.name}`)
}

function withBlocks(out: NftResult): NftResult {
  const named = new Set<string>()
  for (const w of out.warnings) {
    const m = /table (\S+) (\S+) is managed by iptables-nft/.exec(w)
    if (m) named.add(`${m[1]} ${m[2]}`)
  }
  markIptablesNft(out, named)
  const blocking = (v: string | null): boolean => v === 'drop' || v === 'reject'
  const jails = new Set<string>()
  const setKey = (family: string, table: string, name: string): string => `${family} ${table} ${name}`
  // Sets used as a source match by a dropping/rejecting rule, with that rule.
  const setRules = new Map<string, NftRule>()
  for (const r of out.rules) {
    if (r.saddrSet && blocking(r.verdict)) setRules.set(setKey(r.family, r.table, r.saddrSet), r)
    if (r.chain.startsWith('f2b-') && r.table !== 'f2b-table') jails.add(r.chain.slice(4))
    for (const addr of blocking(r.verdict) ? r.saddrs : []) {
      const a = normaliseCidr(addr)
      out.blocked.push({
        ...a,
        ...ownerOf(r.table, r.chain, null),
        table: `${r.family} ${r.table}`,
        chain: r.chain,
        set: null,
        target: r.verdict,
        raw: r.raw,
      })
    }
  }
  for (const s of out.sets) {
    const who = ownerOf(s.table, null, s.name)
    if (who.owner === 'fail2ban' && who.jail) jails.add(who.jail)
    const rule = setRules.get(setKey(s.family, s.table, s.name))
    if (!rule && who.owner === 'manual') continue
    for (const e of s.elements) {
      const a = normaliseCidr(e)
      out.blocked.push({
        ...a,
        ...who,
        table: `${s.family} ${s.table}`,
        chain: rule?.chain ?? null,
        set: s.name,
        target: rule?.verdict ?? null,
        raw: `element ${s.family} ${s.table} ${s.name} { ${e} }`,
      })
    }
  }
  out.blockedAddresses = [...new Set(out.blocked.map((b) => b.address))]
  out.sshguard = out.tables.some((t) => t.name === 'sshguard') || out.chains.some((c) => c.name === 'sshguard')
  out.fail2banJails = [...jails].sort()
  return out
}
