import { describe, expect, it } from 'vitest'
import { tracerouteParser } from '../../../src/parsers/traceroute.ts'
import { commandResult, expectParseError, fixtureStdout, snapshotCases } from './cases.ts'

describe('traceroute parser', () => {
  snapshotCases(tracerouteParser)

  it('shows where the path goes dark when the destination drops probes', () => {
    const r = tracerouteParser.parse(commandResult(fixtureStdout('traceroute', 'dropped')))
    expect(r.reached).toBe(false)
    expect(r.lastResponding).toEqual({ hop: 1, address: '198.18.30.254' })
    expect(r.hops.slice(1).every((h) => h.silent && h.probes.length === 3)).toBe(true)
  })

  it('reports the router !H for a target that does not answer ARP', () => {
    const r = tracerouteParser.parse(commandResult(fixtureStdout('traceroute', 'host-unreachable')))
    expect(r).toMatchObject({ reached: false, unreachable: '!H' })
  })

  it('refuses ping output', () => {
    expectParseError(tracerouteParser, commandResult(fixtureStdout('ping', 'routed')), 1)
  })

  it('refuses a hop line cut before its first probe', () => {
    const real = fixtureStdout('traceroute', 'routed').split('\n')
    expectParseError(tracerouteParser, commandResult([real[0]!, ' 1  '].join('\n')), 2)
  })
})
