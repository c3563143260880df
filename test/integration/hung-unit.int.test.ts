/**
 * `hung-unit` end to end against a real systemd 252 booted on lab host web1 (its own PID, mount,
 * cgroup and UTS namespaces in web1's network namespace; see src/lab/scenario-hung-unit.ts):
 * makecache.service hung on start and was SIGKILLed by its 3 s start timeout, backup-sync.service
 * hangs in activating. The dry run diagnoses both with the evidence (`code=killed, signal=KILL`, the
 * journal) and changes no unit state; `--apply --yes` resets and restarts makecache (it runs to
 * success: its mirror answers again) and still reports the hanging unit, untouched. Own lab root;
 * systemd's PID 1 is SIGKILLed and the lab torn down in afterAll even when a test fails. Skipped
 * with a banner when not root. One systemd boot per machine at a time: the lab waits for the boot lock.
 */
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { labDown } from '../../src/lab/lab.ts'
import { inSystemd, stopSystemd, unitProps } from '../../src/lab/scenario-hung-unit.ts'
import { announceSkip, startLab, type TestLab } from '../helpers/lab.ts'
import { runCli as cli, type CliEvent as Event } from '../helpers/cli.ts'

const skip = announceSkip('hung-unit.int.test.ts', ['hung-unit'])
const ROOT = '/run/runbook-lab-test-hung-unit'
const LAB = 'hu'

/** Every unit of web1's systemd with its states, read from inside its namespaces. */
function unitStates(lab: TestLab): string {
  const r = inSystemd(lab.up.state, ['systemctl', 'list-units', '--all', '--no-legend', '--plain', '--no-pager'])
  expect(r.status, r.stderr).toBe(0)
  return r.stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/).slice(0, 4).join(' '))
    .filter(Boolean)
    .sort()
    .join('\n')
}

describe.skipIf(skip)('hung-unit on a real systemd', () => {
  const env = { ...process.env, RUNBOOK_LAB_DIR: ROOT, RUNBOOK_STATE_DIR: join(ROOT, '.state') }
  let lab: TestLab | undefined

  afterAll(async () => {
    if (lab) await stopSystemd(lab.up.state).catch(() => [])
    await labDown({ name: LAB, env })
    rmSync(ROOT, { recursive: true, force: true })
  }, 60_000)

  it('lab up boots systemd; makecache failed by SIGKILL on its start timeout, backup-sync hangs', async () => {
    lab = await startLab(ROOT, 'hung-unit', LAB)
    expect(lab.up.seeded.join('\n')).toMatch(/systemd 252/)
    expect(unitProps(lab.up.state, 'makecache.service', ['ActiveState', 'Result', 'ExecMainCode', 'ExecMainStatus'])).toEqual({
      ActiveState: 'failed',
      Result: 'timeout',
      ExecMainCode: '2',
      ExecMainStatus: '9',
    })
    expect(unitProps(lab.up.state, 'backup-sync.service', ['ActiveState'])).toEqual({ ActiveState: 'activating' })
  }, 240_000)

  it('dry-run: proposes reset-failed + restart with the evidence, and changes no unit state', async () => {
    const before = unitStates(lab!)
    const r = await cli(['run', 'hung-unit', '--host', 'web1', '--inventory', lab!.inventory, '--json'], env)
    expect(r.code, r.stderr).toBe(4)
    expect(r.events.find((e) => e.type === 'run.started')?.mode).toBe('dry-run')
    const outcome = r.events.find((e) => e.type === 'outcome')!
    expect(outcome.id).toBe('_proposed')
    expect(outcome.summary).toContain('makecache.service: Result=timeout, code=killed, signal=KILL')
    expect(outcome.evidence!.map((e) => e.text).join('\n')).toContain('makecache.service')
    const parsed = r.events
      .filter((e) => e.type === 'result.parsed' && e.step === 'why')
      .map((e) => JSON.stringify(e.value))
      .join('\n')
    expect(parsed).toContain('makecache.service: Main process exited, code=killed, status=9/KILL')
    expect(parsed).toContain('"id":"backup-sync.service"')
    expect(r.events.some((e) => e.type === 'fix.applied')).toBe(false)
    expect(unitStates(lab!)).toEqual(before)
  }, 120_000)

  it('--apply --yes: makecache is reset and runs to success; the hanging unit is reported, untouched', async () => {
    const hangingPid = unitProps(lab!.up.state, 'backup-sync.service', ['ExecMainPID'])['ExecMainPID']
    const r = await cli(['run', 'hung-unit', '--host', 'web1', '--inventory', lab!.inventory, '--json', '--apply', '--yes'], env)
    expect(r.code, r.stderr).toBe(5)
    const outcome = r.events.find((e) => e.type === 'outcome')!
    expect(outcome.id).toBe('hanging')
    expect(outcome.summary).toContain('backup-sync.service hangs in activating')
    expect(outcome.summary).toContain('makecache.service (fix: verified)')
    expect(outcome.evidence!.map((e) => e.text).join('\n')).toContain('makecache.service Result=timeout code=killed, signal=KILL')
    // Re-probe from inside systemd: reset, ran again, to success; nothing failed any more.
    expect(unitProps(lab!.up.state, 'makecache.service', ['ActiveState', 'Result', 'ExecMainStatus'])).toEqual({
      ActiveState: 'inactive',
      Result: 'success',
      ExecMainStatus: '0',
    })
    expect(inSystemd(lab!.up.state, ['systemctl', 'list-units', '--failed', '--no-legend', '--plain']).stdout.trim()).toBe('')
    expect(unitProps(lab!.up.state, 'backup-sync.service', ['ActiveState', 'ExecMainPID'])).toEqual({
      ActiveState: 'activating',
      ExecMainPID: hangingPid,
    })
  }, 120_000)
})
