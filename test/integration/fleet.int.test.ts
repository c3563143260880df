/**
 * Fleet runs end to end on a lab of 10 web hosts (plus the bastion) where real sshguard blocks the
 * operator on web3, web6 and web9:
 *  1. `run unreachable-host --hosts all` (dry-run): the summary names the 3 hosts in one group with
 *     one plan hash; each blocked host got exactly one SSH login (one connection for all its steps).
 *  2. `--apply --yes --canary 1 --max-failures 1`: one group approval, every block lifted (a new TCP
 *     connection from the operator's address proves it), each host locked and commit-confirmed.
 *  3. Five new blocks, two of them made unfixable: with `--max-failures 2 --concurrency 1` the fleet
 *     stops at the 2nd failed host and lists the hosts whose fix it never started; those stay blocked.
 * The CLI runs in-process through main(argv, io). Own lab root and name; torn down in afterAll even
 * when a test fails. Skipped with a banner when not root.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LocalProber } from '../../src/executors/probe.ts'
import { labDown, labUp, seedSshguardBlock, type LabUpResult } from '../../src/lab/lab.ts'
import { announceSkip } from '../helpers/lab.ts'
import { runCli } from '../helpers/cli.ts'

const skip = announceSkip('fleet.int.test.ts', ['sshguard-block'])
const ROOT = '/run/runbook-lab-test-fleet'
const LAB = 'flt'
const WEB = Array.from({ length: 10 }, (_, i) => `web${i + 1}`)

interface FleetLine {
  type: string
  host?: string
  phase?: string
  status?: string
  approved?: boolean
  hosts?: string[]
  exitCode?: number
  groups?: Array<{ status: string; hosts: string[]; planHash?: string; fixStep?: string; summary: string }>
  notStarted?: Array<{ host: string; phase: string }>
  stop?: { reason: string; message: string } | null
  plan?: string[]
}

const lines = (stdout: string): FleetLine[] =>
  stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as FleetLine)

async function reaches(address: string): Promise<boolean> {
  return (await new LocalProber().probe({ kind: 'tcp', host: address, port: 22, timeoutMs: 2000 })).ok
}

describe.skipIf(skip)('fleet runs on a 10-host lab (sshguard blocks 3)', () => {
  const env = { ...process.env, RUNBOOK_LAB_DIR: ROOT, RUNBOOK_STATE_DIR: join(ROOT, '.state'), NO_COLOR: '1' }
  let lab: LabUpResult
  const address = (h: string): string => lab.state.hosts.find((x) => x.name === h)!.address
  const authLog = (h: string): string => join(lab.state.dir, 'hosts', h, 'auth.log')
  const logins = (h: string): number => (readFileSync(authLog(h), 'utf8').match(/Accepted publickey for root/g) ?? []).length
  const run = (args: string[]) => runCli(['run', 'unreachable-host', '--inventory', lab.inventory, '--json', ...args], env)

  beforeAll(async () => {
    lab = await labUp('sshguard-block', { name: LAB, env, webHosts: 10, faultHosts: ['web3', 'web6', 'web9'] })
  }, 180_000)

  afterAll(async () => {
    await labDown({ name: LAB, env })
    rmSync(ROOT, { recursive: true, force: true })
  }, 60_000)

  it('dry-run on --hosts all: the 3 blocked hosts form one group with one plan hash; one SSH login per host', async () => {
    for (const h of WEB) expect(await reaches(address(h)), h).toBe(!['web3', 'web6', 'web9'].includes(h))
    const before = Object.fromEntries(['bastion', ...WEB].map((h) => [h, logins(h)]))
    const dir = join(ROOT, 'dry')
    const r = await run(['--hosts', 'all', '--transcript', dir])
    expect(r.code, r.stderr).toBe(4)
    const events = lines(r.stdout)
    const finished = events.find((e) => e.type === 'fleet.finished')!
    expect(finished.exitCode).toBe(4)
    const groups = finished.groups!
    expect(groups.map((g) => [g.status, g.hosts])).toEqual([
      ['healthy', ['bastion', 'web1', 'web2', 'web4', 'web5', 'web7', 'web8', 'web10']],
      ['fix-proposed', ['web3', 'web6', 'web9']],
    ])
    expect(groups[1]!.fixStep).toBe('fix_sshguard')
    expect(groups[1]!.planHash).toMatch(/^[0-9a-f]{64}$/)
    expect(groups[1]!.summary).toContain('sshguard on <host> blocks')
    // One connection per host, reused by all its steps (reach_inside, gather, the fix check) ...
    for (const h of ['web3', 'web6', 'web9']) expect(logins(h) - before[h]!, h).toBe(1)
    // ... and none where the probe from here answered; the bastion: one, shared as every host's jump.
    for (const h of ['web1', 'web2', 'web10']) expect(logins(h) - before[h]!, h).toBe(0)
    expect(logins('bastion') - before.bastion!).toBe(1)
    // Nothing changed.
    for (const h of ['web3', 'web6', 'web9']) expect(await reaches(address(h))).toBe(false)

    // The fleet index, rendered by replay from the hosts' transcripts.
    const index = join(dir, 'fleet.json')
    const replay = await runCli(['replay', index], env)
    expect(replay.code).toBe(4)
    expect(replay.stdout).toContain(
      '8 healthy (reachable): bastion, web1, web2, web4, web5, web7, web8, web10; 3 fix proposed (fix_sshguard): web3, web6, web9',
    )
    // The group's evidence is shown once, not once per host.
    expect(replay.stdout.match(/evidence \(from web3, shown once for the group\)/g)).toHaveLength(1)
    expect(replay.stdout).not.toContain('evidence (from web6')
    expect(existsSync(join(dir, 'web6.jsonl'))).toBe(true)
  }, 180_000)

  it('--apply --yes --canary 1 --max-failures 1 lifts all 3 blocks, one approval for the group', async () => {
    const dir = join(ROOT, 'apply')
    const r = await run(['--hosts', 'all', '--apply', '--yes', '--canary', '1', '--max-failures', '1', '--transcript', dir])
    expect(r.code, r.stdout.slice(-3000) + r.stderr).toBe(5)
    const events = lines(r.stdout)
    expect(events.find((e) => e.type === 'fleet.started')!.plan).toContain(
      'stops after the 1st failed host of 11: then no new host starts, running hosts finish, and the hosts never started are listed',
    )
    const approvals = events.filter((e) => e.type === 'fleet.group')
    expect(approvals.map((e) => [e.hosts, e.approved])).toEqual([[['web3', 'web6', 'web9'], true]])
    const applied = events.filter((e) => e.type === 'host.finished' && e.phase === 'apply')
    // The group's canary (web3) first, alone; then the two others.
    expect(applied[0]!.host).toBe('web3')
    expect(applied.map((e) => [e.host, e.status]).sort()).toEqual([
      ['web3', 'fix-applied'],
      ['web6', 'fix-applied'],
      ['web9', 'fix-applied'],
    ])
    const finished = events.find((e) => e.type === 'fleet.finished')!
    expect(finished.stop).toBeNull()
    expect(finished.notStarted).toEqual([])
    for (const h of ['web3', 'web6', 'web9']) {
      expect(await reaches(address(h)), h).toBe(true)
      const t = readFileSync(join(dir, `${h}.apply.jsonl`), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { type: string; by?: string })
      const types = t.map((e) => e.type)
      // Per-host lock and commit-confirmed (an access fix), in the host's own transcript.
      expect(types).toEqual(
        expect.arrayContaining([
          'lock.acquired',
          'fix.revert_scheduled',
          'fix.applied',
          'fix.revert_cancelled',
          'fix.verified',
          'lock.released',
        ]),
      )
      expect(t.find((e) => e.type === 'fix.approved')!.by).toContain('(--yes)')
    }
  }, 240_000)

  it('two unfixable hosts: --max-failures 2 stops at the 2nd failure and lists the hosts whose fix never started', async () => {
    const blocked = ['web1', 'web2', 'web4', 'web5', 'web7']
    await Promise.all(blocked.map((h) => seedSshguardBlock(lab.state, h)))
    // Unfixable: sshguard.conf without WHITELIST_FILE, so the fix's first command fails (then it is rolled back).
    for (const h of ['web2', 'web4']) {
      const conf = join(lab.state.dir, 'hosts', h, 'sshguard.conf')
      writeFileSync(
        conf,
        readFileSync(conf, 'utf8')
          .split('\n')
          .filter((l) => !l.startsWith('WHITELIST_FILE='))
          .join('\n'),
      )
    }
    const dir = join(ROOT, 'budget')
    const r = await run([
      '--hosts',
      'web',
      '--apply',
      '--yes',
      '--canary',
      '1',
      '--max-failures',
      '2',
      '--concurrency',
      '1',
      '--transcript',
      dir,
    ])
    expect(r.code, r.stdout.slice(-3000) + r.stderr).toBe(10)
    const events = lines(r.stdout)
    expect(events.filter((e) => e.type === 'fleet.group').map((e) => e.hosts)).toEqual([blocked])
    const applied = events.filter((e) => e.type === 'host.finished' && e.phase === 'apply').map((e) => [e.host, e.status])
    expect(applied).toEqual([
      ['web1', 'fix-applied'],
      ['web2', 'fix-rolled-back'],
      ['web4', 'fix-rolled-back'],
    ])
    const finished = events.find((e) => e.type === 'fleet.finished')!
    expect(finished.stop!.reason).toBe('budget')
    expect(finished.notStarted).toEqual([
      { host: 'web5', phase: 'apply' },
      { host: 'web7', phase: 'apply' },
    ])
    expect(events.find((e) => e.type === 'fleet.stopped')!.notStarted).toEqual(finished.notStarted)
    // Never started: still blocked, no apply transcript. The canary's fix held.
    for (const h of ['web5', 'web7']) {
      expect(await reaches(address(h)), h).toBe(false)
      expect(existsSync(join(dir, `${h}.apply.jsonl`))).toBe(false)
    }
    expect(await reaches(address('web1'))).toBe(true)

    const replay = await runCli(['replay', join(dir, 'fleet.json')], env)
    expect(replay.code).toBe(10)
    expect(replay.stdout).toContain('stopped: failure budget reached: 2 failed host(s) (web2, web4), the budget trips at 2 (at web4)')
    expect(replay.stdout).toContain('fix never started (2, diagnosed only): web5, web7')
    expect(replay.stdout).toMatch(/2 × fix rolled back: web2, web4/)
  }, 300_000)
})
