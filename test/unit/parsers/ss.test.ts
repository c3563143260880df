import { describe, expect, it } from 'vitest'
import { ssParser } from '../../../src/parsers/ss.ts'
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
})
