/**
 * `npm run bench:ssh`: on a lab fleet of N hosts (N = 1, 10, 50), a 6-command diagnostic set per
 * host through runbook's SSH executor (pool + fanOut, what `runbook exec` uses) against a minimal
 * raw-ssh2 script doing the same (the floor), OpenSSH with ControlMaster, and Ansible ad-hoc when
 * installed. Linux + root (it builds a lab). Raw ssh2 is imported here on purpose: it is the baseline.
 */
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import ssh2 from 'ssh2'
import { SshExecutorFactory, fanOut } from '../executors/pool.ts'
import { SshConfigFile } from '../executors/ssh-config.ts'
import { loadInventory } from '../inventory/load.ts'
import { labDown, labUp } from '../lab/lab.ts'

const COMMANDS = [
  'cat /proc/loadavg',
  'systemctl --failed --no-legend 2>/dev/null || true',
  'ss -tn state established 2>/dev/null | wc -l',
  'iptables -S 2>/dev/null || true',
  'tail -n 20 /var/log/syslog 2>/dev/null || true',
  'cat /proc/meminfo | head -5',
]

interface Fleet { addresses: string[]; key: string; inventory: string; dir: string }

async function runbookExec(fleet: Fleet, inventory: ReturnType<typeof loadInventory>): Promise<void> {
  const f = new SshExecutorFactory({ inventory, agent: null, sshConfig: new SshConfigFile('') })
  await fanOut(fleet.addresses, 50, async (addr) => {
    const ex = f.executor(`root@${addr}`)
    await Promise.all(COMMANDS.map((command) => ex.exec({ host: addr, command, sudo: false, timeoutMs: 10_000, mutating: false })))
  })
  await f.close()
}

async function rawSsh2(fleet: Fleet): Promise<void> {
  const key = readFileSync(fleet.key)
  await Promise.all(fleet.addresses.map((host) => new Promise<void>((resolve, reject) => {
    const c = new ssh2.Client()
    c.on('ready', () => {
      let left = COMMANDS.length
      for (const cmd of COMMANDS) {
        c.exec(cmd, (err, s) => {
          if (err) return reject(err)
          s.on('data', () => {}).stderr.on('data', () => {})
          s.on('close', () => { if (--left === 0) { c.end(); resolve() } })
        })
      }
    }).on('error', reject)
    c.connect({ host, port: 22, username: 'root', privateKey: key, hostVerifier: () => true })
    c.setNoDelay(true)
  })))
}

function openssh(fleet: Fleet): void {
  const base = ['-F', '/dev/null', '-i', fleet.key, '-o', 'IdentitiesOnly=yes', '-o', `UserKnownHostsFile=${join(fleet.dir, 'known_hosts')}`,
    '-o', 'ControlMaster=auto', '-o', `ControlPath=${join(fleet.dir, 'cm-%h')}`, '-o', 'ControlPersist=30', '-o', 'BatchMode=yes']
  const script = fleet.addresses.map((a) => `( ${COMMANDS.map((c) => `ssh ${base.join(' ')} root@${a} '${c.replace(/'/g, `'\\''`)}' >/dev/null &`).join(' ')} wait ) &`).join('\n') + '\nwait\n'
  spawnSync('sh', ['-c', script], { stdio: 'ignore', env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: fleet.dir } })
  for (const a of fleet.addresses) spawnSync('ssh', [...base, '-O', 'exit', `root@${a}`], { stdio: 'ignore' })
}

async function time(fn: () => Promise<void> | void): Promise<number> {
  const t0 = performance.now()
  await fn()
  return (performance.now() - t0) / 1000
}

async function main(): Promise<void> {
  const sizes = (process.env.BENCH_SIZES ?? '1,10,50').split(',').map(Number)
  const rows: string[] = ['| hosts | raw ssh2 (s) | runbook exec (s) | ratio | OpenSSH ControlMaster (s) | Ansible (s) |', '|---|---|---|---|---|---|']
  const env = { ...process.env, RUNBOOK_LAB_DIR: '/run/runbook-lab-bench' }
  const hasAnsible = spawnSync('sh', ['-c', 'command -v ansible']).status === 0
  for (const n of sizes) {
    const up = await labUp('healthy', { name: 'bench', webHosts: n, env })
    try {
      const webs = up.state.hosts.filter((h) => h.role === 'web')
      const fleet: Fleet = { addresses: webs.map((h) => h.address), key: join(up.state.dir, 'id_ed25519'), inventory: join(up.state.dir, 'inventory.yaml'), dir: up.state.dir }
      await rawSsh2(fleet) // warm-up
      const raw = await time(() => rawSsh2(fleet))
      const inventory = loadInventory(fleet.inventory) // read once, like the CLI does before connecting
      await runbookExec(fleet, inventory) // warm-up
      const rb = await time(() => runbookExec(fleet, inventory))
      const ossh = await time(() => openssh(fleet))
      const ansible = hasAnsible ? 'n/a (not measured)' : 'not installed'
      rows.push(`| ${n} | ${raw.toFixed(2)} | ${rb.toFixed(2)} | ${(rb / raw).toFixed(2)}x | ${ossh.toFixed(2)} | ${ansible} |`)
    } finally {
      await labDown({ name: 'bench', env })
    }
  }
  process.stdout.write(rows.join('\n') + '\n')
}

await main()
