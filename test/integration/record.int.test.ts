/**
 * `runbook record` against a real lab host, from a team repository made by `runbook init`: the run goes
 * over SSH to web1 (real sshd), its transcript lands in the team's fixtures/, and `runbook test` there
 * replays it offline. Re-recording the case replaces it. The lab is torn down also when a test fails.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli } from '../helpers/cli.ts'
import { announceSkip, startLab, type TestLab } from '../helpers/lab.ts'

const skip = announceSkip('record.int.test.ts', ['healthy'])
const ROOT = '/run/runbook-lab-rec'

describe.skipIf(skip)('runbook record on a lab host', () => {
  let lab: TestLab | undefined
  let team = ''
  beforeAll(async () => {
    team = mkdtempSync(join(tmpdir(), 'rb-record-team-'))
    lab = await startLab(ROOT, 'healthy', 'rec')
  }, 180_000)
  afterAll(async () => {
    await lab?.down()
    rmSync(team, { recursive: true, force: true })
  }, 120_000)

  it('records host-triage on web1 into a team repository, where runbook test replays it', async () => {
    expect((await cli(['init', team])).code).toBe(0)
    const r = await cli(['record', 'host-triage', '--case', 'lab-healthy', '--host', 'web1', '--inventory', lab!.inventory], {
      cwd: team,
      env: lab!.env,
    })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/fixture: fixtures\/host-triage\/lab-healthy\.jsonl \(new\): run exited 0, outcome healthy/)
    const events = readFileSync(join(team, 'fixtures/host-triage/lab-healthy.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; targets?: string[]; spec?: { host: string } })
    expect(events[0]).toMatchObject({ type: 'run.started', targets: ['web1'] })
    expect(events.some((e) => e.type === 'command.finished' && e.spec?.host === 'web1')).toBe(true)

    const t = await cli(['test'], { cwd: team })
    expect(t.code, t.stdout).toBe(0)
    expect(t.stdout).toContain('host-triage: 1/1 fixtures pass')
    expect(t.stdout).toContain('dir-budget: 3/3 fixtures pass')
    expect(t.stdout).not.toMatch(/not tested: .*host-triage/)
  }, 180_000)

  it('recording the case again replaces it', async () => {
    const file = join(team, 'fixtures/host-triage/lab-healthy.jsonl')
    const before = JSON.parse(readFileSync(file, 'utf8').split('\n')[0]!) as { runId: string }
    const r = await cli(['record', 'host-triage', '--case', 'lab-healthy', '--host', 'web1', '--inventory', lab!.inventory], {
      cwd: team,
      env: lab!.env,
    })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toContain('(replaced the old one)')
    const after = JSON.parse(readFileSync(file, 'utf8').split('\n')[0]!) as { runId: string }
    expect(after.runId).not.toBe(before.runId)
    expect(readdirSync(join(team, 'fixtures/host-triage'))).toEqual(['lab-healthy.jsonl'])
  }, 180_000)
})
