import { describe, expect, it } from 'vitest'
import { vmstatParser } from '../../../src/parsers/vmstat.ts'
import { commandResult, expectParseError, fixtureStdout, snapshotCases } from './cases.ts'

const parse = (name: string) => vmstatParser.parse(commandResult(fixtureStdout('vmstat', name)))

describe('vmstat parser', () => {
  snapshotCases(vmstatParser)

  it('reads the columns from the header: -a, -w with gu, -t with its zone', () => {
    expect(parse('active-mb').columns).toContain('inact')
    expect(parse('wide').columns).toContain('gu')
    expect(parse('timestamp')).toMatchObject({ timeZone: 'UTC' })
    expect(parse('timestamp').samples[0]!.timestamp).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/)
    expect(parse('interval').samples).toHaveLength(3)
  })

  it('reads vmstat -s counters', () => {
    expect(parse('stats')).toMatchObject({ kind: 'stats' })
    expect(parse('stats').stats['total memory']).toBeGreaterThan(0)
  })

  it('refuses a line with a missing value, naming it', () => {
    const real = fixtureStdout('vmstat', 'interval').split('\n')
    real[3] = real[3]!.replace(/\s+\d+\s*$/, '')
    expectParseError(vmstatParser, commandResult(real.join('\n')), 4)
  })

  it('refuses free output naming its first line', () => {
    expectParseError(vmstatParser, commandResult(fixtureStdout('free', 'bytes-wide')), 1)
  })
})
