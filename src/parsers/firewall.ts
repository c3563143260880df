/**
 * Shared shape of a blocked source address, for the iptables, nft and ipset parsers: which tool
 * put it there (sshguard, fail2ban or a person), where, and the line that proves it.
 */

export type BlockOwner = 'sshguard' | 'fail2ban' | 'manual'

export interface BlockedAddress {
  /** The address without a host prefix (`198.51.100.23`), or the network (`203.0.113.0/24`). */
  address: string
  /** Always with prefix length (`198.51.100.23/32`). */
  cidr: string
  family: 'ipv4' | 'ipv6'
  owner: BlockOwner
  /** fail2ban jail name, when owner is fail2ban. */
  jail: string | null
  table: string
  chain: string | null
  set: string | null
  /** DROP / REJECT (iptables) or drop / reject (nft); null for ipset members. */
  target: string | null
  /** The rule line or an nft/ipset statement that proves the block. */
  raw: string
}

export function familyOf(address: string): 'ipv4' | 'ipv6' {
  return address.includes(':') ? 'ipv6' : 'ipv4'
}

/** `198.51.100.23/32` → address `198.51.100.23`, cidr as given; a bare address gets its host prefix. */
export function normaliseCidr(text: string): { address: string; cidr: string; family: 'ipv4' | 'ipv6' } {
  const family = familyOf(text)
  const host = family === 'ipv4' ? 32 : 128
  const [addr, len] = text.split('/') as [string, string | undefined]
  const prefix = len === undefined ? host : Number(len)
  return { address: prefix === host ? addr : `${addr}/${prefix}`, cidr: `${addr}/${prefix}`, family }
}

/** Who made a chain or set, from the names sshguard and fail2ban use. */
export function ownerOf(table: string, chain: string | null, set: string | null): { owner: BlockOwner; jail: string | null } {
  if (chain === 'sshguard' || table === 'sshguard') return { owner: 'sshguard', jail: null }
  if (chain?.startsWith('f2b-')) return { owner: 'fail2ban', jail: chain.slice(4) }
  if (set?.startsWith('f2b-')) return { owner: 'fail2ban', jail: set.slice(4) }
  if (table === 'f2b-table' && set) {
    const m = /^addr6?-set-(.+)$/.exec(set)
    return { owner: 'fail2ban', jail: m ? m[1]! : set }
  }
  return { owner: 'manual', jail: null }
}

/** The fields of a BlockedAddress, for the CEL checker and `runbook parsers`. */
export const BLOCKED_ADDRESS_FIELDS = {
  address: 'string',
  cidr: 'string',
  family: 'string',
  owner: 'string',
  jail: 'string',
  table: 'string',
  chain: 'string',
  set: 'string',
  target: 'string',
  raw: 'string',
} as const

export const BLOCKED_FIELDS = {
  blocked: [BLOCKED_ADDRESS_FIELDS],
  blockedAddresses: 'list<string>',
  sshguard: 'bool',
  fail2banJails: 'list<string>',
} as const
