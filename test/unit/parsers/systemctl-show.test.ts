import { describe, expect, it } from 'vitest'
import { systemctlShowParser } from '../../../src/parsers/systemctl-show.ts'
import { commandResult, expectParseError, fixtureStdout, loadCases, malformed, snapshotCases } from './cases.ts'

describe('systemctl-show parser', () => {
  snapshotCases(systemctlShowParser)

  it('reads a start timeout that SIGKILLed the main process as systemctl status shows it', () => {
    const c = loadCases('systemctl-show').find((x) => x.name === 'failed-and-activating')!
    const r = systemctlShowParser.parse(c.result)
    const mk = r.units.find((u) => u.id === 'makecache.service')!
    expect(mk).toMatchObject({ failed: true, result: 'timeout', execMainCodeName: 'killed', execMainSignal: 'KILL', mainProcess: 'code=killed, signal=KILL' })
    expect(r.failed).toEqual(['makecache.service'])
    expect(r.killed).toEqual(['makecache.service'])
    expect(r.units.find((u) => u.id === 'backup-sync.service')).toMatchObject({ activeState: 'activating', mainProcess: null })
  })

  it('refuses systemctl status output, naming its first line', () => {
    expectParseError(systemctlShowParser, malformed('systemctl-show', 'status-output'), 1)
  })

  it('refuses a block without Id, naming its first line', () => {
    const real = fixtureStdout('systemctl-show', 'running')
    expectParseError(systemctlShowParser, commandResult(real.split('\n').filter((l) => !l.startsWith('Id=')).join('\n')), 1)
  })

  it('refuses empty output, quoting stderr', () => {
    expectParseError(systemctlShowParser, commandResult('', 'Failed to connect to bus: No such file or directory\n', 1))
  })
})
