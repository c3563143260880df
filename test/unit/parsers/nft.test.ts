import { describe, it } from 'vitest'
import { nftParser } from '../../../src/parsers/nft.ts'
import { commandResult, expectParseError, fixtureStdout, malformed, snapshotCases } from './cases.ts'

describe('nft parser', () => {
  snapshotCases(nftParser)

  it('refuses the text ruleset (nft list ruleset without -j)', () => {
    expectParseError(nftParser, malformed('nft', 'ruleset-text'), 1)
  })

  it('refuses truncated JSON', () => {
    const real = fixtureStdout('nft', 'ruleset-json')
    expectParseError(nftParser, commandResult(real.slice(0, Math.floor(real.length / 2))), 1)
  })
})
