import { describe, expect, it } from 'vitest'
import { dfParser } from '../../../src/parsers/df.ts'
import { commandResult, expectParseError, fixtureStdout, snapshotCases } from './cases.ts'

describe('df parser', () => {
  snapshotCases(dfParser)

  it('reads df -h and plain df to the same KiB, within the rounding of -h', () => {
    const h = dfParser.parse(commandResult(fixtureStdout('df', 'human-type'))).filesystems.find((f) => f.mountpoint === '/')!
    const k = dfParser.parse(commandResult(fixtureStdout('df', 'plain'))).filesystems.find((f) => f.mountpoint === '/')!
    expect(h.type).toBe('ext4')
    expect(Math.abs(h.total - k.total) / k.total).toBeLessThan(0.01)
  })

  it('refuses a human size that is not a number, naming the line', () => {
    const real = fixtureStdout('df', 'human')
    expectParseError(dfParser, commandResult(real.replace(/ 252G /, ' 252G? ')), 4)
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
