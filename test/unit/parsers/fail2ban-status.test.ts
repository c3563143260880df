import { describe, expect, it } from 'vitest'
import { fail2banStatusParser } from '../../../src/parsers/fail2ban-status.ts'
import { expectParseError, fixtureStdout, commandResult, loadCases, malformed, snapshotCases } from './cases.ts'

describe('fail2ban-status parser', () => {
  snapshotCases(fail2banStatusParser)

  it('refuses an unknown jail (exit 255, nothing on stdout)', () => {
    expectParseError(fail2banStatusParser, malformed('fail2ban-status', 'unknown-jail'))
  })

  it('refuses iptables output naming its first line', () => {
    expectParseError(fail2banStatusParser, commandResult(fixtureStdout('iptables', 'nft-S')), 1)
  })

  it('answers running: false when fail2ban-server is down, for status and status JAIL', () => {
    for (const name of ['server-down', 'server-down-jail']) {
      const c = loadCases('fail2ban-status').find((x) => x.name === name)!
      expect(c.result.exitCode).toBe(255)
      expect(fail2banStatusParser.parse(c.result)).toMatchObject({ running: false, kind: 'down', bannedIps: [] })
    }
  })

  it('refuses a socket it may not open (not root): the server may well be running', () => {
    expect(() => fail2banStatusParser.parse(malformed('fail2ban-status', 'permission-denied'))).toThrow(/Permission denied to socket/)
  })
})
