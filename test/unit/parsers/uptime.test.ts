import { describe, it } from 'vitest'
import { uptimeParser } from '../../../src/parsers/uptime.ts'
import { expectParseError, malformed, snapshotCases } from './cases.ts'

describe('uptime parser', () => {
  snapshotCases(uptimeParser)

  it('refuses real malformed output: proc-loadavg', () => {
    expectParseError(uptimeParser, malformed('uptime', 'proc-loadavg'), 1)
  })
})
