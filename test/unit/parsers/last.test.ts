import { describe, expect, it } from 'vitest'
import { lastParser } from '../../../src/parsers/last.ts'
import { commandResult, expectParseError, fixtureStdout, malformed, snapshotCases } from './cases.ts'

describe('last parser', () => {
  snapshotCases(lastParser)

  it('groups lastb failures by user and source', () => {
    const r = lastParser.parse(commandResult(fixtureStdout('last', 'btmp-failures')))
    expect(r.kind).toBe('btmp')
    expect(r.failures.find((f) => f.user === 'pi' && f.from === '198.18.40.4')).toEqual({
      user: 'pi',
      from: '198.18.40.4',
      count: 2,
      first: '2026-11-21T05:46:33',
      last: '2026-11-21T05:46:35',
    })
  })

  it('keeps sessions still logged in open-ended', () => {
    const r = lastParser.parse(commandResult(fixtureStdout('last', 'wtmp-sessions')))
    expect(r.openSessions).toBe(2)
    expect(r.sessions[0]).toMatchObject({ user: 'root', tty: 'pts/1', end: null, duration: null, stillLoggedIn: true })
  })

  it('reads crash, down, gone - no logout and still running', () => {
    const r = lastParser.parse(commandResult(fixtureStdout('last', 'wtmp-crash-down-gone')))
    const ended = Object.fromEntries(r.sessions.map((s) => [s.user, s.ended]))
    expect(ended).toMatchObject({ bob: 'crash', carol: 'down', root: 'down', dave: 'gone', alice: 'logout' })
    expect(r.sessions.find((s) => s.user === 'bob')).toMatchObject({ end: null, durationMinutes: 21 * 60 })
  })

  it('gives the same sessions with -F, without it (year inferred) and with --time-format iso', () => {
    const key = (name: string) =>
      lastParser
        .parse(commandResult(fixtureStdout('last', name)))
        .sessions.map((s) => [s.user, s.tty, s.start.slice(0, 16), s.end?.slice(0, 16) ?? null, s.ended])
    expect(key('wtmp-short-x')).toEqual(key('wtmp-iso'))
    expect(key('wtmp-full-x-iw')).toEqual(key('wtmp-iso'))
    expect(lastParser.parse(commandResult(fixtureStdout('last', 'wtmp-short-x'))).yearInferred).toBe(true)
  })

  it('infers the year across new year in lastb without -F', () => {
    const r = lastParser.parse(commandResult(fixtureStdout('last', 'btmp-short')))
    expect(r.sessions.map((s) => s.start)).toEqual(['2026-11-21T05:50', '2026-11-21T05:46', '2026-01-01T00:00', '2025-12-31T23:59'])
  })

  it('refuses a weekday that fits no year, naming the line', () => {
    const real = fixtureStdout('last', 'btmp-short').replace('Thu Jan  1', 'Fri Jan  1')
    expect(() => lastParser.parse(commandResult(real))).not.toThrow()
    const bad = fixtureStdout('last', 'btmp-short').replace('Thu Jan  1', 'Thu Feb 30')
    expectParseError(lastParser, commandResult(bad), 3)
  })

  it('refuses a missing file quoting lastb', () => {
    expect(() => lastParser.parse(malformed('last', 'btmp-missing'))).toThrow(/cannot open/)
  })

  it("names BusyBox's last, which has no year and no footer, at its header (real capture, from source/wtmp.txt)", () => {
    expectParseError(lastParser, malformed('last', 'busybox'), 1)
    expect(() => lastParser.parse(malformed('last', 'busybox'))).toThrow(/BusyBox's last.*util-linux last/)
  })

  it('refuses output cut before the footer (last | head)', () => {
    const real = fixtureStdout('last', 'wtmp-sessions').split('\n').slice(0, 3).join('\n')
    expectParseError(lastParser, commandResult(real), 3)
  })
})
