import { describe, expect, it } from 'vitest'
import { whoParser } from '../../../src/parsers/who.ts'
import { commandResult, expectParseError, fixtureStdout, snapshotCases } from './cases.ts'

const parse = (name: string) => whoParser.parse(commandResult(fixtureStdout('who', name)))

describe('who parser', () => {
  snapshotCases(whoParser)

  it('lists the same users in every form', () => {
    for (const name of ['plain', 'u', 'a', 'H', 'q', 'u-iso', 'aH-iso']) expect(parse(name).users, name).toEqual(['root', 'alice', 'bob'])
  })

  it('reads sources with parentheses, idle and pid, boot time, and ISO times', () => {
    const r = parse('aH-iso')
    expect(r.boot).toBe('2026-11-27 05:13')
    expect(r.entries.find((e) => e.user === 'bob')).toMatchObject({
      from: 'tmux(1234).%0',
      idle: '?',
      pid: 1,
      mesg: '?',
      timeIso: '2026-11-26T22:00',
    })
    expect(r.entries.map((e) => e.type)).toEqual(['boot', 'run-level', 'login', 'user', 'user', 'user', 'dead'])
    expect(parse('plain').entries[0]!.timeIso).toBeNull()
  })

  it('reads nobody logged in as an empty result', () => {
    expect(parse('empty')).toMatchObject({ entries: [], users: [] })
  })

  it('refuses last output naming its first line', () => {
    expectParseError(whoParser, commandResult(fixtureStdout('last', 'wtmp-crash-down-gone')), 1)
  })
})
