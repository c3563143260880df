import { describe, expect, it } from 'vitest'
import { authLogParser } from '../../../src/parsers/auth-log.ts'
import { commandResult, expectParseError, fixtureStdout, malformed, snapshotCases } from './cases.ts'

const parse = (name: string) => authLogParser.parse(commandResult(fixtureStdout('auth-log', name)))
const attacker = (n: number) => new RegExp(String.raw`^198\.18\.\d+\.${n}$`)

describe('auth-log parser', () => {
  snapshotCases(authLogParser)

  it('summarises the brute force of the lab: users, sources, counts, window', () => {
    const r = parse('lab-brute-force')
    // One wrong password per connection from .201 and .202, `none`-method scans from .203.
    expect(r.byUser).toEqual({ pi: 5, oracle: 2, tomcat: 2, admin: 3, root: 5, deploy: 3 })
    expect(r.topUsers.slice(0, 2)).toEqual(['pi', 'root'])
    expect(r.failedPasswords).toBe(17)
    expect(r.failedAttempts).toBe(20)
    expect(r.sourceCount).toBe(3)
    expect(r.topSources.map((s) => [s.attempts, s.users])).toEqual([
      [9, ['pi', 'admin', 'oracle', 'tomcat']],
      [8, ['root', 'deploy', 'pi']],
      [3, ['admin', 'pi', 'root']],
    ])
    expect(r.topSources[0]!.source).toMatch(attacker(201))
    expect(r.window.first).toMatch(/^Nov 21 \d\d:\d\d:\d\d$/)
    expect(r.window.last! >= r.window.first!).toBe(true)
    // The operator's key logins through the bastion are accepted, not suspicious.
    expect(r.accepted.every((a) => a.user === 'root' && a.method === 'publickey' && /\.10$/.test(a.source))).toBe(true)
    expect(r.acceptedAfterFailures).toEqual([])
    // Connection, session and `Accepted key ... found at` lines are other sshd messages.
    expect(r.otherLines).toBeGreaterThan(0)
  })

  it('reads the invalid-user failures and the preauth close of one connection as one attempt', () => {
    const r = parse('lab-brute-force')
    const port = r.events.find((e) => e.event === 'failed' && e.user === 'tomcat')!.port
    expect(r.events.filter((e) => e.port === port).map((e) => [e.event, e.invalidUser, e.method])).toEqual([
      ['invalid-user', true, null],
      ['failed', true, 'password'],
      ['closed', true, null],
    ])
  })

  it('flags a password accepted from an address that failed before', () => {
    const r = parse('lab-intrusion')
    expect(r.acceptedAfterFailures).toHaveLength(1)
    expect(r.acceptedAfterFailures[0]).toMatchObject({ user: 'deploy', method: 'password', failuresFromSource: 8 })
    expect(r.acceptedAfterFailures[0]!.source).toMatch(attacker(202))
  })

  it('counts the probes after hardening: no password asked, only `Connection closed by ... [preauth]`', () => {
    const r = parse('lab-hardened')
    // The scenario's 17 wrong passwords, none after the fix.
    expect(r.failedPasswords).toBe(17)
    // The fix's verify (a new connection that asks for the methods) marks the moment passwords went off.
    const hardened = r.events.map((e) => e.user).lastIndexOf('runbook-verify')
    const late = r.events.slice(hardened + 1).filter((e) => e.event !== 'accepted')
    expect(late.map((e) => e.user).sort()).toEqual(['oracle', 'oracle', 'pi', 'pi', 'root'])
    expect(late.every((e) => e.event === 'closed' || e.event === 'invalid-user')).toBe(true)
    // The fix's own check through a new connection is logged as an invalid user from the host itself.
    expect(r.byUser['runbook-verify']).toBe(1)
  })

  it('reads the line of seed 003 (syslog with a real pid)', () => {
    const r = authLogParser.parse(
      commandResult('May 21 03:54:46 droplet1 sshd[2856055]: Connection closed by invalid user pi 95.223.184.224 port 12868 [preauth]\n'),
    )
    expect(r.events[0]).toMatchObject({
      pid: 2856055,
      event: 'closed',
      user: 'pi',
      invalidUser: true,
      source: '95.223.184.224',
      port: 12868,
    })
    expect(r.byUser).toEqual({ pi: 1 })
    expect(r.window).toEqual({ first: 'May 21 03:54:46', last: 'May 21 03:54:46' })
  })

  it('accepts an empty log as no attempts', () => {
    expect(authLogParser.parse(commandResult('')).failedAttempts).toBe(0)
  })

  it('refuses a failed read (no such file)', () => {
    expectParseError(authLogParser, malformed('auth-log', 'missing-file'))
  })

  it('refuses output that is not a log (last -F) naming its first line', () => {
    expectParseError(authLogParser, malformed('auth-log', 'last-output'), 1)
  })

  it('refuses a line cut in its timestamp', () => {
    const real = fixtureStdout('auth-log', 'lab-brute-force').split('\n')
    expectParseError(authLogParser, commandResult([real[0]!, real[1]!.slice(0, 9)].join('\n')), 2)
  })

  it('reads the same events from sshd -E, every journalctl text form and journal JSON', () => {
    const forms = [
      'sshd-E',
      'journal-short',
      'journal-short-iso',
      'journal-short-iso-precise',
      'journal-short-precise',
      'journal-short-full',
      'journal-short-monotonic',
      'journal-with-unit',
      'journal-cat',
      'journal-json',
    ]
    const digest = (name: string) => {
      const r = parse(name)
      return {
        events: r.events.map((e) => [e.event, e.user, e.source, e.port, e.method]),
        failedPasswords: r.failedPasswords,
        failedPublickeys: r.failedPublickeys,
        byUser: r.byUser,
      }
    }
    for (const f of forms) expect(digest(f), f).toEqual(digest('sshd-E'))
    // The rsyslog captures were sent later, when the same sshd had also accepted one more login.
    expect(digest('rsyslog-rfc3339')).toEqual(digest('rsyslog-traditional'))
    expect(digest('rsyslog-traditional').events.slice(0, digest('sshd-E').events.length)).toEqual(digest('sshd-E').events)
  })

  it('tells a refused key and a pre-auth disconnect from a failed password', () => {
    const r = parse('sshd-E')
    expect(r.failedPasswords).toBe(2)
    expect(r.failedPublickeys).toBe(1)
    expect(r.events.find((e) => e.method === 'publickey' && e.event === 'failed')?.user).toBe('root')
    // `Connection closed by 127.0.0.1 port 33552 [preauth]` (a key scan) names no user: not an attempt.
    expect(r.bySource).toEqual({ '127.0.0.1': 3 })
    expect(r.format).toBe('bare')
  })

  it('refuses lines of another log in a log without headers, naming the line', () => {
    const real = fixtureStdout('auth-log', 'sshd-E').split('\n')
    real.splice(3, 0, fixtureStdout('access-log', 'nginx-combined').split('\n')[0]!)
    expectParseError(authLogParser, commandResult(real.join('\n')), 4)
    const mixed = fixtureStdout('auth-log', 'sshd-E').split('\n')
    mixed.splice(3, 0, fixtureStdout('auth-log', 'journal-short').split('\n')[0]!)
    expectParseError(authLogParser, commandResult(mixed.join('\n')), 4)
  })

  it("counts rsyslog's `message repeated N times: [ ... ]` as N events", () => {
    const r = parse('rsyslog-repeated')
    expect(r.failedPasswords).toBe(3)
    expect(r.byUser).toEqual({ root: 3 })
  })
})
