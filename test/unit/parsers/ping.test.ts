import { describe, expect, it } from 'vitest'
import { pingParser } from '../../../src/parsers/ping.ts'
import { commandResult, expectParseError, fixtureStdout, loadCases, malformed, snapshotCases } from './cases.ts'

describe('ping parser', () => {
  snapshotCases(pingParser)

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
})
