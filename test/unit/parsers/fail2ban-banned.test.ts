import { describe, expect, it } from 'vitest'
import { fail2banBannedParser } from '../../../src/parsers/fail2ban-banned.ts'
import { commandResult, expectParseError, fixtureStdout, loadCases, malformed, snapshotCases } from './cases.ts'

const parse = (name: string) => fail2banBannedParser.parse(loadCases('fail2ban-banned').find((c) => c.name === name)!.result)

describe('fail2ban-banned parser', () => {
  snapshotCases(fail2banBannedParser)

  it('lists the same addresses from banned, get banip and get banip --with-time', () => {
    const all = parse('banned-all').addresses
    expect(all).toContain('2001:db8::5')
    expect(parse('banip').addresses).toEqual(all)
    expect(parse('banip-with-time').addresses).toEqual(all)
    expect(parse('banip-with-time').bans.every((b) => b.permanent === true && b.banTime === -1)).toBe(true)
  })

  it('answers running: false when the server is down (exit 255, no socket)', () => {
    expect(parse('server-down')).toMatchObject({ running: false, kind: 'down', addresses: [] })
  })

  it('refuses an unknown jail quoting fail2ban-client', () => {
    const r = malformed('fail2ban-banned', 'banip-unknown-jail')
    expectParseError(fail2banBannedParser, r)
    expect(() => fail2banBannedParser.parse(r)).toThrow(/jail 'nojail' does not exist/)
  })

  it('refuses fail2ban-client status output naming its first line', () => {
    expectParseError(fail2banBannedParser, commandResult(fixtureStdout('fail2ban-status', 'overview')), 1)
  })
})
