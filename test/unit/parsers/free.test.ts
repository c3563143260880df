import { describe, it } from 'vitest'
import { freeParser } from '../../../src/parsers/free.ts'
import { expectParseError, malformed, snapshotCases } from './cases.ts'

describe('free parser', () => {
  snapshotCases(freeParser)

  it('refuses real malformed output: human-sizes', () => {
    expectParseError(freeParser, malformed('free', 'human-sizes'), 2)
  })
})
