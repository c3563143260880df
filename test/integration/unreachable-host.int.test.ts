/**
 * `unreachable-host` end to end against real lab hosts (real sshguard, fail2ban, nft): for each
 * scenario, a dry-run names the block with the client address as evidence and leaves web1 exactly
 * as it was (firewall rules, sshguard whitelist, fail2ban jail.d); then `--apply --yes` lifts the
 * block (exit 5) and a TCP probe from the operator's address proves web1:22 answers again.
 * The CLI runs in-process through main(argv, io). Own lab root; torn down in afterAll even when a
 * test fails. Skipped with a banner when not root.
 */
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { main } from '../../src/cli/main.ts'
import { LocalProber } from '../../src/executors/probe.ts'
import { labDown } from '../../src/lab/lab.ts'
import { inNetns } from '../../src/lab/sys.ts'
import { announceSkip, startLab, type TestLab } from '../helpers/lab.ts'
import { runCli as cli, type CliEvent as Event } from '../helpers/cli.ts'

const SCENARIOS = ['sshguard-block', 'fail2ban-ban', 'nft-drop', 'iptables-legacy-drop'] as const
const skip = announceSkip('unreachable-host.int.test.ts', [...SCENARIOS])
const ROOT = '/run/runbook-lab-test-unreachable-host'
const LAB = 'uh'

/** Everything on web1 a fix may change, without counters, timestamps or handles' packet counts. */
function hostState(lab: TestLab): Record<string, string> {
  const ns = lab.netns('web1')
  const hostDir = join(lab.dir, 'hosts', 'web1')
  const f2bJails = join(hostDir, 'fail2ban', 'jail.d')
  const whitelist = join(hostDir, 'sshguard.whitelist')
  return {
    iptables: inNetns(ns, 'iptables-save', [])
      .split('\n')
      .filter((l) => !l.startsWith('#'))
      .map((l) => l.replace(/\[\d+:\d+\]/g, '[-]'))
      .join('\n'),
    iptablesLegacy: inNetns(ns, 'iptables-legacy-save', [])
      .split('\n')
      .filter((l) => !l.startsWith('#'))
      .map((l) => l.replace(/\[\d+:\d+\]/g, '[-]'))
      .join('\n'),
    nft: inNetns(ns, 'nft', ['list', 'ruleset']).replace(/counter packets \d+ bytes \d+/g, 'counter'),
    whitelist: existsSync(whitelist) ? readFileSync(whitelist, 'utf8') : '(none)',
    jailD: existsSync(f2bJails)
      ? readdirSync(f2bJails)
          .sort()
          .map(
            (f) =>
              `${f} ${createHash('sha256')
                .update(readFileSync(join(f2bJails, f)))
                .digest('hex')}`,
          )
          .join('\n')
      : '(none)',
  }
}

async function reaches(address: string): Promise<boolean> {
  const r = await new LocalProber().probe({ kind: 'tcp', host: address, port: 22, timeoutMs: 2000 })
  return r.ok
}

describe.skipIf(skip)('unreachable-host on the lab', () => {
  const env = { ...process.env, RUNBOOK_LAB_DIR: ROOT, RUNBOOK_STATE_DIR: join(ROOT, '.state') }
  const operators: string[] = []

  afterAll(async () => {
    // Torn down even when a test failed; the fixes' backups live in this machine's /var/tmp (lab hosts share it).
    await labDown({ name: LAB, env })
    for (const op of operators)
      for (const f of ['iptables-save', 'iptables-legacy-save', 'nft'])
        rmSync(`/var/tmp/runbook-unreachable-host.${op}.${f}`, { force: true })
    rmSync(ROOT, { recursive: true, force: true })
  }, 60_000)

  for (const scenario of SCENARIOS) {
    it(`${scenario}: dry-run diagnoses it and changes nothing; --apply --yes lifts it and web1:22 answers again`, async () => {
      const lab = await startLab(ROOT, scenario, LAB)
      const operator = lab.up.state.operatorAddress
      operators.push(operator)
      const web1 = lab.address('web1')
      expect(await reaches(web1)).toBe(false)
      const args = ['run', 'unreachable-host', '--host', 'web1', '--inventory', lab.inventory, '--param', `client_ip=${operator}`, '--json']

      const before = hostState(lab)
      const dry = await cli(args, env)
      expect(dry.code, dry.stderr).toBe(4)
      const proposed = dry.events.find((e) => e.type === 'outcome')!
      expect(proposed.id).toBe('_proposed')
      expect(proposed.summary).toContain(operator)
      expect(proposed.evidence!.some((e) => e.text.split('\n').some((l) => l.includes(operator)))).toBe(true)
      const fixed = {
        'sshguard-block': 'sshguard',
        'fail2ban-ban': 'fail2ban',
        'nft-drop': 'nftables',
        'iptables-legacy-drop': 'iptables-legacy',
      }[scenario]
      expect(proposed.summary).toContain(fixed)
      expect(hostState(lab)).toEqual(before)
      expect(await reaches(web1)).toBe(false)

      const applied = await cli([...args, '--apply', '--yes'], env)
      expect(applied.code, applied.stdout.slice(-2000) + applied.stderr).toBe(5)
      const outcome = applied.events.find((e) => e.type === 'outcome')!
      expect(outcome.id).toBe('unblocked')
      expect(outcome.evidence!.some((e) => e.text.includes(operator))).toBe(true)
      // A new connection from the operator's address, outside the engine.
      expect(await reaches(web1)).toBe(true)
      expect(hostState(lab)).not.toEqual(before)
      await lab.down()
    }, 120_000)
  }
})
