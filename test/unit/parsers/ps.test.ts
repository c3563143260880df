import { describe, expect, it } from 'vitest'
import { psParser } from '../../../src/parsers/ps.ts'
import { commandResult, expectParseError, fixtureStdout, malformed, snapshotCases } from './cases.ts'

describe('ps parser', () => {
  snapshotCases(psParser)

  it('keeps kernel thread names whole, `/` included, in every layout', () => {
    for (const c of ['comm-last', 'aux', 'ef', 'comm-wide', 'kthreads']) {
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
  })
})
