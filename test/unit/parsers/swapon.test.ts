import { describe, it } from 'vitest'
import { swaponParser } from '../../../src/parsers/swapon.ts'
import { expectParseError, malformed, snapshotCases } from './cases.ts'

describe('swapon parser', () => {
  snapshotCases(swaponParser)

  it('refuses real malformed output: human-sizes', () => {
    expectParseError(swaponParser, malformed('swapon', 'human-sizes'), 2)
  })

  it('refuses real malformed output: proc-swaps', () => {
    expectParseError(swaponParser, malformed('swapon', 'proc-swaps'), 1)
  })
})
