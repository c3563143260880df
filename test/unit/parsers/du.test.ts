import { describe, it } from 'vitest'
import { duParser } from '../../../src/parsers/du.ts'
import { commandResult, expectParseError, fixtureStdout, malformed, snapshotCases } from './cases.ts'

describe('du parser', () => {
  snapshotCases(duParser)

  it('refuses human-readable sizes (du -sh output)', () => {
    expectParseError(duParser, malformed('du', 'human-sizes'), 1)
  })

  it('refuses df output naming the header line', () => {
    expectParseError(duParser, commandResult(fixtureStdout('df', 'posix-kb')), 1)
  })

  it('refuses empty output of a successful command', () => {
    expectParseError(duParser, commandResult(''))
  })
})
