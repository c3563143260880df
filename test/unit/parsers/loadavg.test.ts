import { describe, it } from 'vitest'
import { loadavgParser } from '../../../src/parsers/loadavg.ts'
import { expectParseError, malformed, snapshotCases } from './cases.ts'

describe('loadavg parser', () => {
  snapshotCases(loadavgParser)

  it('refuses real malformed output: uptime', () => {
    expectParseError(loadavgParser, malformed('loadavg', 'uptime'), 1)
  })

  it('refuses real malformed output: nproc-missing-loadavg', () => {
    expectParseError(loadavgParser, malformed('loadavg', 'nproc-missing-loadavg'), 1)
  })
})
