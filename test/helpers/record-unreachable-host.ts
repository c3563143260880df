/**
 * Records fixtures/unreachable-host/*.jsonl from REAL runs of the built CLI against the lab (root,
 * Linux): one fresh lab per case, the scenario's fault seeded by `runbook lab`, plus, for some
 * cases, an extra real fault made inside web1's network namespace (a blackhole route to the
 * operator, a plain iptables rule, an nft set, the host's link down). Re-record after changing the
 * runbook: `npm run build && npx tsx test/helpers/record-unreachable-host.ts [case...]`.
 *
 * Only the lab's namespaces are touched (198.18.0.0/15); its own lab root, so a lab you have up is
 * left alone. Every lab is removed at the end, also on failure.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { labDown, labUp } from '../../src/lab/lab.ts'
import { inNetns } from '../../src/lab/sys.ts'
import type { LabState } from '../../src/lab/state.ts'
import { judge, recordCases } from './record.ts'

const OUT = 'fixtures/unreachable-host'
// A lab root and name of your own (RUNBOOK_RECORD_LAB_DIR, RUNBOOK_RECORD_LAB) when others record at the same time.
const ROOT = process.env['RUNBOOK_RECORD_LAB_DIR'] ?? '/run/runbook-lab-record-uh'
const LAB = process.env['RUNBOOK_RECORD_LAB'] ?? 'rec'
const env = { ...process.env, RUNBOOK_LAB_DIR: ROOT }

type Extra = (web1: string, op: string) => void

/** Replies to the operator go nowhere: the host looks blocked, yet no firewall object names the operator. */
export const blackhole: Extra = (ns, op) => {
  inNetns(ns, 'ip', ['route', 'add', 'blackhole', `${op}/32`])
}
/** A plain iptables rule (with a quoted comment, as people write them). */
export const iptablesRule: Extra = (ns, op) => {
  inNetns(ns, 'iptables', ['-w', '-I', 'INPUT', '-s', op, '-m', 'comment', '--comment', 'blocked by hand', '-j', 'DROP'])
}
/** A drop through an nft set of its own (not sshguard's or fail2ban's): reported, not edited. */
export const nftSet: Extra = (ns, op) => {
  inNetns(
    ns,
    'nft',
    ['-f', '-'],
    [
      'table inet blocklist {',
      '  set deny { type ipv4_addr; elements = { ' + op + ' } }',
      '  chain input { type filter hook input priority filter; policy accept; ip saddr @deny drop; }',
      '}',
      '',
    ].join('\n'),
  )
}
/** Only port 8080 is dropped for the operator: SSH still works directly, with no bastion. */
export const port8080Rule: Extra = (ns, op) => {
  inNetns(ns, 'iptables', ['-w', '-I', 'INPUT', '-s', op, '-p', 'tcp', '--dport', '8080', '-j', 'DROP'])
}
/** The host's only link is down: nobody reaches it. */
export const linkDown: Extra = (ns) => {
  inNetns(ns, 'ip', ['link', 'set', 'eth0', 'down'])
}

export interface Case {
  name: string
  scenario: string
  extras: Extra[]
  apply: boolean
  params?: Record<string, string>
  /** `address`: name web1 by root@<address>, so no inventory bastion applies (facts.bastion is null). */
  host?: 'address'
  expectExit: number
  outcome: string
}

export const CASES: Case[] = [
  { name: 'healthy-reachable', scenario: 'healthy', extras: [], apply: false, expectExit: 0, outcome: 'reachable' },
  {
    name: 'port-closed-for-everyone',
    scenario: 'healthy',
    extras: [],
    apply: false,
    params: { port: '8080', bastion: 'bastion' },
    expectExit: 3,
    outcome: 'down_for_everyone',
  },
  { name: 'host-down', scenario: 'healthy', extras: [linkDown], apply: false, expectExit: 3, outcome: 'down_for_everyone' },
  { name: 'route-blackhole-no-block', scenario: 'healthy', extras: [blackhole], apply: false, expectExit: 3, outcome: 'no_block_found' },
  { name: 'nft-set-still-blocked', scenario: 'healthy', extras: [nftSet], apply: false, expectExit: 3, outcome: 'still_blocked' },
  {
    name: 'sshguard-dry-run',
    scenario: 'sshguard-block',
    extras: [],
    apply: false,
    params: { bastion: 'bastion' },
    expectExit: 4,
    outcome: '_proposed',
  },
  { name: 'sshguard-apply', scenario: 'sshguard-block', extras: [], apply: true, expectExit: 5, outcome: 'unblocked' },
  {
    name: 'sshguard-apply-rolled-back',
    scenario: 'sshguard-block',
    extras: [blackhole],
    apply: true,
    expectExit: 6,
    outcome: 'not_the_cause',
  },
  { name: 'fail2ban-dry-run', scenario: 'fail2ban-ban', extras: [], apply: false, expectExit: 4, outcome: '_proposed' },
  { name: 'fail2ban-apply', scenario: 'fail2ban-ban', extras: [], apply: true, expectExit: 5, outcome: 'unblocked' },
  {
    name: 'fail2ban-apply-rolled-back',
    scenario: 'fail2ban-ban',
    extras: [blackhole],
    apply: true,
    expectExit: 6,
    outcome: 'not_the_cause',
  },
  { name: 'iptables-rule-dry-run', scenario: 'healthy', extras: [iptablesRule], apply: false, expectExit: 4, outcome: '_proposed' },
  { name: 'iptables-rule-apply', scenario: 'healthy', extras: [iptablesRule], apply: true, expectExit: 5, outcome: 'unblocked' },
  {
    name: 'iptables-rule-apply-rolled-back',
    scenario: 'healthy',
    extras: [iptablesRule, blackhole],
    apply: true,
    expectExit: 6,
    outcome: 'not_the_cause',
  },
  { name: 'nft-drop-dry-run', scenario: 'nft-drop', extras: [], apply: false, expectExit: 4, outcome: '_proposed' },
  { name: 'nft-drop-apply', scenario: 'nft-drop', extras: [], apply: true, expectExit: 5, outcome: 'unblocked' },
  { name: 'nft-drop-apply-rolled-back', scenario: 'nft-drop', extras: [blackhole], apply: true, expectExit: 6, outcome: 'not_the_cause' },
  {
    name: 'direct-port-rule-dry-run',
    scenario: 'healthy',
    extras: [port8080Rule],
    apply: false,
    host: 'address',
    params: { port: '8080' },
    expectExit: 4,
    outcome: '_proposed',
  },
  { name: 'iptables-legacy-dry-run', scenario: 'iptables-legacy-drop', extras: [], apply: false, expectExit: 4, outcome: '_proposed' },
  { name: 'iptables-legacy-apply', scenario: 'iptables-legacy-drop', extras: [], apply: true, expectExit: 5, outcome: 'unblocked' },
  {
    name: 'iptables-legacy-apply-rolled-back',
    scenario: 'iptables-legacy-drop',
    extras: [blackhole],
    apply: true,
    expectExit: 6,
    outcome: 'not_the_cause',
  },
]

function web1(state: LabState): LabState['hosts'][number] {
  return state.hosts.find((h) => h.name === 'web1')!
}

async function record(c: Case): Promise<boolean> {
  const up = await labUp(c.scenario, { name: LAB, env })
  try {
    const w = web1(up.state)
    for (const extra of c.extras) extra(w.netns, up.state.operatorAddress)
    const transcript = join(OUT, `${c.name}.jsonl`)
    rmSync(transcript, { force: true })
    const params = { client_ip: up.state.operatorAddress, ...c.params }
    const args = [
      'bin/runbook.js',
      'run',
      'unreachable-host',
      '--host',
      c.host === 'address' ? `root@${w.address}` : 'web1',
      '--inventory',
      up.inventory,
      ...Object.entries(params).flatMap(([k, v]) => ['--param', `${k}=${v}`]),
      '--transcript',
      transcript,
      '--json',
      ...(c.apply ? ['--apply', '--yes'] : []),
    ]
    const r = spawnSync('node', args, {
      encoding: 'utf8',
      env: { ...process.env, RUNBOOK_STATE_DIR: join(ROOT, 'state') },
      timeout: 120_000,
    })
    return judge(c, r)
  } finally {
    await labDown({ name: LAB, env })
  }
}

async function main(): Promise<void> {
  await recordCases({
    script: 'record-unreachable-host',
    out: OUT,
    cases: CASES,
    record,
    cleanup: async () => {
      await labDown({ name: LAB, env })
      rmSync(ROOT, { recursive: true, force: true })
      // Backups the fixes write on the host (lab hosts share this machine's /var/tmp).
      spawnSync('sh', ['-c', 'rm -f /var/tmp/runbook-unreachable-host.198.18.*'])
    },
  })
}

if (import.meta.url === `file://${process.argv[1]}`) await main()
