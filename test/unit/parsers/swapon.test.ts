import { describe, expect, it } from 'vitest'
import { swaponParser } from '../../../src/parsers/swapon.ts'
import { commandResult, expectParseError, fixtureStdout, malformed, snapshotCases } from './cases.ts'

describe('swapon parser', () => {
  snapshotCases(swaponParser)

  it('refuses real malformed output: human-sizes', () => {
    expectParseError(swaponParser, malformed('swapon', 'human-sizes'), 2)
  })

  it('reads /proc/swaps and swapon -s alike: KiB as bytes, a name with a space whole', () => {
    const proc = swaponParser.parse(commandResult(fixtureStdout('swapon', 'proc-swaps')))
    const summary = swaponParser.parse(commandResult(fixtureStdout('swapon', 'summary-s')))
    expect(fixtureStdout('swapon', 'proc-swaps')).toContain('swap\\040two') // the kernel's escape
    for (const r of [proc, summary]) {
      expect(r.devices.map((d) => [d.name, d.type, d.sizeBytes, d.priority])).toEqual([
        ['/tmp/rbcap-swap/swap1', 'file', 65532 * 1024, 5],
        ['/tmp/rbcap-swap/swap two', 'file', 32764 * 1024, -2],
      ])
    }
    expect(proc.totalBytes).toBe((65532 + 32764) * 1024)
  })

  it('reads the /proc/swaps header alone as no swap', () => {
    expect(fixtureStdout('swapon', 'proc-swaps-none')).toMatch(/^Filename\t/)
    expect(swaponParser.parse(commandResult(fixtureStdout('swapon', 'proc-swaps-none'))).devices).toEqual([])
  })
})
