import { defineParser, parseError } from './registry.ts'
import { normaliseCidr, ownerOf, BLOCKED_FIELDS, type BlockedAddress } from './firewall.ts'
import { lines, type Line } from './text.ts'

export interface IptablesChain {
  table: string
  name: string
  /** ACCEPT / DROP for built-in chains, null for user chains. */
  policy: string | null
}

export interface IptablesRule {
  table: string
  chain: string
  /** Source as written (`198.51.100.23/32`), null when absent; `!` negation kept (`!192.0.2.1/32`). */
  source: string | null
  destination: string | null
  protocol: string | null
  /** `--dport` / `--dports` value. */
  dport: string | null
  /** `-j` target (`DROP`, `REJECT`, a chain), null when the rule has none. */
  target: string | null
  /** Set name of `-m set --match-set NAME src`. */
  matchSet: string | null
  /** `iptables -L -v`: packets and bytes counted; null otherwise. */
  packets: number | null
  bytes: number | null
  raw: string
  line: number
}

export interface IptablesResult {
  /**
   * `rules`: `iptables -S`; `save`: `iptables-save`; `list`: `iptables -L [-n] [-v] [--line-numbers]`;
   * `empty`: nothing printed with exit 0 (iptables-save on a host with no iptables table: a fresh
   * host, or every rule in native nft tables).
   */
  format: 'rules' | 'save' | 'list' | 'empty'
  /** From the iptables-save header: `nft` (nf_tables) or `legacy`; null for -S and -L, which do not say. */
  backend: 'nft' | 'legacy' | null
  /**
   * iptables-nft warned on stderr `# Warning: iptables-legacy tables present, use iptables-legacy to
   * see them`: rules in legacy tables exist and are NOT in this output.
   */
  legacyTablesPresent: boolean
  /** stderr lines (warnings), verbatim. */
  warnings: string[]
  chains: IptablesChain[]
  rules: IptablesRule[]
  /** Source addresses dropped or rejected, with the owning tool. */
  blocked: BlockedAddress[]
  /** `address` of every blocked entry, for `params.client_ip in result.blockedAddresses`. */
  blockedAddresses: string[]
  /** Rules matching an ipset (`-m set --match-set f2b-sshd-ipset src -j REJECT`): look the set up with the ipset parser. */
  blockingSets: { set: string; chain: string; target: string; raw: string }[]
  /** An `sshguard` chain exists. */
  sshguard: boolean
  /** fail2ban jails that have an `f2b-<jail>` chain or set. */
  fail2banJails: string[]
}

const NAME = 'iptables'
const BLOCK_TARGETS = new Set(['DROP', 'REJECT'])
const LEGACY_WARNING = /iptables-legacy tables present/
// `iptables -L` prints protocols by name (`tcp`, `all`) or, since 1.8.8 with -n, by number (`6`, `0`).
const PROTO_NUMBERS: Record<string, string> = {
  '0': 'all',
  '1': 'icmp',
  '2': 'igmp',
  '6': 'tcp',
  '17': 'udp',
  '41': 'ipv6',
  '47': 'gre',
  '50': 'esp',
  '51': 'ah',
  '58': 'ipv6-icmp',
  '132': 'sctp',
  '136': 'udplite',
}
const PROTO_NAMES = new Set([
  'all',
  'tcp',
  'udp',
  'icmp',
  'ipv6-icmp',
  'icmpv6',
  'esp',
  'ah',
  'sctp',
  'udplite',
  'gre',
  'igmp',
  'mh',
  'dccp',
])

/**
 * Firewall rules from `iptables -S` / `ip6tables -S`, `iptables-save` / `ip6tables-save` (all
 * tables) or `iptables -L` with any of `-n`, `-v`, `-x`, `--line-numbers` (the listing humans
 * paste; without `-n` addresses may be names). -S and -L do not print their table (`-t nat`): it is
 * told from the built-in chains listed (`filter` for INPUT/FORWARD/OUTPUT, `nat`, `mangle`, `raw`,
 * else `unknown`; one chain, `-S INPUT`, reads as `filter`). Either backend (`iptables-nft`, `iptables-legacy`: the text is the same). Empty output with exit 0
 * is an empty ruleset (`format: 'empty'`). iptables-nft's stderr warning that iptables-legacy
 * tables exist sets `legacyTablesPresent`: those rules are not in this output. Recognises sshguard's `sshguard` chain and fail2ban's
 * `f2b-<jail>` chains and `f2b-*` ipsets, and lists every blocked source address with its rule.
 *
 * @example
 * // result.blocked.exists(b, b.address == params.client_ip && b.owner == 'sshguard')
 */
export const iptablesParser = defineParser<IptablesResult>({
  name: NAME,
  describe: 'iptables -S or iptables-save (nft or legacy backend; also ip6tables)',
  fields: {
    format: 'string',
    backend: 'string',
    legacyTablesPresent: 'bool',
    warnings: 'list<string>',
    chains: [{ table: 'string', name: 'string', policy: 'string' }],
    rules: [
      {
        table: 'string',
        chain: 'string',
        source: 'string',
        destination: 'string',
        protocol: 'string',
        dport: 'string',
        target: 'string',
        matchSet: 'string',
        packets: 'int',
        bytes: 'int',
        raw: 'string',
        line: 'int',
      },
    ],
    blockingSets: [{ set: 'string', chain: 'string', target: 'string', raw: 'string' }],
    ...BLOCKED_FIELDS,
  },
  parse(result) {
    const all = lines(result.stdout).filter((l) => l.text.trim() !== '')
    const warnings = lines(result.stderr)
      .map((l) => l.text.trim())
      .filter((t) => t !== '')
    const legacy = warnings.some((w) => LEGACY_WARNING.test(w))
    if (all.length === 0) {
      if (result.exitCode === 0) return summarise('empty', null, [], [], warnings, legacy)
      throw parseError(NAME, `no output (exit code ${result.exitCode})${warnings[0] ? `: ${warnings[0]}` : ''}`)
    }
    if (/^Chain \S+ \(/.test(all[0]!.text)) return readList(all, warnings, legacy)
    const save = all.some((l) => l.text.startsWith('*') || l.text.startsWith('# Generated by'))
    let backend: IptablesResult['backend'] = null
    let table = 'filter'
    const chains: IptablesChain[] = []
    const rules: IptablesRule[] = []
    for (const line of all) {
      const t = line.text
      if (t.startsWith('#')) {
        const m = /^# Generated by i[p6]*tables-(?:nft-|legacy-)?save v\S+(?: \((nf_tables|legacy)\))?/.exec(t)
        if (m) backend = m[1] === 'nf_tables' ? 'nft' : 'legacy'
        continue
      }
      if (save && t.startsWith('*')) {
        table = t.slice(1)
        continue
      }
      if (save && t === 'COMMIT') continue
      if (save && t.startsWith(':')) {
        const m = /^:(\S+) (\S+) \[\d+:\d+\]$/.exec(t)
        if (!m) throw parseError(NAME, 'expected `:CHAIN POLICY [packets:bytes]`', line)
        chains.push({ table, name: m[1]!, policy: m[2] === '-' ? null : m[2]! })
        continue
      }
      const words = tokenize(t, line)
      if (!save && words[0] === '-P' && words.length === 3) {
        chains.push({ table, name: words[1]!, policy: words[2]! })
        continue
      }
      if (!save && words[0] === '-N' && words.length === 2) {
        chains.push({ table, name: words[1]!, policy: null })
        continue
      }
      if (words[0] === '-A' && words[1]) {
        rules.push(readRule(table, words, line))
        continue
      }
      throw parseError(NAME, save ? 'unexpected line in iptables-save output' : 'expected -P, -N or -A (iptables -S)', line)
    }
    if (!save) {
      // -S does not print its table (`-t nat`): told by the built-in chains it lists.
      const guessed = tableOf(chains.filter((c) => c.policy !== null).map((c) => c.name))
      for (const c of chains) c.table = guessed
      for (const r of rules) r.table = guessed
    }
    return summarise(save ? 'save' : 'rules', backend, chains, rules, warnings, legacy)
  },
})

/**
 * The table whose built-in chains these are, for -S and -L (which do not print it): `filter` for
 * INPUT/FORWARD/OUTPUT (or none, or some of them: `-S INPUT`), `nat` (PREROUTING, INPUT, OUTPUT,
 * POSTROUTING), `mangle` (all five), `raw` (PREROUTING, OUTPUT); `unknown` for any other set.
 */
function tableOf(builtin: readonly string[]): string {
  const has = new Set(builtin)
  if ([...has].every((n) => n === 'INPUT' || n === 'FORWARD' || n === 'OUTPUT')) return 'filter'
  const is = (...names: string[]) => has.size === names.length && names.every((n) => has.has(n))
  if (is('PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING')) return 'nat'
  if (is('PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING')) return 'mangle'
  if (is('PREROUTING', 'OUTPUT')) return 'raw'
  return 'unknown'
}

/**
 * `iptables -L`: `Chain NAME (policy P[ N packets, M bytes])` or `Chain NAME (N references)`, a
 * column header, then one rule per line: [num] [pkts bytes] [target] prot opt [in out] source
 * destination [match text]. The target is blank for a rule without one.
 */
function readList(all: Line[], warnings: string[], legacy: boolean): IptablesResult {
  const chains: IptablesChain[] = []
  const rules: IptablesRule[] = []
  let chain: string | undefined
  let cols: { num: boolean; counters: boolean; ifaces: boolean } | undefined
  for (const line of all) {
    const t = line.text
    const c = /^Chain (\S+) \((?:policy (\S+)(?: \d+ packets, \d+ bytes)?|(\d+) references|(?:0 )?references?)\)$/.exec(t)
    if (c) {
      chain = c[1]!
      chains.push({ table: 'filter', name: chain, policy: c[2] ?? null })
      cols = undefined
      continue
    }
    if (!chain) throw parseError(NAME, 'expected `Chain NAME (policy ...)` (iptables -L)', line)
    if (/^\s*(num\s+)?(pkts\s+bytes\s+)?target\s+prot\s+opt\s+/.test(t)) {
      cols = { num: /^\s*num\s/.test(t), counters: /\bpkts\s+bytes\b/.test(t), ifaces: /\bin\s+out\b/.test(t) }
      continue
    }
    if (!cols) throw parseError(NAME, 'expected the column header (`target prot opt source destination`)', line)
    rules.push(readListRule(chain, cols, line))
  }
  const table = tableOf(chains.filter((c) => c.policy !== null).map((c) => c.name))
  for (const c of chains) c.table = table
  for (const r of rules) r.table = table
  const named = rules.filter((r) => [r.source, r.destination].some((a) => a !== null && !/^!?[\d.]+(\/\d+)?$/.test(a) && !a.includes(':')))
  const notes =
    named.length > 0
      ? [...warnings, `${named.length} rule(s) show host names, not addresses (iptables -L without -n): run iptables -L -n`]
      : warnings
  return summarise('list', null, chains, rules, notes, legacy)
}

function readListRule(chain: string, cols: { num: boolean; counters: boolean; ifaces: boolean }, line: Line): IptablesRule {
  const words = [...line.text.matchAll(/\S+/g)]
  const w = (i: number): string | undefined => words[i]?.[0]
  let i = (cols.num ? 1 : 0) + (cols.counters ? 2 : 0)
  const counters = cols.counters ? { packets: count(w(i - 2), line), bytes: count(w(i - 1), line) } : { packets: null, bytes: null }
  const isOpt = (x: string | undefined): boolean => x === '--' || x === '-f' || x === '!f'
  const isProto = (x: string | undefined): boolean => x !== undefined && (PROTO_NAMES.has(x.replace(/^!/, '')) || /^!?\d+$/.test(x))
  let target: string | null
  // The opt column is `--` (or `-f`); old ip6tables leaves it blank.
  if (isOpt(w(i + 1))) target = null
  else if (isOpt(w(i + 2)) || !isProto(w(i)) || isProto(w(i + 1))) target = w(i++) ?? null
  else target = null
  const protoWord = w(i++)
  if (protoWord === undefined) throw parseError(NAME, 'a rule line without a protocol column', line)
  if (isOpt(w(i))) i++
  if (cols.ifaces) i += 2
  const source = w(i++)
  const destination = w(i++)
  if (source === undefined || destination === undefined) throw parseError(NAME, 'expected source and destination columns', line)
  const restAt = words[i]?.index ?? line.text.length
  const options = line.text.slice(restAt).trim()
  const neg = protoWord.startsWith('!')
  const proto = PROTO_NUMBERS[protoWord.replace(/^!/, '')] ?? protoWord.replace(/^!/, '')
  const any = (a: string): boolean => a === '0.0.0.0/0' || a === '::/0' || a === 'anywhere'
  const dport = /(?:^|\s)(?:dpts?:(\S+)|multiport dports (\S+)|dports (\S+))/.exec(options)
  const set = /(?:^|\s)match-set (\S+) (?:src|dst)/.exec(options)
  return {
    table: 'filter',
    chain,
    source: any(source) ? null : source,
    destination: any(destination) ? null : destination,
    protocol: proto === 'all' ? null : `${neg ? '!' : ''}${proto}`,
    dport: dport ? (dport[1] ?? dport[2] ?? dport[3]!) : null,
    target,
    matchSet: set ? set[1]! : null,
    ...counters,
    raw: line.text.trimEnd(),
    line: line.number,
  }
}

/** `-v` counters: `1234`, or with a K/M/G suffix without `-x`. */
function count(v: string | undefined, line: Line): number {
  const m = /^(\d+)([KMGT]?)$/.exec(v ?? '')
  if (!m) throw parseError(NAME, `expected a packet or byte count, got ${JSON.stringify(v ?? '')}`, line)
  return Number(m[1]) * 1000 ** ' KMGT'.indexOf(m[2] || ' ')
}

function summarise(
  format: IptablesResult['format'],
  backend: IptablesResult['backend'],
  chains: IptablesChain[],
  rules: IptablesRule[],
  warnings: string[],
  legacy: boolean,
): IptablesResult {
  const blocked: BlockedAddress[] = []
  const blockingSets: IptablesResult['blockingSets'] = []
  const jails = new Set<string>()
  for (const c of chains) if (c.name.startsWith('f2b-')) jails.add(c.name.slice(4))
  for (const r of rules) {
    if (!r.target || !BLOCK_TARGETS.has(r.target)) continue
    if (r.matchSet) {
      blockingSets.push({ set: r.matchSet, chain: r.chain, target: r.target, raw: r.raw })
      if (r.matchSet.startsWith('f2b-')) jails.add(r.matchSet.slice(4))
    }
    if (r.source && !r.source.startsWith('!')) {
      const a = normaliseCidr(r.source)
      const who = ownerOf(r.table, r.chain, r.matchSet)
      blocked.push({ ...a, ...who, table: r.table, chain: r.chain, set: r.matchSet, target: r.target, raw: r.raw })
    }
  }
  return {
    format,
    backend,
    legacyTablesPresent: legacy,
    warnings,
    chains,
    rules,
    blocked,
    blockedAddresses: [...new Set(blocked.map((b) => b.address))],
    blockingSets,
    sshguard: chains.some((c) => c.name === 'sshguard'),
    fail2banJails: [...jails].sort(),
  }
}

function readRule(table: string, words: string[], line: Line): IptablesRule {
  const rule: IptablesRule = {
    table,
    chain: words[1]!,
    source: null,
    destination: null,
    protocol: null,
    dport: null,
    target: null,
    matchSet: null,
    packets: null,
    bytes: null,
    raw: line.text,
    line: line.number,
  }
  let negate = false
  for (let i = 2; i < words.length; i++) {
    const w = words[i]!
    const next = words[i + 1]
    const val = (): string => {
      if (next === undefined) throw parseError(NAME, `option ${w} has no value`, line)
      i++
      const v = negate ? `!${next}` : next
      negate = false
      return v
    }
    if (w === '!') {
      negate = true
      continue
    }
    if (w === '-s' || w === '--source') rule.source = val()
    else if (w === '-d' || w === '--destination') rule.destination = val()
    else if (w === '-p' || w === '--protocol') rule.protocol = val()
    else if (w === '--dport' || w === '--dports' || w === '--destination-port') rule.dport = val()
    else if (w === '-j' || w === '--jump' || w === '-g' || w === '--goto') rule.target = val()
    else if (w === '--match-set') {
      rule.matchSet = val()
      i++
    } // skip the direction flags (src / dst)
    else negate = false
  }
  return rule
}

/** Splits a rule line like a shell would (iptables quotes comments: `--comment "a b"`). */
function tokenize(text: string, line: Line): string[] {
  const out: string[] = []
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g
  let m: RegExpExecArray | null
  while ((m = re.exec(text))) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!)
  if (out.length === 0) throw parseError(NAME, 'empty rule', line)
  return out
}
