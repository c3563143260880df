import { describe, it } from 'vitest'
import { psParser } from '../../../src/parsers/ps.ts'
import { expectParseError, malformed, snapshotCases } from './cases.ts'

describe('ps parser', () => {
  snapshotCases(psParser)

  it('refuses real malformed output: aux', () => {
    expectParseError(psParser, malformed('ps', 'aux'), 1)
  })
})
