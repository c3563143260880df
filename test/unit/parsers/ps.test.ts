import { describe, expect, it } from 'vitest'
import { psParser } from '../../../src/parsers/ps.ts'
import { commandResult, expectParseError, fixtureStdout, malformed, snapshotCases } from './cases.ts'

describe('ps parser', () => {
  snapshotCases(psParser)

  it("reads BusyBox's ps: comm and args both headed COMMAND, and sizes it prints as `38m` in KiB", () => {
    const text = fixtureStdout('ps', 'busybox-o')
    const r = psParser.parse(commandResult(text))
    const row = text.split('\n').find((l) => / \d+m \d+ /.test(l))!
    const [pid, , , vsz, rss] = row.trim().split(/\s+/)
    const p = r.processes.find((x) => x.pid === Number(pid))!
    expect(p.vszKb).toBe(Number(vsz!.slice(0, -1)) * 1024)
    expect(p.rssKb).toBe(Number(rss))
    expect(p.args).toMatch(/^\S/)
    expect(p.comm).not.toContain(' ')
    expect(r.processes.every((x) => x.args !== null && x.stat !== null)).toBe(true)
  })

  it('keeps kernel thread names whole, `/` included, in every layout', () => {
    for (const c of ['comm-last', 'aux', 'ef', 'comm-wide', 'kthreads', 'forest-axjf', 'forest-ef']) {
      const names = psParser.parse(commandResult(fixtureStdout('ps', c))).processes.map((p) => p.comm)
      expect(names.filter((n) => n.startsWith('kworker/')).length, c).toBeGreaterThan(0)
      expect(
        names.filter((n) => /^\d+:\d+/.test(n)),
        c,
      ).toEqual([])
    }
  })

  it('refuses a column whose values hold spaces (lstart), naming the header', () => {
    expectParseError(psParser, malformed('ps', 'lstart'), 1)
    expectParseError(psParser, malformed('ps', 'exe'), 1)
  })

  it('reads the tree `ps axjf` and `ps -ef --forest` draw as no part of the command', () => {
    for (const c of ['forest-axjf', 'forest-ef']) {
      const text = fixtureStdout('ps', c)
      expect(text, c).toMatch(/ \\_ /) // the capture does draw the tree
      const r = psParser.parse(commandResult(text))
      expect(r.processes.filter((p) => /\\_|^[ |]/.test(p.args ?? '') || /\\_/.test(p.comm)).map((p) => p.raw)).toEqual([])
      expect(r.byComm['sshd']?.count, c).toBeGreaterThan(0)
    }
  })

  it('keeps one-word id, cgroup, namespace and label columns in extra', () => {
    const r = psParser.parse(commandResult(fixtureStdout('ps', 'ids-cgroup-unit')))
    expect(Object.keys(r.processes[0]!.extra).sort()).toEqual(['CGROUP', 'GID', 'LABEL', 'NETNS', 'SID', 'TPGID', 'UNIT'])
    expect(r.processes.every((p) => Number.isInteger(p.rssKb) && p.args !== null)).toBe(true)
  })

  it('refuses output without a header (ps -o key=, --no-headers), saying to keep it', () => {
    expectParseError(psParser, malformed('ps', 'no-header'), 1)
    expect(() => psParser.parse(malformed('ps', 'no-header'))).toThrow(/no header line/)
  })
})
