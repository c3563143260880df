import { describe, it } from 'vitest'
import { dfParser } from '../../../src/parsers/df.ts'
import { commandResult, expectParseError, fixtureStdout, malformed, snapshotCases } from './cases.ts'

describe('df parser', () => {
  snapshotCases(dfParser)

  it('refuses human-readable sizes (df -h output) naming the first data line', () => {
    expectParseError(dfParser, malformed('df', 'human-sizes'), 1)
  })

  it('refuses truncated output naming the cut line', () => {
    const real = fixtureStdout('df', 'posix-kb')
    const cut = real.slice(0, real.indexOf('\n', real.indexOf('\n') + 1) + 20)
    expectParseError(dfParser, commandResult(cut), 3)
  })

  it('refuses du output', () => {
    expectParseError(dfParser, commandResult(fixtureStdout('du', 'paths')), 1)
  })
})
