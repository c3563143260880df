import { describe, expect, it } from 'vitest'
import { cli } from '../../helpers/cli.ts'

describe('runbook parsers', () => {
  it('prints each field with its type, list elements indented under their list', async () => {
    const r = await cli(['parsers', 'iptables'])
    expect(r.code).toBe(0)
    const lines = r.stdout.split('\n')
    expect(lines[0]).toMatch(/^iptables +iptables -S/)
    const rules = lines.findIndex((l) => l.trim() === 'rules: list of')
    expect(rules).toBeGreaterThan(0)
    const indent = (l: string) => l.length - l.trimStart().length
    expect(lines[rules + 1]!.trim()).toBe('table: string')
    expect(indent(lines[rules + 1]!)).toBe(indent(lines[rules]!) + 2)
    expect(lines).toContain(`${' '.repeat(indent(lines[rules]!))}blockedAddresses: list<string>`)
  })

  it('says what every map holds, and documents every list and map of every parser', async () => {
    const r = await cli(['parsers'])
    expect(r.code).toBe(0)
    const lines = r.stdout.split('\n')
    // Nothing left as a bare container: every list names its elements, every map its values.
    expect(lines.filter((l) => /: (list|map)$/.test(l))).toEqual([])
    const ps = (await cli(['parsers', 'ps'])).stdout.split('\n')
    const byComm = ps.findIndex((l) => l.trim() === 'byComm: map of')
    expect(ps.slice(byComm + 1, byComm + 4).map((l) => l.trim())).toEqual(['count: int', 'rssKb: int', 'cpuPercent: double'])
    const kv = (await cli(['parsers', 'kv'])).stdout
    expect(kv).toMatch(/^kv +key=value lines/)
    expect(kv).toContain('values: map of string')
    expect(kv).toMatch(/records: list of\n +line: int\n +values: map of string/)
    expect((await cli(['parsers', 'json'])).stdout).toMatch(/value: dyn\n +kind: string/)
  })

  it('--json gives the declaration itself: a list of objects is [{ field: type }]', async () => {
    const r = await cli(['parsers', '--json', 'ss'])
    const [ss] = JSON.parse(r.stdout) as Array<{ name: string; fields: Record<string, unknown> }>
    expect(ss!.name).toBe('ss')
    expect(ss!.fields['sockets']).toEqual([
      expect.objectContaining({ localPort: 'int', process: expect.objectContaining({ name: 'string' }) }),
    ])
  })

  it('an unknown name is RB_UNKNOWN_PARSER, exit 2', async () => {
    const r = await cli(['parsers', 'iptabels'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("parser 'iptabels' is not registered")
  })
})
