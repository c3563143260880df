/**
 * `ssh-hardening` end to end against the `brute-force` lab (real sshd with password logins on, real
 * failed logins for pi/oracle/tomcat/admin/root from three addresses): a dry-run shows the attempted
 * users and source addresses and leaves web1 exactly as it was (`sshd -T`, every file under its
 * /etc/ssh); then `--apply --yes` turns passwords off (exit 5): `sshd -T` says
 * `passwordauthentication no`, a password login with the right password now fails, and the
 * operator's key login still works. The machine's own /etc/ssh and logs are never touched (web1's
 * are private mounts). The CLI runs in-process through main(argv, io). Own lab root; torn down in
 * afterAll even when a test fails. Skipped with a banner when not root.
 */
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../../src/cli/main.ts'
import { labDown } from '../../src/lab/lab.ts'
import { attackerAddresses, deployPassword, operatorLogin, passwordLogin } from '../../src/lab/scenario-brute-force.ts'
import { announceSkip, startLab, type TestLab } from '../helpers/lab.ts'
import { runCli as cli, type CliEvent as Event } from '../helpers/cli.ts'

const skip = announceSkip('ssh-hardening.int.test.ts', ['brute-force'])
const ROOT = '/run/runbook-lab-test-ssh-hardening'
const LAB = 'sshh'
const DROPIN = '/etc/ssh/sshd_config.d/01-runbook-ssh-hardening.conf'

/** A command on web1 over SSH (through the bastion, as the runbook reaches it). */
async function onWeb1(lab: TestLab, env: NodeJS.ProcessEnv, command: string): Promise<string> {
  const r = await cli(['exec', 'web1', '--inventory', lab.inventory, '--json', '--', command], env)
  const doc = JSON.parse(r.stdout) as { hosts: { result?: { stdout: string; exitCode: number } }[] }
  const result = doc.hosts[0]?.result
  if (result?.exitCode !== 0) throw new Error(`on web1: ${command}: ${r.stdout}${r.stderr}`)
  return result.stdout
}

/** What the fix may change on web1: sshd's effective config and every file under its /etc/ssh. */
async function web1State(lab: TestLab, env: NodeJS.ProcessEnv): Promise<{ sshdT: string; files: string }> {
  return {
    sshdT: await onWeb1(lab, env, 'sshd -T'),
    files: await onWeb1(
      lab,
      env,
      'cd /etc/ssh && find . \\( -type f -o -type l \\) | sort | xargs sha256sum && ls -la --time-style=full-iso sshd_config.d',
    ),
  }
}

/** The machine's own /etc/ssh (names, sizes, hashes): web1's is a private copy, this must never change. */
function machineEtcSsh(): string {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
      const p = join(dir, d.name)
      if (d.isDirectory()) return [`${p}/`, ...walk(p)]
      return [`${p} ${statSync(p).mode.toString(8)} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`]
    })
  return walk('/etc/ssh').sort().join('\n')
}

/** Failed logins the machine's own btmp holds from the given addresses (web1's btmp is private). */
function machineBtmpFrom(addresses: string[]): string[] {
  if (!existsSync('/var/log/btmp')) return []
  const out = spawnSync('lastb', ['-F', '-i', '-w', '-f', '/var/log/btmp'], { encoding: 'utf8' }).stdout
  return out.split('\n').filter((l) => addresses.some((a) => l.includes(` ${a} `)))
}

describe.skipIf(skip)('ssh-hardening on the brute-force lab', () => {
  const env = { ...process.env, RUNBOOK_LAB_DIR: ROOT, RUNBOOK_STATE_DIR: join(ROOT, '.state') }
  let lab: TestLab
  let attackers: string[] = []
  const machineBefore = skip ? '' : machineEtcSsh()

  beforeAll(async () => {
    lab = await startLab(ROOT, 'brute-force', LAB)
    attackers = attackerAddresses(lab.up.state)
  }, 120_000)

  afterAll(async () => {
    // Torn down even when a test failed.
    await labDown({ name: LAB, env })
    rmSync(ROOT, { recursive: true, force: true })
    // The machine's own sshd config and logs were never touched.
    expect(machineEtcSsh()).toBe(machineBefore)
    expect(existsSync(DROPIN)).toBe(false)
    expect(machineBtmpFrom(attackers)).toEqual([])
    if (existsSync('/var/log/auth.log')) expect(attackers.filter((a) => readFileSync('/var/log/auth.log', 'utf8').includes(a))).toEqual([])
  }, 60_000)

  const args = (): string[] => ['run', 'ssh-hardening', '--host', 'web1', '--inventory', lab.inventory, '--json']

  it('dry-run: shows the attempted users and source addresses, proposes the drop-in, changes nothing on web1', async () => {
    const before = await web1State(lab, env)
    expect(before.sshdT).toMatch(/^passwordauthentication yes$/m)
    expect(before.sshdT).toMatch(/^permitrootlogin yes$/m)

    const dry = await cli(args(), env)
    expect(dry.code, dry.stderr + dry.stdout.slice(-2000)).toBe(4)
    const outcome = dry.events.find((e) => e.type === 'outcome')!
    expect(outcome.id).toBe('_proposed')
    for (const user of ['pi', 'oracle', 'tomcat', 'admin', 'root']) expect(outcome.summary).toMatch(new RegExp(`\\b${user} \\(\\d+\\)`))
    for (const a of attackers) expect(outcome.summary).toContain(a)
    expect(outcome.summary).toContain(DROPIN)
    // The evidence: sshd's effective values and the config lines that set them.
    const evidence = outcome.evidence!.map((e) => e.text).join('\n')
    expect(evidence).toContain('passwordauthentication yes')
    expect(evidence).toContain('/etc/ssh/sshd_config:3:Include /etc/ssh/sshd_config.d/*.conf')
    const auth = dry.events.find((e) => e.type === 'result.parsed' && e.step === 'auth_log')!.value as {
      bySource: Record<string, number>
      byUser: Record<string, number>
    }
    expect(Object.keys(auth.bySource).sort()).toEqual([...attackers].sort())
    expect(auth.byUser['pi']).toBeGreaterThanOrEqual(3)

    expect(await web1State(lab, env)).toEqual(before)
  }, 180_000)

  it('the password of deploy really works before the fix (from an address that never failed)', async () => {
    const web2 = lab.address('web2')
    const r = await passwordLogin(lab.up.state, { user: 'deploy', password: deployPassword(lab.up.state), source: web2 })
    expect(r.status, r.output).toBe(0)
  }, 60_000)

  it('--apply as a user who logged in with a password and has no key: refused before any change (exit 9), saying why', async () => {
    const before = await web1State(lab, env)
    // deploy logs in with its real password (the lab key is offered first and refused: no authorized key).
    const asDeploy = { ...env, RUNBOOK_SSH_PASSWORD: deployPassword(lab.up.state) }
    const r = await cli(
      ['run', 'ssh-hardening', '--host', 'deploy@web1', '--inventory', lab.inventory, '--json', '--apply', '--yes'],
      asDeploy,
    )
    expect(r.code, r.stderr + r.stdout.slice(-2000)).toBe(9)
    const refused = r.events.find((e) => e.type === 'fix.refused') as (Event & { reason?: string }) | undefined
    expect(refused?.reason).toContain('has no key in ~/.ssh/authorized_keys')
    expect(refused?.reason).toContain('did not log in with a key')
    expect(r.events.find((e) => e.type === 'outcome')!.id).toBe('_refused')
    // Nothing mutating was even attempted, and web1 is exactly as it was.
    expect(r.events.filter((e) => e.type === 'command.started' && (e as { spec?: { mutating: boolean } }).spec?.mutating)).toEqual([])
    expect(await web1State(lab, env)).toEqual(before)
    // The password never reached the transcript events.
    expect(r.stdout).not.toContain(deployPassword(lab.up.state))
  }, 180_000)

  it('--apply --yes: passwords off (sshd -T), a right password is refused, the operator key still works', async () => {
    const applied = await cli([...args(), '--apply', '--yes'], env)
    expect(applied.code, applied.stderr + applied.stdout.slice(-3000)).toBe(5)
    const outcome = applied.events.find((e) => e.type === 'outcome')!
    expect(outcome.id).toBe('brute_force_hardening_needed')
    expect(outcome.evidence!.map((e) => e.text).join('\n')).toContain('Permission denied (publickey)')

    const after = await onWeb1(lab, env, 'sshd -T')
    expect(after).toMatch(/^passwordauthentication no$/m)
    expect(after).toMatch(/^permitrootlogin without-password$/m)
    expect(await onWeb1(lab, env, `cat ${DROPIN}`)).toContain('PasswordAuthentication no')

    const web2 = lab.address('web2')
    const pw = await passwordLogin(lab.up.state, { user: 'deploy', password: deployPassword(lab.up.state), source: web2 })
    expect(pw.status).toBe(255)
    expect(pw.output).toContain('Permission denied (publickey)')
    const key = operatorLogin(lab.up.state, 'echo key-login-ok')
    expect(key.status, key.stderr).toBe(0)
    expect(key.stdout).toContain('key-login-ok')

    // The engine's backup of the drop-in and its lock lived in web1's private home, not on the machine.
    expect(readdirSync(join(lab.dir, 'hosts', 'web1', 'home', '.runbook', 'backups')).length).toBe(1)

    // Run again: nothing left to do.
    const again = await cli(args(), env)
    expect(again.code, again.stdout.slice(-2000)).toBe(0)
    expect(again.events.find((e) => e.type === 'outcome')!.id).toBe('hardened_already')
  }, 180_000)
})
