import { describe, expect, it } from 'vitest'
import { systemctlFailedParser } from '../../../src/parsers/systemctl-failed.ts'
import { commandResult, expectParseError, fixtureStdout, loadCases, malformed, snapshotCases } from './cases.ts'

describe('systemctl-failed parser', () => {
  snapshotCases(systemctlFailedParser)

  it('reads the same units from the JSON, plain and table listings', () => {
    const byName = Object.fromEntries(loadCases('systemctl-failed').map((c) => [c.name, systemctlFailedParser.parse(c.result)]))
    expect(byName['failed-json']!.units).toEqual(byName['failed-plain']!.units)
    expect(byName['failed-default']!.units).toEqual(byName['failed-plain']!.units)
    expect(byName['activating-json']!.units).toEqual(byName['activating-plain']!.units)
    expect(byName['activating-plain']!.units[0]).toMatchObject({ unit: 'backup-sync.service', active: 'activating', job: 'start' })
  })

  it('refuses systemctl show output, naming its first line', () => {
    expectParseError(systemctlFailedParser, malformed('systemctl-failed', 'show-output'), 1)
  })

  it('refuses a host whose PID 1 is not systemd, quoting stderr', () => {
    expectParseError(systemctlFailedParser, malformed('systemctl-failed', 'no-systemd'))
  })

  it('refuses truncated JSON', () => {
    const real = fixtureStdout('systemctl-failed', 'failed-json')
    expectParseError(systemctlFailedParser, commandResult(real.slice(0, 100)), 1)
  })
})
