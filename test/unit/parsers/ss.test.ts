import { describe, expect, it } from 'vitest'
import { ssParser, ssSummaryParser } from '../../../src/parsers/ss.ts'
import { commandResult, expectParseError, fixtureStdout, snapshotCases } from './cases.ts'

describe('ss parser', () => {
  snapshotCases(ssParser)

  it('groups the stale connections by process, peer and state', () => {
    const r = ssParser.parse(commandResult(fixtureStdout('ss', 'tanp')))
    expect(r.groups[0]?.summary).toBe('apache2 holds 11 ESTABLISHED connections to [2001:db8::100]:80')
  })

  it('refuses netstat output naming its first line', () => {
    expectParseError(ssParser, commandResult(fixtureStdout('netstat', 'antpw')), 1)
  })

  it('refuses output cut in the middle of a line', () => {
    const real = fixtureStdout('ss', 'tanp').split('\n')
    const cut = [...real.slice(0, 2), real[2]!.slice(0, 30)].join('\n')
    expectParseError(ssParser, commandResult(cut), 3)
  })

  it('reads a state filter (no State column) as UNKNOWN, with a warning, never as another state', () => {
    const r = ssParser.parse(commandResult(fixtureStdout('ss', 'state-established-p')))
    expect(r.sockets.length).toBeGreaterThan(0)
    expect(new Set(r.sockets.map((s) => s.state))).toEqual(new Set(['UNKNOWN']))
    expect(r.warnings.join(' ')).toMatch(/no State column/)
  })

  it('keeps -o/-e columns and -i lines apart from the process list', () => {
    const e = ssParser.parse(commandResult(fixtureStdout('ss', 'extended')))
    expect(e.sockets.every((s) => s.extra !== null && !s.extra.includes('users:'))).toBe(true)
    const i = ssParser.parse(commandResult(fixtureStdout('ss', 'info')))
    expect(i.sockets.every((s) => s.info !== null)).toBe(true)
  })
})

describe('ss-summary parser', () => {
  snapshotCases(ssSummaryParser)

  it('refuses ss -tan output naming its first line', () => {
    expectParseError(ssSummaryParser, commandResult(fixtureStdout('ss', 'tanp')), 1)
  })
})
