import { describe, it } from 'vitest'
import { ipsetParser } from '../../../src/parsers/ipset.ts'
import { expectParseError, malformed, snapshotCases } from './cases.ts'

describe('ipset parser', () => {
  snapshotCases(ipsetParser)

  it('refuses ipset save output naming its first line', () => {
    expectParseError(ipsetParser, malformed('ipset', 'save'), 1)
  })
})
