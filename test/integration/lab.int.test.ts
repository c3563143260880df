/**
 * `runbook lab` scenarios end to end, through the CLI commands: the seeded fault really blocks the
 * operator, the web host stays reachable through the bastion, `runbook exec web1` finds the lab's
 * inventory with no flags, and `lab down` leaves no namespace, link, process or file behind (also
 * after a crash).
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import execCommand from '../../src/cli/commands/exec.ts'
import labCommand from '../../src/cli/commands/lab.ts'
import { readState, type LabState } from '../../src/lab/state.ts'
import { pidAlive } from '../../src/lab/sys.ts'
import { announceSkip, runCommand } from '../helpers/lab.ts'

const skip = announceSkip('lab.int.test.ts', ['healthy', 'sshguard-block', 'fail2ban-ban', 'nft-drop'])
const ROOT = '/run/runbook-lab-test-lab'
const env = { ...process.env, RUNBOOK_LAB_DIR: ROOT }
const lab = (...argv: string[]): ReturnType<typeof runCommand> => runCommand(labCommand, argv, env)
const exec = (...argv: string[]): ReturnType<typeof runCommand> => runCommand(execCommand, argv, env)

/** Everything a lab left on the machine, for the "nothing left behind" checks. */
function leftovers(state: LabState): string[] {
  const out: string[] = []
  const netns = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout
  for (const h of state.hosts) {
    if (netns.includes(h.netns)) out.push(`netns ${h.netns}`)
    if (spawnSync('ip', ['link', 'show', h.veth]).status === 0) out.push(`veth ${h.veth}`)
    if (h.pid !== undefined && pidAlive(h.pid)) out.push(`pid ${h.pid}`) // zombies of this test process do not count
  }
  if (spawnSync('ip', ['link', 'show', state.bridge]).status === 0) out.push(`bridge ${state.bridge}`)
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(state.dir) && pidAlive(Number(pid))) out.push(`process ${pid}`)
    } catch {
      /* exited meanwhile */
    }
  }
  if (existsSync(state.dir)) out.push(`folder ${state.dir}`)
  return out
}

function sshDirect(state: LabState, host: string): { status: number | null; stderr: string; ms: number } {
  const t0 = performance.now()
  const r = spawnSync(
    'ssh',
    ['-F', join(state.dir, 'ssh_config'), '-o', 'ProxyJump=none', '-o', 'ConnectTimeout=2', '-o', 'BatchMode=yes', host, 'true'],
    { encoding: 'utf8', timeout: 10_000 },
  )
  return { status: r.status, stderr: r.stderr, ms: performance.now() - t0 }
}

describe.skipIf(skip)('runbook lab', () => {
  const seen: LabState[] = []
  const current = (): LabState => {
    const s = readState(join(ROOT, 'default'))
    if (!s) throw new Error('no lab state')
    seen.push(s)
    return s
  }

  afterAll(async () => {
    // Torn down even when a test failed.
    await lab('down')
    for (const s of seen) expect(leftovers(s)).toEqual([])
  })

  it('sshguard-block: the operator is really blocked, web1 still works through the bastion, with no flags', async () => {
    const up = await lab('up', 'sshguard-block')
    expect(up.code, up.stderr).toBe(0)
    expect(up.stdout).toMatch(/sshguard blocked 198\.18\.\d+\.1 after \d+ failed logins/)
    const state = current()
    const ssh = sshDirect(state, 'web1')
    expect(ssh.status).toBe(255)
    expect(ssh.stderr).toMatch(/timed out/i)
    expect(sshDirect(state, 'web2').status).toBe(0)
    const r = await exec('web1', '--', 'uptime')
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(r.stdout).toMatch(/web1\s+ok exit 0/)
    expect(r.stdout).toContain('load average')
    // The rule sshguard wrote, read on the host itself over SSH.
    const rules = await exec('web1', '--json', '--', 'iptables -S sshguard')
    const doc = JSON.parse(rules.stdout) as { hosts: { result: { stdout: string } }[] }
    expect(doc.hosts[0]!.result.stdout).toContain(`-A sshguard -s ${state.operatorAddress}/32 -j DROP`)
  }, 60_000)

  it('lab up is idempotent and status reports the seeded fault', async () => {
    const before = current()
    const again = await lab('up', 'sshguard-block')
    expect(again.code).toBe(0)
    expect(again.stdout).toContain('Lab already up')
    expect(current().hosts.map((h) => h.pid)).toEqual(before.hosts.map((h) => h.pid))
    const st = await lab('status')
    expect(st.code).toBe(0)
    expect(st.stdout).toMatch(/web1 .* running\s+seeded: web1: sshguard blocked/)
  })

  it('exec exits 7 for an unreachable host and 3 for a failing command', async () => {
    const state = current()
    const blocked = await exec(`root@${state.hosts.find((h) => h.name === 'web1')!.address}`, '--connect-timeout', '500ms', '--', 'true')
    expect(blocked.code).toBe(7)
    expect(blocked.stdout).toContain('UNREACHABLE (timeout)')
    const failing = await exec('web', '--', 'exit 1')
    expect(failing.code).toBe(3)
  })

  it('lab down removes everything, also after a crash (host process killed, state left behind)', async () => {
    const state = current()
    process.kill(state.hosts[0]!.pid!, 'SIGKILL') // a crash: the host dies, the lab state stays
    // A signal is not instant: give the host a moment to die before asking.
    let st = await lab('status')
    for (let i = 0; i < 20 && !st.stdout.includes('BROKEN'); i++) {
      await new Promise((r) => setTimeout(r, 100))
      st = await lab('status')
    }
    expect(st.stdout).toContain('BROKEN')
    const down = await lab('down')
    expect(down.code).toBe(0)
    expect(down.stdout).toContain('removed')
    expect(leftovers(state)).toEqual([])
  })

  it('fail2ban-ban: the sshd jail bans the operator (REJECT: refused), web1 still works through the bastion', async () => {
    const up = await lab('up', 'fail2ban-ban')
    expect(up.code, up.stderr).toBe(0)
    expect(up.stdout).toMatch(/fail2ban jail sshd banned/)
    const state = current()
    const r = await exec(`root@${state.hosts.find((h) => h.name === 'web1')!.address}`, '--json', '--connect-timeout', '2s', '--', 'true')
    expect(r.code).toBe(7)
    expect((JSON.parse(r.stdout) as { hosts: { error: { kind: string } }[] }).hosts[0]!.error.kind).toBe('refused')
    const via = await exec('web1', '--', 'fail2ban-client -s ' + join(state.dir, 'hosts', 'web1', 'f2b', 'fail2ban.sock') + ' status sshd')
    expect(via.code, via.stdout).toBe(0)
    expect(via.stdout).toContain(state.operatorAddress)
    await lab('down')
    expect(leftovers(state)).toEqual([])
  }, 90_000)

  it('nft-drop: a plain nft rule drops the operator (timeout), web1 still works through the bastion', async () => {
    const up = await lab('up', 'nft-drop')
    expect(up.code, up.stderr).toBe(0)
    const state = current()
    const t0 = performance.now()
    const r = await exec(`root@${state.hosts.find((h) => h.name === 'web1')!.address}`, '--json', '--connect-timeout', '1s', '--', 'true')
    expect(performance.now() - t0).toBeLessThan(3000)
    expect((JSON.parse(r.stdout) as { hosts: { error: { kind: string } }[] }).hosts[0]!.error.kind).toBe('timeout')
    const via = await exec('web1', '--', 'nft list ruleset')
    expect(via.code).toBe(0)
    expect(via.stdout).toContain(`ip saddr ${state.operatorAddress}`)
    await lab('down')
    expect(leftovers(state)).toEqual([])
  }, 60_000)
})
