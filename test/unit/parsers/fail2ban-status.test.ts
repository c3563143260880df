import { describe, it } from 'vitest'
import { fail2banStatusParser } from '../../../src/parsers/fail2ban-status.ts'
import { expectParseError, fixtureStdout, commandResult, malformed, snapshotCases } from './cases.ts'

describe('fail2ban-status parser', () => {
  snapshotCases(fail2banStatusParser)

  it('refuses an unknown jail (exit 255, nothing on stdout)', () => {
    expectParseError(fail2banStatusParser, malformed('fail2ban-status', 'unknown-jail'))
  })

  it('refuses iptables output naming its first line', () => {
    expectParseError(fail2banStatusParser, commandResult(fixtureStdout('iptables', 'nft-S')), 1)
  })
})
