/**
 * The firewall-objects parser's fixtures are the real output of the firewall/find-address action:
 * taken from the unreachable-host transcripts (lab hosts, recorded by
 * test/helpers/record-unreachable-host.ts), one case per kind of block, and from its IPv6 run
 * (test/helpers/record-firewall-ipv6.ts). Re-run after re-recording:
 * `npx tsx test/unit/parsers/capture-firewall-objects.ts`, then the snapshot test with -u.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const OUT = 'fixtures/parsers/firewall-objects'
const CASES = [
  'sshguard-dry-run',
  'fail2ban-dry-run',
  'iptables-rule-dry-run',
  'iptables-legacy-dry-run',
  'nft-drop-dry-run',
  'nft-set-still-blocked',
  'route-blackhole-no-block',
]
  .map((c) => [c, join('fixtures/unreachable-host', `${c}.jsonl`)])
  // IPv6 (ip6tables and an ip6 nft rule), from test/helpers/record-firewall-ipv6.ts.
  .concat([['ipv6-ip6tables-and-nft', 'fixtures/actions/firewall/find-address.ipv6.jsonl']])

mkdirSync(OUT, { recursive: true })
for (const [name, transcript] of CASES as Array<[string, string]>) {
  const events = readFileSync(transcript, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
  const e = events.find((x) => x.type === 'command.finished' && x.spec.action === 'firewall/find-address@1')
  if (!e?.result) throw new Error(`${name}: no firewall/find-address command in the transcript`)
  writeFileSync(join(OUT, `${name}.stdout`), e.result.stdout)
  if (e.result.stderr) writeFileSync(join(OUT, `${name}.stderr`), e.result.stderr)
  writeFileSync(join(OUT, `${name}.exit`), `${e.result.exitCode}\n`)
  writeFileSync(join(OUT, `${name}.cmd`), `firewall/find-address@1 (${transcript})\n`)
  console.log(`== firewall-objects/${name}`)
}
