import { describe, expect, it } from 'vitest'
import { freeGParser, freeKParser, freeMParser, freeParser } from '../../../src/parsers/free.ts'
import { commandResult, expectParseError, fixtureStdout, loadCases, malformed, snapshotCases } from './cases.ts'

describe('free parser', () => {
  snapshotCases(freeParser)

  it('refuses plain KiB (free without -b): they are not bytes', () => {
    expectParseError(freeParser, malformed('free', 'kib'), 2)
  })

  it('refuses --mega numbers: an undeclared unit', () => {
    expectParseError(freeParser, malformed('free', 'mega'), 2)
  })

  it('refuses human sizes when a unit is declared', () => {
    const human = loadCases('free').find((c) => c.name === 'human')!
    expectParseError(freeMParser, human.result, 2)
  })
})

describe('free with a declared unit', () => {
  snapshotCases(freeKParser)
  snapshotCases(freeMParser)
  snapshotCases(freeGParser)

  it('gives the same total in bytes whatever the unit, within its rounding', () => {
    const k = freeKParser.parse(loadCases('free-k')[0]!.result).mem.total
    const m = freeMParser.parse(loadCases('free-m')[0]!.result).mem.total
    const g = freeGParser.parse(loadCases('free-g')[0]!.result).mem.total
    expect(Math.abs(k - m)).toBeLessThan(1024 ** 2)
    expect(Math.abs(k - g)).toBeLessThan(1024 ** 3)
  })
  it('takes the last sample of free -s -c (the header repeats before each)', () => {
    const text = fixtureStdout('free', 'bytes-repeated')
    const headers = text.split('\n').filter((l) => /^\s+total\s/.test(l))
    expect(headers).toHaveLength(3)
    const used = text
      .split('\n')
      .filter((l) => l.startsWith('Mem:'))
      .map((l) => Number(l.split(/\s+/)[2]))
    expect(new Set(used).size).toBeGreaterThan(1) // memory changed between the samples
    expect(freeParser.parse(commandResult(text)).mem.used).toBe(used[used.length - 1])
  })
})
