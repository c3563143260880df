import { describe, expect, it } from 'vitest'
import { pingParser } from '../../../src/parsers/ping.ts'
import { commandResult, expectParseError, fixtureStdout, loadCases, malformed, snapshotCases } from './cases.ts'

describe('ping parser', () => {
  snapshotCases(pingParser)

  it("reads BusyBox's ping (`seq=`, `packets received`, round-trip without mdev) and its `bad address` (real captures)", () => {
    const ok = pingParser.parse(loadCases('ping').find((c) => c.name === 'busybox')!.result)
    expect(ok).toMatchObject({ host: '127.0.0.1', address: '127.0.0.1', sent: 2, received: 2, lossPercent: 0, reachable: true })
    expect(ok.replies.map((r) => r.seq)).toEqual([0, 1])
    expect(ok.rtt).toMatchObject({ mdev: null })
    expect(ok.rtt!.min).toBeLessThanOrEqual(ok.rtt!.max)
    const lost = pingParser.parse(loadCases('ping').find((c) => c.name === 'busybox-lost')!.result)
    expect(lost).toMatchObject({ sent: 2, received: 0, lossPercent: 100, rtt: null, reachable: false })
    const bad = pingParser.parse(loadCases('ping').find((c) => c.name === 'busybox-unresolved')!.result)
    expect(bad).toMatchObject({ host: 'nonexistent.invalid', address: null, resolveError: 'bad address', reachable: false })
  })

  it('reports 100% loss without rtt when the target drops echo requests', () => {
    const r = pingParser.parse(commandResult(fixtureStdout('ping', 'loss'), '', 1))
    expect(r).toMatchObject({ sent: 3, received: 0, lossPercent: 100, rtt: null, reachable: false })
  })

  it('turns an unknown host (exit 2, stderr only) into resolveError', () => {
    const c = loadCases('ping').find((x) => x.name === 'unknown-host')!
    expect(pingParser.parse(c.result)).toMatchObject({
      host: 'nonexistent.invalid',
      address: null,
      resolveError: 'Name or service not known',
    })
  })

  it('refuses output of a ping killed before its statistics, naming the last line', () => {
    expectParseError(pingParser, malformed('ping', 'killed-by-timeout'), 3)
  })

  it('refuses traceroute output', () => {
    expectParseError(pingParser, commandResult(fixtureStdout('traceroute', 'routed')), 1)
  })
  it('reads IPv6 (`PING ::1(::1) 56 data bytes`, replies from an address with colons) and -D timestamps', () => {
    const v6 = pingParser.parse(commandResult(fixtureStdout('ping', 'ipv6-loopback')))
    expect([v6.host, v6.address, v6.sent, v6.received]).toEqual(['::1', '::1', 3, 3])
    expect(v6.replies.map((r) => [r.from, r.seq])).toEqual([
      ['::1', 1],
      ['::1', 2],
      ['::1', 3],
    ])
    const stamped = pingParser.parse(commandResult(fixtureStdout('ping', 'timestamps')))
    expect(fixtureStdout('ping', 'timestamps')).toMatch(/^\[\d+\.\d+\] 64 bytes from/m)
    expect(stamped.replies.map((r) => r.from)).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1'])
  })
  it('reads the header with -I (`from SOURCE DEVICE: `) and IPv6 -F (`, flow 0x...,`)', () => {
    for (const [name, address] of [
      ['interface-v4', '127.0.0.1'],
      ['interface-v6', '::1'],
      ['flow-v6', '::1'],
    ] as const) {
      const r = pingParser.parse(commandResult(fixtureStdout('ping', name)))
      expect([r.address, r.received, r.replies.length], name).toEqual([address, 2, 2])
    }
    expect(fixtureStdout('ping', 'interface-v4')).toMatch(/^PING \S+ \(\S+\) from 127\.0\.0\.1 lo: /)
    expect(fixtureStdout('ping', 'flow-v6')).toMatch(/, flow 0x[0-9a-f]+, /)
  })
})
