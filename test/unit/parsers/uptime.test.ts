/**
 * Fixtures: procps-ng 4.0.2's and BusyBox 1.35's real `uptime`. The times up other than this
 * machine's own were printed by the real procps uptime reading a /proc/uptime bind-mounted in a
 * private mount namespace (`unshare -m sh -c 'mount --bind F /proc/uptime && uptime'`, F holding
 * `SECONDS.00 100.00`), so each of its forms is the program's own: `0 min`, ` 1:01`, `1 day, 0 min`,
 * `11 days, 13:46`. The same for the malformed `uptime -p` ones.
 */
import { describe, expect, it } from 'vitest'
import { uptimeParser } from '../../../src/parsers/uptime.ts'
import { expectParseError, loadCases, malformed, snapshotCases } from './cases.ts'

describe('uptime parser', () => {
  snapshotCases(uptimeParser)

  it('reads each form of the time up to the minute', () => {
    const seconds = Object.fromEntries(loadCases('uptime').map((c) => [c.name, uptimeParser.parse(c.result).uptimeSeconds]))
    expect(seconds).toMatchObject({
      '0-min': 0,
      '1-min': 60,
      '59-min': 3540,
      hours: 3660,
      '23-hours': 86340,
      '1-day-0-min': 86400,
      '1-day-hours': 90060,
      '2-days-0-min': 172800,
      'days-hours': 999960,
    })
  })

  it('refuses real malformed output: proc-loadavg', () => {
    expectParseError(uptimeParser, malformed('uptime', 'proc-loadavg'), 1)
  })

  it.each(['pretty', 'pretty-0', 'since'])('refuses uptime -p and -s output (%s), saying to run plain uptime', (name) => {
    expect(() => uptimeParser.parse(malformed('uptime', name))).toThrow(/uptime -p or -s.*run plain `uptime`/)
  })

  it('validation refuses uptime -p and -s under parse: uptime, at the option', () => {
    expect(uptimeParser.checkCommand?.('uptime -p')).toMatchObject({ offset: 7, message: expect.stringMatching(/plain `uptime`/) })
    expect(uptimeParser.checkCommand?.('LC_ALL=C uptime --since')).toMatchObject({ offset: 16 })
    expect(uptimeParser.checkCommand?.('uptime')).toBeNull()
    expect(uptimeParser.checkCommand?.('cat /proc/uptime; uptime')).toBeNull()
  })
})
