import { describe, expect, it } from 'vitest'
import { iptablesParser } from '../../../src/parsers/iptables.ts'
import { commandResult, expectParseError, fixtureStdout, loadCases, snapshotCases } from './cases.ts'

describe('iptables parser', () => {
  snapshotCases(iptablesParser)

  it('reads the same rules from both backends', () => {
    const pick = (name: string) =>
      iptablesParser.parse(commandResult(fixtureStdout('iptables', name))).blocked.map((b) => [b.address, b.owner, b.chain])
    expect(pick('legacy-save')).toEqual(pick('nft-save'))
  })

  it('reads the same blocks from -S, iptables-save and -L -n -v --line-numbers', () => {
    const pick = (name: string) =>
      iptablesParser
        .parse(commandResult(fixtureStdout('iptables', name)))
        .blocked.map((b) => [b.address, b.owner, b.chain, b.target])
        .sort()
    expect(pick('list-L-nv-line')).toEqual(pick('nft-S-legacy-warning'))
    expect(pick('list-L-n')).toEqual(pick('nft-S-legacy-warning'))
    expect(pick('list-L-nv-line').length).toBeGreaterThan(0)
  })

  it('reads nothing printed as an empty ruleset, and says when iptables-legacy tables hide rules', () => {
    const empty = iptablesParser.parse(loadCases('iptables').find((c) => c.name === 'empty-save')!.result)
    expect(empty).toMatchObject({ format: 'empty', rules: [], blocked: [], legacyTablesPresent: false })
    const warned = iptablesParser.parse(loadCases('iptables').find((c) => c.name === 'nft-S-legacy-warning')!.result)
    expect(warned.legacyTablesPresent).toBe(true)
  })

  it('refuses nothing printed with a failing exit code', () => {
    expectParseError(
      iptablesParser,
      commandResult('', 'iptables v1.8.9 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)', 4),
    )
  })

  it('refuses a -L listing cut inside a rule line, naming it', () => {
    const real = fixtureStdout('iptables', 'list-L-nv-line').split('\n')
    real[3] = real[3]!.slice(0, 40)
    expectParseError(iptablesParser, commandResult(real.join('\n')), 4)
  })
  it('tells the table of -S and -L output (which do not print it) from the built-in chains listed', () => {
    const tables = (name: string) => {
      const r = iptablesParser.parse(commandResult(fixtureStdout('iptables', name)))
      return [...new Set([...r.chains.map((c) => c.table), ...r.rules.map((x) => x.table)])]
    }
    expect(tables('table-nat-rules')).toEqual(['nat'])
    expect(tables('table-raw-rules')).toEqual(['raw'])
    expect(tables('table-mangle-rules')).toEqual(['mangle'])
    expect(tables('table-nat-list')).toEqual(['nat'])
    // A DROP in the raw table's PREROUTING blocks as surely as one in filter INPUT, and says where it is.
    const raw = iptablesParser.parse(commandResult(fixtureStdout('iptables', 'table-raw-rules')))
    expect(raw.blocked.map((b) => [b.address, b.table, b.chain])).toEqual([['198.18.5.5', 'raw', 'PREROUTING']])
  })
})
