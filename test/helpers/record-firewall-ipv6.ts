/**
 * Records fixtures/actions/firewall/find-address.ipv6.jsonl: a REAL run of the firewall/find-address
 * test bed (`--local`) inside a network namespace of its own, where an address of the IPv6
 * documentation range is dropped twice: by an ip6tables rule (iptables-nft) and by a native nft
 * rule. The lab hosts are IPv4 only; this is the action's IPv6 variant (ip6tables, ip6 tables).
 * No packet is sent: the rules only name the address. Root, Linux:
 *
 *   npm run build && npx tsx test/helpers/record-firewall-ipv6.ts
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inNetns, netnsExists, sh } from '../../src/lab/sys.ts'

const NETNS = process.env['RUNBOOK_RECORD_NETNS'] ?? 'rb-record-fw6'
const OUT = 'fixtures/actions/firewall/find-address.ipv6.jsonl'
const ADDRESS = '2001:db8::7'

if (process.getuid?.() !== 0) throw new Error('record-firewall-ipv6 needs root (it makes a network namespace)')
const state = mkdtempSync(join(tmpdir(), 'rb-fw6-'))
if (netnsExists(NETNS)) sh('ip', ['netns', 'del', NETNS])
sh('ip', ['netns', 'add', NETNS])
try {
  inNetns(NETNS, 'ip6tables', ['-w', '-I', 'INPUT', '-s', ADDRESS, '-m', 'comment', '--comment', 'blocked by hand', '-j', 'DROP'])
  inNetns(
    NETNS,
    'nft',
    ['-f', '-'],
    `table inet blocklist {\n  chain input { type filter hook input priority filter; policy accept; ip6 saddr ${ADDRESS} drop; }\n}\n`,
  )
  rmSync(OUT, { force: true })
  const r = spawnSync(
    'ip',
    [
      'netns',
      'exec',
      NETNS,
      'node',
      'bin/runbook.js',
      'run',
      'fixtures/actions/firewall/find-address.yaml',
      '--local',
      '--param',
      'host=localhost',
      '--param',
      `client_ip=${ADDRESS}`,
      '--transcript',
      OUT,
      '--json',
    ],
    { encoding: 'utf8', env: { ...process.env, RUNBOOK_STATE_DIR: join(state, 'state') } },
  )
  const outcome = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { type: string; id?: string })
    .find((e) => e.type === 'outcome')?.id
  console.log(`${outcome === 'nft_rule' ? 'ok  ' : 'FAIL'} ipv6: exit ${r.status}, outcome ${outcome} (expected nft_rule)`)
  if (outcome !== 'nft_rule') {
    console.error(r.stderr)
    process.exitCode = 1
  }
} finally {
  sh('ip', ['netns', 'del', NETNS])
  rmSync(state, { recursive: true, force: true })
}
