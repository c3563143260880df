import { describe, expect, it } from 'vitest'
import { nftParser } from '../../../src/parsers/nft.ts'
import { commandResult, expectParseError, fixtureStdout, loadCases, snapshotCases } from './cases.ts'

const parse = (name: string) => nftParser.parse(loadCases('nft').find((c) => c.name === name)!.result)
const digest = (name: string) => {
  const r = parse(name)
  return {
    tables: r.tables,
    chains: r.chains.map((c) => [c.family, c.table, c.name, c.hook, c.priority, c.policy]),
    rules: r.rules.map((x) => [
      x.family,
      x.table,
      x.chain,
      x.verdict,
      x.saddr,
      x.saddrs,
      x.saddrSet,
      x.protocol,
      x.dport?.replace(/\s/g, '') ?? null,
      x.comment,
    ]),
    sets: r.sets.map((x) => [x.family, x.table, x.name, x.elements]),
    blocked: r.blockedAddresses,
    iptablesNftTables: r.iptablesNftTables,
  }
}

describe('nft parser', () => {
  snapshotCases(nftParser)

  it('reads the same ruleset from nft -j and the text of nft list ruleset (also -a)', () => {
    // One known difference: nft's text translates iptables-nft's `xt match multiport` into
    // `tcp dport 22`; its JSON leaves it an opaque xt match, so the port is known from the text only.
    const noXtPorts = (d: ReturnType<typeof digest>) => ({
      ...d,
      rules: d.rules.map((r) => (r[2] === 'INPUT' && r[3] === 'jump f2b-sshd' ? [...r.slice(0, 8), null, r[9]] : r)),
    })
    expect(noXtPorts(digest('ruleset-text-mixed'))).toEqual(noXtPorts(digest('ruleset-json-mixed')))
    expect(digest('ruleset-text-handles').rules).toEqual(digest('ruleset-text-mixed').rules)
  })

  it('reads fail2ban and sshguard nft tables, timed sets, maps and named counters the same from text and JSON', () => {
    expect(digest('fail2ban-sshguard-text')).toEqual(digest('fail2ban-sshguard-json'))
    const r = parse('fail2ban-sshguard-text')
    expect(r.fail2banJails).toEqual(['sshd-nft'])
    expect(r.sshguard).toBe(true)
    expect(r.blockedAddresses).toEqual(
      expect.arrayContaining(['198.51.100.23', '203.0.113.77', '2001:db8:bad::7', '198.18.7.7', '198.18.7.8']),
    )
  })

  it('tells the tables iptables-nft manages from native ones', () => {
    const r = parse('ruleset-text-mixed')
    expect(r.iptablesNftTables).toEqual(['ip filter', 'ip nat', 'ip6 filter'])
    expect(r.tables.find((t) => t.family === 'inet')?.managedBy).toBeNull()
  })

  it('reads rules with protocol and ports', () => {
    const r = parse('ruleset-json-mixed')
    expect(r.rules.find((x) => x.comment === 'lab: block ssh')).toMatchObject({
      saddr: '198.18.9.9',
      protocol: 'tcp',
      dport: '22',
      verdict: 'reject',
    })
  })

  it('reads nothing printed as an empty ruleset', () => {
    expect(parse('empty-text')).toMatchObject({ tables: [], rules: [], blocked: [] })
    expect(parse('empty-json')).toMatchObject({ format: 'json', tables: [] })
  })

  it('refuses truncated JSON', () => {
    const real = fixtureStdout('nft', 'ruleset-json')
    expectParseError(nftParser, commandResult(real.slice(0, Math.floor(real.length / 2))), 1)
  })

  it('refuses a text ruleset cut inside a table, naming the last line', () => {
    const real = fixtureStdout('nft', 'ruleset-text-mixed').split('\n').slice(0, 10)
    expectParseError(nftParser, commandResult(real.join('\n')), 10)
  })

  it('refuses text that is not a ruleset, naming its first line', () => {
    expectParseError(nftParser, commandResult(fixtureStdout('iptables', 'nft-S')), 1)
  })
})
