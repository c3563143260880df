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

  it('reads df -B headers (bytes, MiB with the unit after each number, SI MB) to the KiB of plain df', () => {
    const root = (name: string) => dfParser.parse(commandResult(fixtureStdout('df', name))).filesystems.find((f) => f.mountpoint === '/')!
    const k = root('plain')
    // Bytes: exact. 1M and 1MB blocks are rounded up by df: within a block of the KiB.
    expect(root('block-bytes').total).toBe(k.total)
    expect(root('block-kib').total).toBe(k.total) // `1KiB-blocks`, `264212084KiB`
    expect(Math.abs(root('block-mib').total - k.total)).toBeLessThanOrEqual(1024)
    expect(Math.abs(root('block-si-mb').total - k.total)).toBeLessThanOrEqual(1000)
    expect(dfParser.parse(commandResult(fixtureStdout('df', 'block-bytes'))).approximate).toBe(false)
    expect(dfParser.parse(commandResult(fixtureStdout('df', 'block-mib'))).approximate).toBe(true)
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
