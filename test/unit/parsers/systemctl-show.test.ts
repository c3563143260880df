import { describe, expect, it } from 'vitest'
import { systemctlShowParser } from '../../../src/parsers/systemctl-show.ts'
import { commandResult, expectParseError, fixtureStdout, loadCases, malformed, snapshotCases } from './cases.ts'

describe('systemctl-show parser', () => {
  snapshotCases(systemctlShowParser)

  it('reads a start timeout that SIGKILLed the main process as systemctl status shows it', () => {
    const c = loadCases('systemctl-show').find((x) => x.name === 'failed-and-activating')!
    const r = systemctlShowParser.parse(c.result)
    const mk = r.units.find((u) => u.id === 'makecache.service')!
    expect(mk).toMatchObject({
      failed: true,
      result: 'timeout',
      execMainCodeName: 'killed',
      execMainSignal: 'KILL',
      mainProcess: 'code=killed, signal=KILL',
    })
    expect(r.failed).toEqual(['makecache.service'])
    expect(r.killed).toEqual(['makecache.service'])
    expect(r.units.find((u) => u.id === 'backup-sync.service')).toMatchObject({ activeState: 'activating', mainProcess: null })
  })

  it('refuses systemctl status output, naming its first line', () => {
    expectParseError(systemctlShowParser, malformed('systemctl-show', 'status-output'), 1)
  })

  it('reads blocks without Id (-p ActiveState,...) by their position', () => {
    const c = loadCases('systemctl-show').find((x) => x.name === 'no-id-two-units')!
    const r = systemctlShowParser.parse(c.result)
    expect(r.units.map((u) => [u.id, u.label, u.index, u.activeState])).toEqual([
      [null, '#1', 0, 'failed'],
      [null, '#2', 1, 'activating'],
    ])
    expect(r.failed).toEqual(['#1'])
    expect(r.killed).toEqual(['#1'])
  })

  it('refuses --value output (values without names), naming the line', () => {
    expectParseError(systemctlShowParser, malformed('systemctl-show', 'value'), 1)
  })

  it('answers systemdRunning: false on a host without systemd', () => {
    const c = loadCases('systemctl-show').find((x) => x.name === 'no-systemd')!
    expect(systemctlShowParser.parse(c.result)).toMatchObject({ units: [], systemdRunning: false })
  })

  it('refuses empty output, quoting stderr', () => {
    expectParseError(systemctlShowParser, commandResult('', 'Failed to get properties: Access denied\n', 1))
  })
})
