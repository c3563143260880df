/**
 * Records fixtures/ssh-hardening/*.jsonl from REAL runs of the built CLI against the lab (root,
 * Linux): one fresh `brute-force` lab per case (real sshd with password logins on, real failed
 * logins from three addresses), plus, for some cases, a real change made to web1 first: a password
 * guessed by an attacker, a run of the fix itself, an admin's line before the Include, a missing
 * Include, a missing btmp or auth.log. With `parsers` it captures fixtures/parsers/auth-log/ from
 * the same lab instead.
 *
 *   npm run build && npx tsx test/helpers/record-ssh-hardening.ts [case...]
 *   npm run build && npx tsx test/helpers/record-ssh-hardening.ts parsers
 *
 * Only the lab's namespaces are touched (198.18.0.0/15), with its own lab root, so a lab you have
 * up is left alone; web1's files are its private copies (see src/lab/scenario-brute-force.ts).
 * Every lab is removed at the end, also on failure.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { labDown, labUp } from '../../src/lab/lab.ts'
import { attackerAddresses, bruteForceFiles, intrude, passwordLogin } from '../../src/lab/scenario-brute-force.ts'
import type { LabState } from '../../src/lab/state.ts'
import { judge, recordCases } from './record.ts'

const OUT = 'fixtures/ssh-hardening'
const PARSER_OUT = 'fixtures/parsers/auth-log'
// A lab root and name of your own (RUNBOOK_RECORD_LAB_DIR, RUNBOOK_RECORD_LAB) when others record at the same time.
const ROOT = process.env['RUNBOOK_RECORD_LAB_DIR'] ?? '/run/runbook-lab-record-sshh'
const NAME = process.env['RUNBOOK_RECORD_LAB'] ?? 'rec'
const env = { ...process.env, RUNBOOK_LAB_DIR: ROOT }
const cliEnv = { ...process.env, RUNBOOK_STATE_DIR: join(ROOT, 'state') }

type Prepare = (state: LabState, inventory: string) => Promise<void> | void

function runbook(inventory: string, extra: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('node', ['bin/runbook.js', 'run', 'ssh-hardening', '--host', 'web1', '--inventory', inventory, ...extra], {
    encoding: 'utf8',
    env: cliEnv,
    timeout: 180_000,
  })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

/** The fix, applied for real by the runbook itself (not recorded): web1 refuses passwords afterwards. */
export const applied: Prepare = (_state, inventory) => {
  const r = runbook(inventory, ['--apply', '--yes'])
  if (r.status !== 5) throw new Error(`applying the fix first exited ${r.status}:\n${r.stdout}${r.stderr}`)
}
/** Attacker 2 logs in as deploy with the right password, with a terminal (auth.log and wtmp). */
export const intrusion: Prepare = (state) => intrude(state)
/** An admin's line before the Include: sshd keeps the first value, so the drop-in cannot win. */
export const passwordBeforeInclude: Prepare = (state) => {
  const p = bruteForceFiles(state).sshdConfig
  // Written in place: the file is bind-mounted inside web1, a new inode would not be seen there.
  writeFileSync(p, readFileSync(p, 'utf8').replace(/^Include /m, '# Added by hand during an outage:\nPasswordAuthentication yes\nInclude '))
}
/** An older sshd_config without the Include of sshd_config.d: the drop-in would not be read. */
export const noInclude: Prepare = (state) => {
  const p = bruteForceFiles(state).sshdConfig
  writeFileSync(p, readFileSync(p, 'utf8').replace(/^Include .*\n/m, ''))
}
/** No btmp (lastb fails): a container or someone covering tracks. */
export const noBtmp: Prepare = (state) => {
  rmSync(join(bruteForceFiles(state).varLog, 'btmp'))
}
/** No auth.log (and no journal): the mount point goes, so web1 has no /var/log/auth.log any more. */
export const noAuthLog: Prepare = (state) => {
  rmSync(join(bruteForceFiles(state).varLog, 'auth.log'))
}

export interface Case {
  name: string
  prepare: Prepare[]
  apply: boolean
  expectExit: number
  outcome: string
}

export const CASES: Case[] = [
  { name: 'brute-force-dry-run', prepare: [], apply: false, expectExit: 4, outcome: '_proposed' },
  { name: 'brute-force-apply', prepare: [], apply: true, expectExit: 5, outcome: 'brute_force_hardening_needed' },
  { name: 'hardened-already', prepare: [applied], apply: false, expectExit: 0, outcome: 'hardened_already' },
  { name: 'intrusion', prepare: [intrusion], apply: false, expectExit: 3, outcome: 'intrusion_suspected' },
  { name: 'dropin-ignored-apply-rolled-back', prepare: [passwordBeforeInclude], apply: true, expectExit: 6, outcome: 'dropin_ignored' },
  { name: 'no-include-apply-refused', prepare: [noInclude], apply: true, expectExit: 9, outcome: '_refused' },
  { name: 'no-btmp', prepare: [noBtmp], apply: false, expectExit: 3, outcome: 'unreadable' },
  { name: 'no-auth-log', prepare: [noAuthLog], apply: false, expectExit: 3, outcome: 'unreadable' },
]

async function record(c: Case): Promise<boolean> {
  const up = await labUp('brute-force', { name: NAME, env })
  try {
    for (const p of c.prepare) await p(up.state, up.inventory)
    const transcript = join(OUT, `${c.name}.jsonl`)
    rmSync(transcript, { force: true })
    const r = runbook(up.inventory, ['--transcript', transcript, '--json', ...(c.apply ? ['--apply', '--yes'] : [])])
    return judge(c, r)
  } finally {
    await labDown({ name: NAME, env })
  }
}

/** Run a command on web1 over SSH (the lab inventory) and save it as a parser fixture. */
function capture(inventory: string, folder: string, name: string, command: string): void {
  const r = spawnSync('node', ['bin/runbook.js', 'exec', 'web1', '--inventory', inventory, '--json', '--', command], {
    encoding: 'utf8',
    env: cliEnv,
    timeout: 60_000,
  })
  const doc = JSON.parse(r.stdout) as { hosts: { result?: { stdout: string; stderr: string; exitCode: number | null } }[] }
  const result = doc.hosts[0]?.result
  if (!result) throw new Error(`capture ${name}: no result: ${r.stdout}${r.stderr}`)
  mkdirSync(folder, { recursive: true })
  const base = join(folder, name)
  writeFileSync(`${base}.cmd`, `${command}\n`)
  writeFileSync(`${base}.stdout`, result.stdout)
  writeFileSync(`${base}.exit`, `${result.exitCode}\n`)
  if (result.stderr !== '') writeFileSync(`${base}.stderr`, result.stderr)
  else rmSync(`${base}.stderr`, { force: true })
  console.log(`captured ${base} (exit ${result.exitCode}, ${result.stdout.split('\n').length - 1} lines)`)
}

const GREP = String.raw`grep -a -E ' sshd\[[0-9]+\]: (Failed |Invalid user |Accepted [^ ]+ for |Connection closed by (invalid|authenticating) user )' /var/log/auth.log`

async function captureParsers(): Promise<void> {
  const up = await labUp('brute-force', { name: NAME, env })
  try {
    capture(up.inventory, PARSER_OUT, 'lab-brute-force', 'cat /var/log/auth.log')
    capture(up.inventory, join(PARSER_OUT, 'malformed'), 'missing-file', 'tail -n 100 /var/log/secure')
    capture(up.inventory, join(PARSER_OUT, 'malformed'), 'last-output', 'last -F -i -w')
    await intrude(up.state)
    capture(up.inventory, PARSER_OUT, 'lab-intrusion', GREP)
  } finally {
    await labDown({ name: NAME, env })
  }
  // After the fix, bots find only public key logins: `Connection closed by ... [preauth]`, as in seed 003.
  const again = await labUp('brute-force', { name: NAME, env })
  try {
    await applied(again.state, again.inventory)
    const [a1, a2, a3] = attackerAddresses(again.state) as [string, string, string]
    await Promise.all(
      [
        ['pi', a1],
        ['root', a2],
        ['oracle', a3],
      ].map(([user, source]) => passwordLogin(again.state, { user: user!, password: 'guess', source: source! })),
    )
    capture(again.inventory, PARSER_OUT, 'lab-hardened', 'cat /var/log/auth.log')
  } finally {
    await labDown({ name: NAME, env })
  }
}

async function main(): Promise<void> {
  const cleanup = async (): Promise<void> => {
    await labDown({ name: NAME, env })
    rmSync(ROOT, { recursive: true, force: true })
  }
  if (process.argv.slice(2).includes('parsers')) {
    try {
      await captureParsers()
    } finally {
      await cleanup()
    }
    return
  }
  await recordCases({ script: 'record-ssh-hardening', out: OUT, cases: CASES, record, cleanup })
}

if (import.meta.url === `file://${process.argv[1]}`) await main()
