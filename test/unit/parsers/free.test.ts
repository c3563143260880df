import { describe, expect, it } from 'vitest'
import { freeGParser, freeKParser, freeMParser, freeParser } from '../../../src/parsers/free.ts'
import { expectParseError, loadCases, malformed, snapshotCases } from './cases.ts'

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
})
