import { describe, expect, it } from 'vitest'
import { jsonParser } from '../../../src/parsers/json.ts'
import type { RunbookError } from '../../../src/errors.ts'
import { expectParseError, malformed, snapshotCases } from './cases.ts'

function parseFailure(name: string): RunbookError {
  try {
    jsonParser.parse(malformed('json', name))
  } catch (e) {
    return e as RunbookError
  }
  throw new Error(`${name} parsed`)
}

describe('json parser', () => {
  snapshotCases(jsonParser)

  it('refuses empty output, naming the stderr line (findmnt of a missing mount point)', () => {
    expectParseError(jsonParser, malformed('json', 'empty-findmnt-missing'))
    expect(parseFailure('empty-findmnt-missing').message).toMatch(/empty output, expected a JSON document/)
  })

  it('refuses a document cut short by the program, with its stderr (ip -j route of a missing table prints only "[")', () => {
    expectParseError(jsonParser, malformed('json', 'ip-route-missing-table'), 1)
    expect(parseFailure('ip-route-missing-table').message).toMatch(
      /not one JSON document: .*\(stderr: Error: ipv4: FIB table does not exist\.\)/,
    )
  })

  it('refuses a document cut in the middle (ip -j addr | head -c 300)', () => {
    expectParseError(jsonParser, malformed('json', 'ip-addr-cut'), 1)
  })

  it('refuses text output (ip addr without -j), at the line where reading stopped', () => {
    expectParseError(jsonParser, malformed('json', 'ip-addr-text'), 1)
    expect(parseFailure('ip-addr-text').message).toMatch(/parser 'json': not one JSON document/)
  })
})
