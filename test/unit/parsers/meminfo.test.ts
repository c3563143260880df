import { describe, it } from 'vitest'
import { meminfoParser } from '../../../src/parsers/meminfo.ts'
import { expectParseError, malformed, snapshotCases } from './cases.ts'

describe('meminfo parser', () => {
  snapshotCases(meminfoParser)

  it('refuses real malformed output: truncated', () => {
    expectParseError(meminfoParser, malformed('meminfo', 'truncated'), 8)
  })
})
