import { describe, expect, it } from 'vitest'
import { systemctlStatusParser } from '../../../src/parsers/systemctl-status.ts'
import { commandResult, expectParseError, fixtureStdout, loadCases, snapshotCases } from './cases.ts'

describe('systemctl-status parser', () => {
  snapshotCases(systemctlStatusParser)

  it('reads a unit killed by its start timeout, with its journal lines', () => {
    const c = loadCases('systemctl-status').find((x) => x.name === 'failed-timeout')!
    const r = systemctlStatusParser.parse(c.result)
    expect(r.failed).toEqual(['makecache.service'])
    expect(r.units[0]).toMatchObject({
      loadState: 'loaded',
      unitFile: '/run/systemd/system/makecache.service',
      enabled: 'static',
      activeState: 'failed',
      result: 'timeout',
      since: 'Sat 2026-11-21 06:06:17 UTC',
      mainPid: 44,
      mainProcess: 'code=killed, signal=KILL',
    })
    expect(r.units[0]!.processes[0]).toMatchObject({ pid: 44, code: 'code=killed, signal=KILL' })
    expect(r.units[0]!.journal).toHaveLength(8)
  })

  it('reads running, activating, inactive, masked and not-found units, several at once', () => {
    const get = (name: string) => systemctlStatusParser.parse(loadCases('systemctl-status').find((x) => x.name === name)!.result)
    expect(get('ssh-running').units[0]).toMatchObject({
      activeState: 'active',
      subState: 'running',
      enabled: 'enabled',
      preset: 'enabled',
      mainProcess: 'sshd',
    })
    expect(get('ssh-inactive').units[0]).toMatchObject({
      activeState: 'inactive',
      subState: 'dead',
      mainProcess: 'code=exited, status=0/SUCCESS',
    })
    expect(get('activating').units[0]).toMatchObject({ activeState: 'activating', subState: 'start', mainPid: 48, tasks: 1 })
    expect(get('masked').units[0]).toMatchObject({ loadState: 'masked', activeState: 'inactive' })
    expect(get('not-found')).toMatchObject({ units: [], notFound: ['nosuch.service'] })
    expect(get('several')).toMatchObject({ failed: ['makecache.service'], notFound: ['nosuch.service'] })
    expect(get('running-journald').units[0]!.fields['TriggeredBy']).toContain('systemd-journald.socket')
  })

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
