import { describe, expect, it } from 'vitest'
import { sshguardLogParser, sshguardWhitelistParser } from '../../../src/parsers/sshguard.ts'
import { commandResult, expectParseError, fixtureStdout, snapshotCases } from './cases.ts'

const log = (name: string) => sshguardLogParser.parse(commandResult(fixtureStdout('sshguard-log', name)))

describe('sshguard-log parser', () => {
  snapshotCases(sshguardLogParser)

  it('reads the same events from journalctl short, short-iso, json and cat', () => {
    const key = (name: string) => log(name).events.map((e) => [e.type, e.address, e.cidr, e.seconds, e.attacks])
    for (const f of ['journal-short-iso', 'journal-json', 'journal-cat']) expect(key(f), f).toEqual(key('journal-short'))
  })

  it('knows what is still blocked after unblocks, and what the whitelist spared', () => {
    const r = log('debug-stderr')
    expect(r.blocked).toEqual(['198.51.100.9'])
    expect(r.whitelisted).toEqual(['127.0.0.1'])
    expect(r.events.find((e) => e.type === 'block' && e.address === '198.51.100.9')).toMatchObject({
      cidr: '198.51.100.9/32',
      seconds: 2,
      attacks: 2,
    })
  })

  it('refuses a line that is no sshguard log line, naming it', () => {
    const real = fixtureStdout('sshguard-log', 'journal-cat').split('\n')
    real.splice(2, 0, 'GET / HTTP/1.1')
    expectParseError(sshguardLogParser, commandResult(real.join('\n')), 3)
  })
})

describe('sshguard-whitelist parser', () => {
  snapshotCases(sshguardWhitelistParser)

  it('reads addresses, blocks and host names, skipping comments', () => {
    const r = sshguardWhitelistParser.parse(commandResult(fixtureStdout('sshguard-whitelist', 'upstream-example')))
    expect(r.addresses).toEqual(['1.2.3.4', '2001:0db8:85a3:08d3:1319:8a2e:0370:7344'])
    expect(r.cidrs).toContain('10.11.128.0/17')
    expect(r.hosts).toEqual(['rome-fw.enterprise.com', 'hosts.friends.com'])
  })

  it('refuses an entry sshguard cannot read, naming the line', () => {
    const real = fixtureStdout('sshguard-whitelist', 'lab') + '10.0.0.0/33\n'
    expectParseError(sshguardWhitelistParser, commandResult(real), 3)
  })
})
