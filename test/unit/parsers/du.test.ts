import { describe, expect, it } from 'vitest'
import { duParser } from '../../../src/parsers/du.ts'
import { commandResult, expectParseError, fixtureStdout, snapshotCases } from './cases.ts'

const parse = (name: string) => duParser.parse(commandResult(fixtureStdout('du', name)))

describe('du parser', () => {
  snapshotCases(duParser)

  it('converts sizes printed with a unit to KiB, never below the real size, flagged approximate', () => {
    // The same two folders in KiB, exactly (-BKiB prints KiB with a suffix: as exact as -k).
    const exact = parse('block-kib')
    expect(exact.approximate).toBe(false)
    const kib = new Map(exact.entries.map((e) => [e.path, e.kb]))
    expect([...kib.values()]).toEqual([300, 4888])
    // du rounds up to the unit it prints: -BM 1 MiB steps, -BMB 1 MB, --si and -h 2 digits.
    for (const [name, step] of [
      ['block-m', 1024],
      ['block-mb', 1000 ** 2 / 1024],
      ['si', 100],
      ['human-total', 103],
    ] as const) {
      const r = parse(name)
      expect(r.approximate, name).toBe(true)
      for (const e of r.entries.filter((x) => kib.has(x.path))) {
        expect(e.kb, `${name} ${e.path}`).toBeGreaterThanOrEqual(kib.get(e.path)!)
        expect(e.kb, `${name} ${e.path}`).toBeLessThanOrEqual(kib.get(e.path)! + step)
      }
    }
  })

  it('reads --si by its lowercase k: its M are powers of 1000, not 1024', () => {
    const si = parse('si').entries.find((e) => e.path.endsWith('/b'))!
    expect(fixtureStdout('du', 'si')).toMatch(/^5\.1M\t.*\/b$/m)
    expect(si.kb).toBe(Math.ceil(5.1e6 / 1024)) // 4981, where 5.1 MiB would be 5223
  })

  it('takes the -c total line of -h output as the total, not as a path', () => {
    const r = parse('human-total')
    expect(r.entries.map((e) => e.path)).not.toContain('total')
    expect(r.total).toBe(Math.ceil((5.1 * 1024 ** 2) / 1024))
  })

  it('keeps the --time column out of the path', () => {
    for (const name of ['time', 'time-full-iso']) {
      const r = parse(name)
      expect(
        r.entries.every((e) => e.time !== null && e.path.startsWith('/tmp/rbcap-du/')),
        name,
      ).toBe(true)
    }
    expect(parse('time').entries.map((e) => e.path)).toContain('/tmp/rbcap-du/with space')
    expect(parse('time-full-iso').entries[0]!.time).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \+0000$/)
  })

  it('splits du -0 output at its NULs', () => {
    const r = parse('nul')
    expect(r.entries.map((e) => [e.path, e.kb])).toEqual([
      ['/tmp/rbcap-du/a', 300],
      ['/tmp/rbcap-du/with space', 8],
      ['/tmp/rbcap-du/b', 4888],
    ])
  })

  it('refuses df output naming the header line', () => {
    expectParseError(duParser, commandResult(fixtureStdout('df', 'posix-kb')), 1)
  })

  it('refuses a size it cannot read, and empty output of a successful command', () => {
    expectParseError(duParser, commandResult('12X\t/var/log\n'), 1)
    expectParseError(duParser, commandResult(''))
  })
})
