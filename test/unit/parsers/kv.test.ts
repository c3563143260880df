import { describe, expect, it } from 'vitest'
import { kvParser, unquote } from '../../../src/parsers/kv.ts'
import { commandResult, expectParseError, fixtureStdout, malformed, snapshotCases } from './cases.ts'

describe('kv parser', () => {
  snapshotCases(kvParser)

  it('reads os-release: double quotes dropped, unquoted values as printed', () => {
    const r = kvParser.parse(commandResult(fixtureStdout('kv', 'os-release')))
    expect(r.values['VERSION_CODENAME']).toMatch(/^\w+$/)
    expect(r.values['PRETTY_NAME']).not.toMatch(/"/)
    expect(r.records).toHaveLength(1)
  })

  it('reads systemctl show of two units as two records, and values as the last unit', () => {
    const r = kvParser.parse(commandResult(fixtureStdout('kv', 'systemctl-show-no-id-two-units')))
    expect(r.records).toHaveLength(2)
    expect(r.duplicates).toEqual([])
    expect(r.values).toEqual(r.records[1]!.values)
  })

  it('reads an export fragment: export dropped, each blank-separated assignment a record, the last value wins', () => {
    const r = kvParser.parse(commandResult(fixtureStdout('kv', 'export-chromium-flags')))
    expect(r.keys).toEqual(['CHROMIUM_FLAGS'])
    expect(r.records.length).toBeGreaterThan(1)
    // Set again in a later block: overridden, not a duplicate (that is a key twice in one block).
    expect(r.duplicates).toEqual([])
    expect(r.values['CHROMIUM_FLAGS']).toBe(r.records.at(-1)!.values['CHROMIUM_FLAGS'])
    // No expansion: the value is the text of the file.
    expect(r.values['CHROMIUM_FLAGS']).toMatch(/^\$CHROMIUM_FLAGS --/)
  })

  it('names a key given twice in one block as a duplicate (locale printed twice with no blank line)', () => {
    const locale = fixtureStdout('kv', 'locale')
    const r = kvParser.parse(commandResult(locale + locale))
    expect(r.duplicates).toEqual(r.keys)
    expect(r.records).toHaveLength(1)
  })

  it('reads sysctl: spaces around = dropped, dotted keys', () => {
    const r = kvParser.parse(commandResult(fixtureStdout('kv', 'sysctl')))
    expect(r.keys).toEqual(['net.ipv4.ip_forward', 'net.ipv4.tcp_keepalive_time', 'net.core.somaxconn'])
    expect(r.values['net.ipv4.ip_forward']).toMatch(/^[01]$/)
  })

  it('unquotes only values wholly inside one pair of quotes', () => {
    expect(unquote('"Debian GNU/Linux 12 (bookworm)"')).toBe('Debian GNU/Linux 12 (bookworm)')
    expect(unquote('"a \\"b\\" \\$HOME \\\\"')).toBe('a "b" $HOME \\')
    expect(unquote("'it is'")).toBe('it is')
    expect(unquote('"A=1" "B=2"')).toBe('"A=1" "B=2"')
    expect(unquote('"ends in \\"')).toBe('"ends in \\"')
    expect(unquote('"')).toBe('"')
    expect(unquote('')).toBe('')
  })

  it('refuses empty output (sysctl with a pattern nothing matches)', () => {
    expectParseError(kvParser, malformed('kv', 'empty-sysctl-no-match'))
  })

  it('refuses output of other programs at its first line (ip addr, ss)', () => {
    expectParseError(kvParser, malformed('kv', 'ip-addr-text'), 1)
    expectParseError(kvParser, malformed('kv', 'ss-text'), 1)
  })

  it('refuses a file of comments only, and a line that is not a pair after good ones', () => {
    const comments = fixtureStdout('kv', 'etc-default-ssh')
      .split('\n')
      .filter((l) => l.startsWith('#'))
      .join('\n')
    expectParseError(kvParser, commandResult(comments))
    // systemctl show --value prints values without names: the first line has no key.
    const os = fixtureStdout('kv', 'os-release')
    const lines = os.split('\n')
    expectParseError(kvParser, commandResult(`${lines[0]}\n${lines[1]!.split('=')[1]}\n`), 2)
  })
})
