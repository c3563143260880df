import { describe, expect, it } from 'vitest'
import { systemctlStatusParser } from '../../../src/parsers/systemctl-status.ts'
import { commandResult, expectParseError, fixtureStdout, loadCases, snapshotCases } from './cases.ts'

describe('systemctl-status parser', () => {
  snapshotCases(systemctlStatusParser)

  it('answers systemdRunning: false on a host without systemd', () => {
    const c = loadCases('systemctl-status').find((x) => x.name === 'no-systemd')!
    expect(systemctlStatusParser.parse(c.result)).toMatchObject({ units: [], systemdRunning: false })
  })

  it('refuses systemctl show output, naming its first line', () => {
    expectParseError(systemctlStatusParser, commandResult(fixtureStdout('systemctl-show', 'running')), 1)
  })

  it('refuses nothing printed without a reason', () => {
    expectParseError(systemctlStatusParser, commandResult('', '', 3))
  })
})
