import { defineParser, parseError } from './registry.ts'
import { normaliseCidr, ownerOf, BLOCKED_FIELDS, type BlockedAddress } from './firewall.ts'

export interface NftTable { family: string; name: string }
export interface NftChain { family: string; table: string; name: string; hook: string | null; priority: number | null; policy: string | null }
export interface NftSet { family: string; table: string; name: string; type: string; flags: string[]; elements: string[] }
export interface NftRule {
  family: string
  table: string
  chain: string
  handle: number | null
  /** Final verdict (`drop`, `reject`, `accept`, `jump f2b-sshd`, `return`), null if none. */
  verdict: string | null
  /** Literal source address matched (`ip saddr 198.51.100.23`), null when none. */
  saddr: string | null
  /** Set matched as source (`ip saddr @attackers` → `attackers`). */
  saddrSet: string | null
  comment: string | null
  /** A short nft-like rendering, for evidence. */
  raw: string
}

export interface NftResult {
  tables: NftTable[]
  chains: NftChain[]
  rules: NftRule[]
  sets: NftSet[]
  blocked: BlockedAddress[]
  blockedAddresses: string[]
  /** sshguard's nftables backend tables (`ip sshguard` / `ip6 sshguard` with set `attackers`), or an iptables-nft `sshguard` chain. */
  sshguard: boolean
  fail2banJails: string[]
}

const NAME = 'nft'
type Json = Record<string, unknown>

/**
 * The whole nftables ruleset from `nft -j list ruleset` (JSON; nft 0.9.x–1.x). Lists tables,
 * chains, rules and sets with their elements; recognises sshguard's `sshguard` tables with the
 * `attackers` set, fail2ban's `f2b-table` with `addr-set-<jail>` / `addr6-set-<jail>` sets,
 * and the chains iptables-nft creates (`sshguard`, `f2b-<jail>`); lists blocked addresses.
 * Text output (`nft list ruleset` without -j) is refused.
 */
export const nftParser = defineParser<NftResult>({
  name: NAME,
  describe: 'nft -j list ruleset (JSON): tables, chains, rules, sets; sshguard/fail2ban blocks',
  fields: { tables: 'list', chains: 'list', rules: 'list', sets: 'list', ...BLOCKED_FIELDS },
  parse(result) {
    const text = result.stdout.trim()
    if (text === '') throw parseError(NAME, `empty output${result.stderr.trim() ? `: ${result.stderr.trim().split('\n')[0]}` : ''}`)
    let doc: unknown
    try {
      doc = JSON.parse(text)
    } catch (e) {
      const first = text.split('\n')[0] ?? ''
      throw parseError(NAME, `not JSON (run nft with -j): ${(e as Error).message}`, { number: 1, text: first })
    }
    const items = (doc as Json | null)?.['nftables']
    if (!Array.isArray(items)) throw parseError(NAME, 'JSON has no `nftables` array', { number: 1, text: text.slice(0, 80) })
    const out: NftResult = { tables: [], chains: [], rules: [], sets: [], blocked: [], blockedAddresses: [], sshguard: false, fail2banJails: [] }
    for (const item of items as Json[]) {
      if (item['table']) { const t = item['table'] as Json; out.tables.push({ family: str(t['family']), name: str(t['name']) }) }
      else if (item['chain']) out.chains.push(readChain(item['chain'] as Json))
      else if (item['set']) out.sets.push(readSet(item['set'] as Json))
      else if (item['rule']) out.rules.push(readRule(item['rule'] as Json))
    }
    return withBlocks(out)
  },
})

function str(v: unknown): string {
  return typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v)
}

function readChain(c: Json): NftChain {
  return {
    family: str(c['family']), table: str(c['table']), name: str(c['name']),
    hook: typeof c['hook'] === 'string' ? c['hook'] : null,
    priority: typeof c['prio'] === 'number' ? c['prio'] : null,
    policy: typeof c['policy'] === 'string' ? c['policy'] : null,
  }
}

function readSet(s: Json): NftSet {
  const elems = Array.isArray(s['elem']) ? (s['elem'] as unknown[]) : []
  return {
    family: str(s['family']), table: str(s['table']), name: str(s['name']),
    type: Array.isArray(s['type']) ? (s['type'] as unknown[]).map(str).join(' . ') : str(s['type']),
    flags: Array.isArray(s['flags']) ? (s['flags'] as unknown[]).map(str) : [],
    elements: elems.map(element),
  }
}

/** `"1.2.3.4"`, `{prefix:{addr,len}}`, `{range:[a,b]}`, `{elem:{val,...}}` → text. */
function element(e: unknown): string {
  if (typeof e === 'string' || typeof e === 'number') return String(e)
  const o = (e ?? {}) as Json
  if (o['prefix']) { const p = o['prefix'] as Json; return `${str(p['addr'])}/${str(p['len'])}` }
  if (Array.isArray(o['range'])) return (o['range'] as unknown[]).map(element).join('-')
  if (o['elem']) return element((o['elem'] as Json)['val'])
  return JSON.stringify(e)
}

const VERDICTS = ['accept', 'drop', 'reject', 'return', 'jump', 'goto', 'continue', 'queue']

function readRule(r: Json): NftRule {
  const exprs = Array.isArray(r['expr']) ? (r['expr'] as Json[]) : []
  let verdict: string | null = null
  let saddr: string | null = null
  let saddrSet: string | null = null
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
      if (left && left['field'] === 'saddr' && str(m['op']) === '==') {
        if (value.startsWith('@')) saddrSet = value.slice(1)
        else saddr = value
      }
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
    family, table, chain, handle, verdict, saddr, saddrSet,
    comment: typeof r['comment'] === 'string' ? r['comment'] : null,
    raw: `${family} ${table} ${chain}${handle === null ? '' : ` handle ${handle}`}: ${parts.join(' ')}`,
  }
}

function withBlocks(out: NftResult): NftResult {
  const blocking = (v: string | null): boolean => v === 'drop' || v === 'reject'
  const jails = new Set<string>()
  const setKey = (family: string, table: string, name: string): string => `${family} ${table} ${name}`
  // Sets used as a source match by a dropping/rejecting rule, with that rule.
  const setRules = new Map<string, NftRule>()
  for (const r of out.rules) {
    if (r.saddrSet && blocking(r.verdict)) setRules.set(setKey(r.family, r.table, r.saddrSet), r)
    if (r.chain.startsWith('f2b-') && r.table !== 'f2b-table') jails.add(r.chain.slice(4))
    if (r.saddr && blocking(r.verdict)) {
      const a = normaliseCidr(r.saddr)
      out.blocked.push({ ...a, ...ownerOf(r.table, r.chain, null), table: `${r.family} ${r.table}`, chain: r.chain, set: null, target: r.verdict, raw: r.raw })
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
        ...a, ...who, table: `${s.family} ${s.table}`, chain: rule?.chain ?? null, set: s.name, target: rule?.verdict ?? null,
        raw: `element ${s.family} ${s.table} ${s.name} { ${e} }`,
      })
    }
  }
  out.blockedAddresses = [...new Set(out.blocked.map((b) => b.address))]
  out.sshguard = out.tables.some((t) => t.name === 'sshguard') || out.chains.some((c) => c.name === 'sshguard')
  out.fail2banJails = [...jails].sort()
  return out
}
