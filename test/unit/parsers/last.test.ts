import { describe, expect, it } from 'vitest'
import { lastParser } from '../../../src/parsers/last.ts'
import { commandResult, expectParseError, fixtureStdout, malformed, snapshotCases } from './cases.ts'

describe('last parser', () => {
  snapshotCases(lastParser)

  it('groups lastb failures by user and source', () => {
    const r = lastParser.parse(commandResult(fixtureStdout('last', 'btmp-failures')))
    expect(r.kind).toBe('btmp')
    expect(r.failures.find((f) => f.user === 'pi' && f.from === '198.18.40.4')).toEqual({
      user: 'pi', from: '198.18.40.4', count: 2, first: '2026-11-21T05:46:33', last: '2026-11-21T05:46:35',
    })
  })

  it('keeps sessions still logged in open-ended', () => {
    const r = lastParser.parse(commandResult(fixtureStdout('last', 'wtmp-sessions')))
    expect(r.openSessions).toBe(2)
    expect(r.sessions[0]).toMatchObject({ user: 'root', tty: 'pts/1', end: null, duration: null, stillLoggedIn: true })
  })

  it('refuses last without -F naming the first session line', () => {
    expectParseError(lastParser, malformed('last', 'without-F'), 1)
  })

  it('refuses output cut before the footer (last | head)', () => {
    const real = fixtureStdout('last', 'wtmp-sessions').split('\n').slice(0, 3).join('\n')
    expectParseError(lastParser, commandResult(real), 3)
  })
})
