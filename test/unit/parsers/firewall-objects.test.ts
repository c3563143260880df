import { describe, expect, it } from 'vitest'
import { firewallObjectsParser } from '../../../src/parsers/firewall-objects.ts'
import { commandResult, expectParseError, fixtureStdout, loadCases, snapshotCases } from './cases.ts'

const parse = (name: string) => firewallObjectsParser.parse(loadCases('firewall-objects').find((c) => c.name === name)!.result)

describe('firewall-objects parser (the firewall/find-address action)', () => {
  snapshotCases(firewallObjectsParser)

  it('names sshguard as the owner of its block, read through iptables', () => {
    const r = parse('sshguard-dry-run')
    expect(r.owners).toEqual(['sshguard'])
    expect(r.blocks.some((b) => b.source === 'iptables' && b.chain === 'sshguard')).toBe(true)
    expect(r.blocks.every((b) => b.address === r.address)).toBe(true)
  })

  it("finds fail2ban's chains naming the address, with the jail", () => {
    const r = parse('fail2ban-dry-run')
    expect(r.owners).toContain('fail2ban')
    expect(r.blocks.filter((b) => b.owner === 'fail2ban').map((b) => b.jail)).toContain('sshd')
  })

  it('a hand-made native nft rule has its handle and is not iptables-nft', () => {
    const drops = parse('nft-drop-dry-run').blocks.filter((b) => b.source === 'nft')
    expect(drops.length).toBeGreaterThan(0)
    expect(drops.every((b) => b.owner === 'manual' && b.handle !== null && !b.iptablesNft)).toBe(true)
  })

  it("a plain iptables rule is seen through iptables, and in iptables-nft's own nft table (marked so)", () => {
    const r = parse('iptables-rule-dry-run')
    expect(r.blocks.some((b) => b.source === 'iptables' && b.owner === 'manual')).toBe(true)
    expect(r.blocks.filter((b) => b.source === 'nft').every((b) => b.iptablesNft)).toBe(true)
  })

  it('reads the iptables-legacy tables, and says which tools it skipped', () => {
    const legacy = parse('iptables-legacy-dry-run')
    expect(legacy.blocks.map((b) => b.source)).toEqual(['iptables-legacy'])
    expect(legacy.read).toContain('iptables-legacy')
    expect(parse('sshguard-dry-run').skipped).toContain('iptables-legacy: no legacy tables')
  })

  it('a member of a set of its own is a block (no handle); no block at all is an empty list', () => {
    expect(parse('nft-set-still-blocked').blocks.map((b) => [b.source, b.set, b.handle])).toEqual([['nft', 'deny', null]])
    const none = parse('route-blackhole-no-block')
    expect(none.blocks).toEqual([])
    expect(none.owners).toEqual([])
  })

  it('an IPv6 address is read through ip6tables and the ip6 nft tables', () => {
    const r = parse('ipv6-ip6tables-and-nft')
    expect(r.address).toBe('2001:db8::7')
    expect(r.blocks.map((b) => [b.source, b.family, b.iptablesNft, b.handle !== null])).toEqual([
      ['iptables', 'ipv6', false, false],
      ['nft', 'ipv6', true, true],
      ['nft', 'ipv6', false, true],
    ])
  })

  it("refuses output that is not the action's (no `### address` line first), and a broken section, naming itself", () => {
    expectParseError(firewallObjectsParser, commandResult('-P INPUT ACCEPT\n'), 1)
    const cut = fixtureStdout('firewall-objects', 'nft-drop-dry-run').replace(/"nftables": \[/, '"nftables": ')
    expectParseError(firewallObjectsParser, commandResult(cut))
  })
})
