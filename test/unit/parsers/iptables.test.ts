import { describe, expect, it } from 'vitest'
import { iptablesParser } from '../../../src/parsers/iptables.ts'
import { commandResult, expectParseError, fixtureStdout, malformed, snapshotCases } from './cases.ts'

describe('iptables parser', () => {
  snapshotCases(iptablesParser)

  it('reads the same rules from both backends', () => {
    const pick = (name: string) => iptablesParser.parse(commandResult(fixtureStdout('iptables', name))).blocked.map((b) => [b.address, b.owner, b.chain])
    expect(pick('legacy-save')).toEqual(pick('nft-save'))
  })

  it('refuses iptables -L output naming its first line', () => {
    expectParseError(iptablesParser, malformed('iptables', 'list-L'), 1)
  })
})
