/**
 * `host-triage` end to end against real lab hosts: on `healthy`, web1 answers ping and TCP from
 * here, the path is one hop, only sshd listens, and the verdict is healthy; on `proxy-probes`, the
 * Flask dev server running as root on web1:80 is a service to review (-> open-proxy-probes); on
 * `sshguard-block`, web1 is up through its bastion yet answers nothing from here (-> unreachable-host).
 * Every run is a dry run and leaves web1 exactly as it was (listeners, firewall, mounts). The CLI
 * runs in-process through main(argv, io). Own lab root; torn down in afterAll even when a test
 * fails. Skipped with a banner when not root.
 */
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { main } from '../../src/cli/main.ts'
import { labDown } from '../../src/lab/lab.ts'
import { announceSkip, hostState, startLab, type TestLab } from '../helpers/lab.ts'
import { runCli as cli, type CliEvent as Event } from '../helpers/cli.ts'

const skip = announceSkip('host-triage.int.test.ts', ['healthy', 'proxy-probes', 'sshguard-block'])
const ROOT = '/run/runbook-lab-test-host-triage'
const LAB = 'ht'

/** What a first look must not change on web1. */
const web1State = (lab: TestLab) => hostState(lab, 'web1')

const text = (e: Event | undefined): string => (e?.evidence ?? []).map((x) => x.text).join('\n')

describe.skipIf(skip)('host-triage on the lab', () => {
  const env = { ...process.env, RUNBOOK_LAB_DIR: ROOT, RUNBOOK_STATE_DIR: join(ROOT, '.state') }

  afterAll(async () => {
    await labDown({ name: LAB, env })
    rmSync(ROOT, { recursive: true, force: true }) // the run state (.state) of the CLI runs
  }, 60_000)

  async function triage(
    scenario: string,
  ): Promise<{ lab: TestLab; code: number; outcome: Event | undefined; events: Event[]; stderr: string }> {
    const lab = await startLab(ROOT, scenario, LAB)
    const before = web1State(lab)
    const r = await cli(['run', 'host-triage', '--host', 'web1', '--inventory', lab.inventory, '--json'], env)
    expect(r.events.find((e) => e.type === 'run.started')?.mode).toBe('dry-run')
    expect(web1State(lab)).toEqual(before)
    return { lab, code: r.code, outcome: r.events.find((e) => e.type === 'outcome'), events: r.events, stderr: r.stderr }
  }

  it('healthy: reachable by ping and TCP, one hop, only sshd listens: healthy, every finding listed', async () => {
    const { lab, code, outcome, stderr } = await triage('healthy')
    expect(code, stderr).toBe(0)
    expect(outcome?.id).toBe('healthy')
    const web1 = lab.address('web1')
    const evidence = text(outcome)
    expect(evidence).toMatch(/from here: ping answers \(3\/3 replies\); TCP 22 open/)
    expect(evidence).toContain(`path from here: ${web1} (reached in 1 hop(s))`)
    expect(evidence).toContain(`listening TCP: ${web1}:22 sshd`)
    expect(evidence).toContain('on all interfaces (sshd aside): none')
    expect(evidence).toMatch(/disk: fullest \d+%; above 90%: none/)
    expect(evidence).toMatch(/inodes: fullest \d+%/)
    expect(evidence).toMatch(/load: [\d.]+ \(1 min\), [\d.]+ \(15 min\) on \d+ CPU\(s\)/)
    expect(evidence).toMatch(/memory: [\d.]+% available of \d+ MiB/)
  }, 120_000)

  it('proxy-probes: the Flask dev server runs as root on web1:80: services to review, see open-proxy-probes', async () => {
    const { lab, code, outcome, stderr } = await triage('proxy-probes')
    expect(code, stderr).toBe(3)
    expect(outcome?.id).toBe('exposed')
    expect(outcome?.summary).toContain('1 running as root')
    expect(text(outcome)).toContain(
      'next: runbook run ssh-hardening --host web1; for a web server: runbook run open-proxy-probes --host web1',
    )
    expect(text(outcome)).toContain(`running as root besides sshd: python3 on ${lab.address('web1')}:80`)
  }, 120_000)

  it('sshguard-block: up through the bastion, yet neither ping nor TCP answers from here: see unreachable-host', async () => {
    const { lab, code, outcome, events, stderr } = await triage('sshguard-block')
    expect(code, stderr).toBe(3)
    expect(outcome?.id).toBe('cut_off_from_here')
    expect(outcome?.severity).toBe('critical')
    expect(text(outcome)).toContain('next: runbook run unreachable-host --host web1')
    const evidence = text(outcome)
    expect(evidence).toMatch(/from here: ping no reply \(timeout\); TCP 22 not open \(timeout/)
    expect(evidence).toContain(`session: `)
    expect(evidence).toContain(` at ${lab.address('web1')}`)
    expect(evidence).toMatch(/path from here: [* ]+\(no answer from the host within \d+ hops\)/)
    expect(events.filter((e) => e.type === 'transition').map((e) => e.to)).toEqual([
      'login',
      'path',
      'inspect',
      'verdict',
      'cut_off_from_here',
    ])
  }, 180_000)
})
