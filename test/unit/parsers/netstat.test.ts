import { describe, expect, it } from 'vitest'
import { netstatParser } from '../../../src/parsers/netstat.ts'
import { ssParser } from '../../../src/parsers/ss.ts'
import { commandResult, expectParseError, fixtureStdout, malformed, snapshotCases } from './cases.ts'

describe('netstat parser', () => {
  snapshotCases(netstatParser)

  it('gives the same groups as ss for the same sockets (captured together)', () => {
    const pick = (r: ReturnType<typeof ssParser.parse>) => r.groups.map((g) => [g.process, g.peerAddress, g.state, g.count])
    expect(pick(netstatParser.parse(commandResult(fixtureStdout('netstat', 'antpw'))))).toEqual(
      pick(ssParser.parse(commandResult(fixtureStdout('ss', 'tanp')))),
    )
  })

  it('refuses ss output naming its header line', () => {
    expectParseError(netstatParser, malformed('netstat', 'ss-output'), 1)
  })

  it("says why a netstat that failed printed nothing: BusyBox's has no -p (real capture)", () => {
    expectParseError(netstatParser, malformed('netstat', 'busybox-antp'))
    expect(() => netstatParser.parse(malformed('netstat', 'busybox-antp'))).toThrow(
      /no output \(exit code 1\): netstat: invalid option -- 'p'/,
    )
  })

  it('names a process by its program, not its cut title (`sshd: /usr/sb`)', () => {
    const r = netstatParser.parse(commandResult(fixtureStdout('netstat', 'sshd-antpW')))
    const listener = r.sockets.find((s) => s.state === 'LISTEN')!
    expect(listener.process).toEqual({ name: 'sshd', pid: 27211, fd: null, command: 'sshd: /usr/sb' })
  })
  it('reads -e (User, Inode) and -o (Timer) into extra, and the program between them', () => {
    const r = netstatParser.parse(commandResult(fixtureStdout('netstat', 'extended-timers')))
    const est = r.sockets.find((x) => x.state === 'ESTABLISHED')!
    expect(est.process?.name).toBe('sshd')
    expect(est.extra).toMatch(/^user:0 ino:\d+ timer:keepalive \(\d+\.\d+\/0\/0\)$/)
    const wide = netstatParser.parse(commandResult(fixtureStdout('netstat', 'extended-wide')))
    expect(wide.sockets.map((x) => x.process?.name)).toEqual(['sshd', 'sshd'])
    expect(wide.sockets.every((x) => /^user:0 ino:\d+$/.test(x.extra ?? ''))).toBe(true)
    const timers = netstatParser.parse(commandResult(fixtureStdout('netstat', 'timers-only')))
    expect(timers.sockets.map((x) => [x.state, x.process, x.extra?.split(' (')[0]])).toEqual([
      ['LISTEN', null, 'timer:off'],
      ['ESTABLISHED', null, 'timer:keepalive'],
    ])
  })
})
