/**
 * The firewall-objects parser's fixtures are the real output of the firewall/find-address action
 * on lab hosts: taken from the unreachable-host transcripts (recorded by
 * test/helpers/record-unreachable-host.ts), one case per kind of block. Re-run after re-recording:
 * `npx tsx test/unit/parsers/capture-firewall-objects.ts`, then the snapshot test with -u.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const OUT = 'fixtures/parsers/firewall-objects'
const CASES = ['sshguard-dry-run', 'fail2ban-dry-run', 'iptables-rule-dry-run', 'iptables-legacy-dry-run', 'nft-drop-dry-run', 'nft-set-still-blocked', 'route-blackhole-no-block']

mkdirSync(OUT, { recursive: true })
for (const name of CASES) {
  const events = readFileSync(join('fixtures/unreachable-host', `${name}.jsonl`), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))
  const e = events.find((x) => x.type === 'command.finished' && x.spec.action === 'firewall/find-address@1')
  if (!e?.result) throw new Error(`${name}: no firewall/find-address command in the transcript`)
  writeFileSync(join(OUT, `${name}.stdout`), e.result.stdout)
  if (e.result.stderr) writeFileSync(join(OUT, `${name}.stderr`), e.result.stderr)
  writeFileSync(join(OUT, `${name}.exit`), `${e.result.exitCode}\n`)
  writeFileSync(join(OUT, `${name}.cmd`), `firewall/find-address@1 on a lab host (fixtures/unreachable-host/${name}.jsonl)\n`)
  console.log(`== firewall-objects/${name}`)
}
