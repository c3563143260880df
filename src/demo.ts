/**
 * `npm run demo`: the main job, end to end on real parts. As root on Linux: bring up a lab where
 * real sshguard blocks the operator's address on web1, show that web1 is unreachable directly but
 * reachable through the bastion, run `unreachable-host` against it in dry-run, and tear the lab
 * down. Elsewhere: the local log-dir-full runbook on a generated directory.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { main } from './cli/main.ts'
import type { Io } from './cli/command.ts'
import { labStatus } from './lab/lab.ts'
import { SHIPPED_RUNBOOKS } from './library.ts'

const io: Io = {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
  signal: new AbortController().signal,
}
const say = (s: string) => process.stdout.write(`\n\u001b[1m== ${s}\u001b[0m\n`)
const cli = (...argv: string[]) => {
  process.stdout.write(`\n$ runbook ${argv.join(' ')}\n`)
  return main(argv, io)
}

async function labDemo(): Promise<number> {
  say('A lab where real sshguard blocks us on web1 (after real failed logins)')
  const up = await cli('lab', 'up', 'sshguard-block')
  if (up !== 0) return up
  try {
    const operator = labStatus()?.state.operatorAddress
    say('web1 is reachable through the bastion, not directly')
    await cli('exec', 'web1', '--', 'uptime')
    if (!existsSync(join(SHIPPED_RUNBOOKS, 'unreachable-host.yaml')) || !operator) {
      say('unreachable-host is not shipped yet: probing web1 with the port-check sample instead')
      return await cli('run', 'fixtures/runbooks/valid/port-check.yaml', '--host', 'web1')
    }
    say(`Diagnose it (dry-run: nothing changes; client_ip defaults to our own address, ${operator})`)
    return await cli('run', 'unreachable-host', '--host', 'web1')
  } finally {
    say('Tear the lab down')
    await cli('lab', 'down')
  }
}

async function localDemo(): Promise<number> {
  say('Not root on Linux: the lab needs both. Running the local sample instead.')
  const root = mkdtempSync(join(tmpdir(), 'runbook-demo-'))
  try {
    mkdirSync(join(root, 'log'))
    writeFileSync(join(root, 'log', 'syslog.1.gz'), Buffer.alloc(3_000_000, 1))
    writeFileSync(join(root, 'log', 'syslog'), Buffer.alloc(100_000, 1))
    return await cli(
      'run',
      'log-dir-full',
      '--local',
      '--param',
      `dir=${join(root, 'log')}`,
      '--param',
      'max_dir_mb=2',
      '--param',
      `archive=${join(root, 'rotated.tar')}`,
    )
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}

const isLabCapable = process.platform === 'linux' && process.getuid?.() === 0
const code = isLabCapable ? await labDemo() : await localDemo()
say(`runbook exited ${code} (see the exit codes in README.md)`)
// The demo itself succeeded whatever the diagnosis: 0..6 are diagnoses, not failures.
process.exitCode = code <= 6 ? 0 : code
