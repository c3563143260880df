import { describe, expect, it } from 'vitest'
import { journalParser } from '../../../src/parsers/journal.ts'
import { commandResult, expectParseError, fixtureStdout, loadCases, malformed, snapshotCases } from './cases.ts'

describe('journal parser', () => {
  snapshotCases(journalParser)

  it("finds systemd's own lines about a unit killed by its start timeout", () => {
    const c = loadCases('journal').find((x) => x.name === 'unit-makecache')!
    const r = journalParser.parse(c.result)
    expect(r.units).toEqual(['makecache.service'])
    expect(r.lines.some((l) => l.includes('systemd[1]: makecache.service: Main process exited, code=killed, status=9/KILL'))).toBe(true)
  })

  it('decodes MESSAGE given as an array of bytes (invalid UTF-8, escape sequences)', () => {
    const c = loadCases('journal').find((x) => x.name === 'binary-message')!
    const [bad, colored] = journalParser.parse(c.result).entries
    expect(bad).toMatchObject({ binary: true, message: 'bad \uFFFD byte from a legacy tool' })
    expect(colored!.line).toContain('colored \\x1b[31mred\\x1b[0m line')
  })

  it('refuses journalctl short output, naming its first line', () => {
    expectParseError(journalParser, malformed('journal', 'short-output'), 1)
  })

  it('refuses a truncated JSON line, naming it', () => {
    const real = fixtureStdout('journal', 'unit-makecache').split('\n')
    expectParseError(journalParser, commandResult([real[0], real[1]!.slice(0, 80)].join('\n')), 2)
  })

  it('refuses empty output with a failing exit code', () => {
    expectParseError(journalParser, commandResult('', 'Failed to open journal\n', 1))
  })
})
