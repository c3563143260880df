/**
 * `nft list ruleset` as text: the same tables, chains, sets and rules as `nft -j`, read from the
 * nested `table F N { chain C { ... } set S { ... } }` blocks nft prints (with `-a` handles, `-s`
 * without counters and set elements, `list table`).
 */
import { parseError } from './registry.ts'
import { lines, type Line } from './text.ts'
import type { NftChain, NftResult, NftRule, NftSet } from './nft.ts'

const NAME = 'nft'
const VERDICT = /(?:^|\s)(accept|drop|return|continue|queue(?: .*)?|reject(?: with \S+(?: \S+)?)?|(?:jump|goto) \S+)\s*$/

export function readText(stdout: string, warnings: string[]): NftResult {
  const out: NftResult = {
    format: 'text',
    tables: [],
    chains: [],
    rules: [],
    sets: [],
    blocked: [],
    blockedAddresses: [],
    sshguard: false,
    fail2banJails: [],
    iptablesNftTables: [],
    warnings: [...warnings],
  }
  const all = lines(stdout)
  let table: { family: string; name: string } | undefined
  let chain: NftChain | undefined
  let set: NftSet | undefined
  // Depth of a block we skip whole (flowtable, ct helper, counter, quota, map...).
  let skip = 0
  // A set's `elements = { ... }` that goes on over several lines.
  let elements: string | undefined
  for (const line of all) {
    const raw = line.text
    const t = raw.replace(/\s+#\s*handle \d+\s*$/, '').trim()
    if (t === '') continue
    if (t.startsWith('#')) {
      out.warnings.push(t)
      continue
    }
    if (elements !== undefined) {
      elements += ` ${t}`
      if (balanced(elements)) {
        set!.elements.push(...readElements(elements))
        elements = undefined
      }
      continue
    }
    if (skip > 0) {
      skip += (t.match(/\{/g)?.length ?? 0) - (t.match(/\}/g)?.length ?? 0)
      continue
    }
    if (!table) {
      const m = /^table (\S+) (\S+) \{$/.exec(t)
      if (!m) throw parseError(NAME, 'expected `table FAMILY NAME {` (nft list ruleset) or JSON (nft -j)', line)
      table = { family: m[1]!, name: m[2]! }
      out.tables.push({ ...table, managedBy: null })
      continue
    }
    if (t === '}') {
      if (set) set = undefined
      else if (chain) chain = undefined
      else table = undefined
      continue
    }
    if (set) {
      readSetLine(set, t, line, (open) => {
        elements = open
      })
      continue
    }
    if (chain) {
      readChainLine(out, table, chain, t, raw, line)
      continue
    }
    let m: RegExpExecArray | null
    if ((m = /^chain (\S+) \{$/.exec(t))) {
      chain = { family: table.family, table: table.name, name: unquote(m[1]!), hook: null, priority: null, policy: null }
      out.chains.push(chain)
    } else if ((m = /^set (\S+) \{$/.exec(t))) {
      set = { family: table.family, table: table.name, name: unquote(m[1]!), type: '', flags: [], elements: [] }
      out.sets.push(set)
    } else if (/\{$/.test(t)) {
      skip = 1 // map, flowtable, counter, quota, ct helper, ct timeout, secmark, synproxy...
    } else if (/^(?:flags|comment) /.test(t)) {
      // table flags (dormant, owner) and comments
    } else {
      throw parseError(NAME, 'expected `chain NAME {`, `set NAME {` or `}` inside a table', line)
    }
  }
  if (table) throw parseError(NAME, `table ${table.family} ${table.name} is not closed: output cut?`, all[all.length - 1])
  return out
}

function balanced(text: string): boolean {
  return (text.match(/\{/g)?.length ?? 0) === (text.match(/\}/g)?.length ?? 0)
}

/** `elements = { 192.0.2.0/28, 198.18.4.55 timeout 1d expires 23h }` → the keys. */
function readElements(text: string): string[] {
  const inner = text.slice(text.indexOf('{') + 1, text.lastIndexOf('}'))
  return inner
    .split(',')
    .map((e) => e.trim().split(/\s+/)[0]!)
    .filter((e) => e !== '')
}

function readSetLine(set: NftSet, t: string, line: Line, open: (text: string) => void): void {
  let m: RegExpExecArray | null
  if ((m = /^(?:type|typeof) (.+?);?$/.exec(t))) set.type = m[1]!
  else if ((m = /^flags (.+?);?$/.exec(t))) set.flags = [...new Set([...set.flags, ...m[1]!.split(/,\s*/)])]
  else if (/^timeout \S+;?$/.test(t)) {
    if (!set.flags.includes('timeout')) set.flags.push('timeout')
  } // a default timeout implies the flag
  else if (t.startsWith('elements = {')) {
    if (balanced(t)) set.elements.push(...readElements(t))
    else open(t)
  } else if (!/^(?:size|timeout|gc-interval|policy|counter|auto-merge|comment|automerge)\b/.test(t)) {
    throw parseError(NAME, `unexpected line in set ${set.name}`, line)
  }
}

function readChainLine(out: NftResult, table: { family: string; name: string }, chain: NftChain, t: string, raw: string, line: Line): void {
  const base = /^type (\S+) hook (\S+)(?: device \S+)? priority ([^;]+);(?: policy (\S+);)?/.exec(t)
  if (base) {
    chain.hook = base[2]!
    const p = base[3]!.trim()
    chain.priority = /^-?\d+$/.test(p) ? Number(p) : (PRIORITIES[p.replace(/\s/g, '')] ?? null)
    chain.policy = base[4] ?? null
    return
  }
  if (/^(?:comment|policy) /.test(t)) return
  const handle = /#\s*handle (\d+)\s*$/.exec(raw)
  const commentMatch = /\scomment "((?:[^"\\]|\\.)*)"\s*/.exec(` ${t}`)
  const body = commentMatch ? ` ${t}`.replace(commentMatch[0], ' ').trim() : t
  const v = VERDICT.exec(body)
  const saddr = /(?:^|\s)ip6? saddr (?!!=)(\S+(?: \S+)?)/.exec(body)
  let saddrText: string | null = null
  let saddrs: string[] = []
  let saddrSet: string | null = null
  if (saddr) {
    const first = saddr[1]!.split(' ')[0]!
    const anon = /(?:^|\s)ip6? saddr \{([^}]*)\}/.exec(body)
    if (first.startsWith('@')) saddrSet = first.slice(1)
    else if (first === '{' && anon)
      saddrs = anon[1]!
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x !== '')
    else if (first !== '{' && first !== '!=') {
      saddrText = first
      saddrs = [first]
    }
  }
  const dport = /(?:^|\s)(tcp|udp|sctp|dccp|udplite) dport (?!vmap |map )(\{[^}]*\}|\S+)/.exec(body)
  const l4 = /(?:^|\s)(?:meta l4proto|ip protocol|ip6 nexthdr) (\S+)/.exec(body)
  const proto = dport?.[1] ?? l4?.[1] ?? /(?:^|\s)(tcp|udp|sctp|dccp|udplite) (?:sport|flags|dport vmap)/.exec(body)?.[1] ?? null
  const rule: NftRule = {
    family: table.family,
    table: table.name,
    chain: chain.name,
    handle: handle ? Number(handle[1]) : null,
    verdict: v ? v[1]!.replace(/ with .*$/, '') : null,
    saddr: saddrText,
    saddrs,
    saddrSet,
    protocol: proto,
    dport: dport ? dport[2]! : null,
    comment: commentMatch ? commentMatch[1]!.replace(/\\(.)/g, '$1') : null,
    raw: `${table.family} ${table.name} ${chain.name}${handle ? ` handle ${handle[1]}` : ''}: ${body.replace(/ counter packets \d+ bytes \d+/, ' counter')}`,
  }
  if (/^[{}]/.test(t)) throw parseError(NAME, `unexpected line in chain ${chain.name}`, line)
  out.rules.push(rule)
}

// Named priorities of nft (`priority filter - 10` reads as -10).
const PRIORITIES: Record<string, number> = { raw: -300, mangle: -150, dstnat: -100, filter: 0, security: 50, srcnat: 100, out: 100 }
for (const [k, v] of Object.entries({ ...PRIORITIES }))
  for (let d = 1; d <= 50; d++) {
    PRIORITIES[`${k}-${d}`] = v - d
    PRIORITIES[`${k}+${d}`] = v + d
  }

function unquote(name: string): string {
  return name.replace(/^"(.*)"$/, '$1')
}
