/**
 * `npm run bench:ssh`: on a lab fleet of N hosts (N = 1, 10, 50), a 6-command diagnostic set per
 * host through runbook's SSH executor (pool + fanOut, what `runbook exec` uses) against a minimal
 * raw-ssh2 script doing the same (the floor), OpenSSH with ControlMaster, and, when
 * `ansible-playbook` is installed, an Ansible playbook (6 shell tasks) and Ansible ad-hoc (one shell
 * task running the 6 commands). Linux + root (it builds a lab). Raw ssh2 is imported here on purpose:
 * it is the baseline.
 */
import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
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

interface Fleet {
  addresses: string[]
  key: string
  inventory: string
  dir: string
}

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
  await Promise.all(
    fleet.addresses.map(
      (host) =>
        new Promise<void>((resolve, reject) => {
          const c = new ssh2.Client()
          c.on('ready', () => {
            let left = COMMANDS.length
            for (const cmd of COMMANDS) {
              c.exec(cmd, (err, s) => {
                if (err) return reject(err)
                s.on('data', () => {}).stderr.on('data', () => {})
                s.on('close', () => {
                  if (--left === 0) {
                    c.end()
                    resolve()
                  }
                })
              })
            }
          }).on('error', reject)
          c.connect({ host, port: 22, username: 'root', privateKey: key, hostVerifier: () => true })
          c.setNoDelay(true)
        }),
    ),
  )
}

function openssh(fleet: Fleet): void {
  const base = [
    '-F',
    '/dev/null',
    '-i',
    fleet.key,
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    `UserKnownHostsFile=${join(fleet.dir, 'known_hosts')}`,
    '-o',
    'ControlMaster=auto',
    '-o',
    `ControlPath=${join(fleet.dir, 'cm-%h')}`,
    '-o',
    'ControlPersist=30',
    '-o',
    'BatchMode=yes',
  ]
  const script =
    fleet.addresses
      .map(
        (a) => `( ${COMMANDS.map((c) => `ssh ${base.join(' ')} root@${a} '${c.replace(/'/g, `'\\''`)}' >/dev/null &`).join(' ')} wait ) &`,
      )
      .join('\n') + '\nwait\n'
  spawnSync('sh', ['-c', script], { stdio: 'ignore', env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: fleet.dir } })
  for (const a of fleet.addresses) spawnSync('ssh', [...base, '-O', 'exit', `root@${a}`], { stdio: 'ignore' })
}

/**
 * Ansible against the same lab hosts, reached directly like the other contenders, with its best fair
 * settings: forks = hosts (cap 50), pipelining, ControlMaster/ControlPersist (Ansible's default
 * ssh_args), strict host key checking against the lab's known_hosts, no fact gathering, no interpreter
 * discovery, no retry files. Everything it writes locally (config, inventory, playbook, ANSIBLE_HOME,
 * local temp, control sockets, HOME) lives in `dir`, which the caller removes.
 */
class AnsibleBench {
  readonly cp: string
  readonly env: NodeJS.ProcessEnv
  readonly playbook: string

  constructor(
    readonly dir: string,
    readonly fleet: Fleet,
    readonly names: string[],
  ) {
    this.cp = join(dir, 'cp')
    for (const d of ['home', 'ansible-home', 'local-tmp', 'cp']) mkdirSync(join(dir, d), { mode: 0o700 })
    const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`
    const inventory = join(dir, 'hosts.ini')
    writeFileSync(
      inventory,
      [
        '[web]',
        ...names.map((n, i) => `${n} ansible_host=${fleet.addresses[i]}`),
        '',
        '[all:vars]',
        'ansible_user=root',
        `ansible_ssh_private_key_file=${fleet.key}`,
        // -F /dev/null like the OpenSSH contender: the machine's ssh_config stays out of it.
        `ansible_ssh_common_args=${q(`-F /dev/null -o IdentitiesOnly=yes -o UserKnownHostsFile=${join(fleet.dir, 'known_hosts')} -o StrictHostKeyChecking=yes`)}`,
        'ansible_python_interpreter=/usr/bin/python3',
        '',
      ].join('\n'),
    )
    writeFileSync(
      join(dir, 'ansible.cfg'),
      [
        '[defaults]',
        `inventory = ${inventory}`,
        `forks = ${Math.min(Math.max(names.length, 1), 50)}`,
        'host_key_checking = True',
        'retry_files_enabled = False',
        'gathering = explicit',
        'interpreter_python = /usr/bin/python3',
        'stdout_callback = default',
        `local_tmp = ${join(dir, 'local-tmp')}`,
        'nocows = True',
        '',
        '[ssh_connection]',
        'pipelining = True',
        `control_path_dir = ${this.cp}`,
        '# ssh_args left at the default: -C -o ControlMaster=auto -o ControlPersist=60s',
        '',
      ].join('\n'),
    )
    this.playbook = join(dir, 'diagnose.yml')
    // JSON is YAML: no quoting surprises in the commands.
    writeFileSync(
      this.playbook,
      JSON.stringify(
        [
          {
            name: 'diagnose',
            hosts: 'all',
            gather_facts: false,
            tasks: COMMANDS.map((command, i) => ({ name: `diag ${i + 1}`, shell: command })),
          },
        ],
        null,
        2,
      ) + '\n',
    )
    this.env = {
      PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
      HOME: join(dir, 'home'),
      LANG: 'C.UTF-8',
      LC_ALL: 'C.UTF-8',
      ANSIBLE_CONFIG: join(dir, 'ansible.cfg'),
      ANSIBLE_HOME: join(dir, 'ansible-home'),
      ANSIBLE_LOCAL_TEMP: join(dir, 'local-tmp'),
      ANSIBLE_NOCOLOR: '1',
    }
  }

  /** The playbook: exit 0 and a recap of ok=6 changed=6, nothing failed or unreachable, for every host. */
  async playbookRun(): Promise<number> {
    const r = await this.run('ansible-playbook', [this.playbook])
    const recap = new Map<string, string>()
    for (const m of r.out.matchAll(/^(\S+)\s+:\s+(ok=\d+\s+changed=\d+\s+unreachable=\d+\s+failed=\d+)/gm))
      recap.set(m[1]!, m[2]!.replace(/\s+/g, ' '))
    const want = `ok=${COMMANDS.length} changed=${COMMANDS.length} unreachable=0 failed=0`
    const bad = this.names.filter((n) => recap.get(n) !== want)
    if (r.code !== 0 || bad.length > 0 || recap.size !== this.names.length) {
      throw new Error(
        `ansible-playbook did not run the ${COMMANDS.length} commands on every host (exit ${r.code}; ` +
          `expected '${want}' for ${this.names.length} hosts; wrong: ${bad
            .slice(0, 5)
            .map((n) => `${n}: ${recap.get(n) ?? 'missing'}`)
            .join(', ')})\n${r.out.slice(-3000)}`,
      )
    }
    return r.seconds
  }

  /** Ad-hoc: one shell task running the 6 commands; exit 0 and 'CHANGED | rc=0' for every host. */
  async adhocRun(): Promise<number> {
    const r = await this.run('ansible', ['all', '-m', 'shell', '-a', COMMANDS.join('; ')])
    const okHosts = new Set([...r.out.matchAll(/^(\S+) \| CHANGED \| rc=0 >>/gm)].map((m) => m[1]!))
    const bad = this.names.filter((n) => !okHosts.has(n))
    if (r.code !== 0 || bad.length > 0) {
      throw new Error(
        `ansible ad-hoc did not run on every host (exit ${r.code}; not ok: ${bad.slice(0, 5).join(', ')})\n${r.out.slice(-3000)}`,
      )
    }
    return r.seconds
  }

  /** Run in its own process group; on timeout the whole group (ansible and its forks) is killed. */
  private run(cmd: string, args: string[], timeoutMs = 300_000): Promise<{ code: number | null; out: string; seconds: number }> {
    return new Promise((resolve, reject) => {
      const t0 = performance.now()
      const child = spawn(cmd, args, { cwd: this.dir, env: this.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
      const chunks: Buffer[] = []
      child.stdout.on('data', (c: Buffer) => chunks.push(c))
      child.stderr.on('data', (c: Buffer) => chunks.push(c))
      const timer = setTimeout(() => {
        if (child.pid !== undefined)
          try {
            process.kill(-child.pid, 'SIGKILL')
          } catch {
            /* gone */
          }
      }, timeoutMs)
      child.on('error', (err) => {
        clearTimeout(timer)
        reject(err)
      })
      child.on('close', (code) => {
        clearTimeout(timer)
        resolve({ code, out: Buffer.concat(chunks).toString('utf8'), seconds: (performance.now() - t0) / 1000 })
      })
    })
  }

  /**
   * End the ControlPersist masters Ansible left behind (they detach, 60 s idle), so each timed run
   * pays its own handshakes like the other contenders, and none outlives the bench.
   */
  closeMasters(): void {
    for (const f of readdirSync(this.cp)) {
      const sock = join(this.cp, f)
      try {
        if (!statSync(sock).isSocket()) continue
      } catch {
        continue
      }
      spawnSync('ssh', ['-F', '/dev/null', '-o', `ControlPath=${sock}`, '-O', 'exit', 'lab-host'], {
        stdio: 'ignore',
        env: this.env,
        timeout: 10_000,
      })
    }
  }
}

async function ansibleContenders(fleet: Fleet, names: string[]): Promise<{ playbook: number; adhoc: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'runbook-bench-ansible-'))
  const a = new AnsibleBench(dir, fleet, names)
  try {
    await a.playbookRun() // warm-up (page cache of Python and Ansible)
    a.closeMasters()
    const playbook = await a.playbookRun()
    a.closeMasters()
    await a.adhocRun() // warm-up
    a.closeMasters()
    const adhoc = await a.adhocRun()
    return { playbook, adhoc }
  } finally {
    a.closeMasters()
    rmSync(dir, { recursive: true, force: true })
  }
}

async function time(fn: () => Promise<void> | void): Promise<number> {
  const t0 = performance.now()
  await fn()
  return (performance.now() - t0) / 1000
}

async function main(): Promise<void> {
  const sizes = (process.env.BENCH_SIZES ?? '1,10,50').split(',').map(Number)
  const rows: string[] = [
    '| hosts | raw ssh2 (s) | runbook exec (s) | runbook / raw | OpenSSH ControlMaster (s) | Ansible playbook (s) | playbook / runbook | Ansible ad-hoc (s) | ad-hoc / runbook |',
    '|---|---|---|---|---|---|---|---|---|',
  ]
  const env = { ...process.env, RUNBOOK_LAB_DIR: '/run/runbook-lab-bench' }
  const has = (cmd: string): boolean =>
    spawnSync('sh', ['-c', `command -v ${cmd}`], { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } }).status === 0
  const hasAnsible = has('ansible-playbook') && has('ansible')
  for (const n of sizes) {
    const up = await labUp('healthy', { name: 'bench', webHosts: n, env })
    try {
      const webs = up.state.hosts.filter((h) => h.role === 'web')
      const fleet: Fleet = {
        addresses: webs.map((h) => h.address),
        key: join(up.state.dir, 'id_ed25519'),
        inventory: join(up.state.dir, 'inventory.yaml'),
        dir: up.state.dir,
      }
      await rawSsh2(fleet) // warm-up
      const raw = await time(() => rawSsh2(fleet))
      const inventory = loadInventory(fleet.inventory) // read once, like the CLI does before connecting
      await runbookExec(fleet, inventory) // warm-up
      const rb = await time(() => runbookExec(fleet, inventory))
      const ossh = await time(() => openssh(fleet))
      let ansible = ['not installed', '', 'not installed', '']
      if (hasAnsible) {
        try {
          const a = await ansibleContenders(
            fleet,
            webs.map((h) => h.name),
          )
          ansible = [
            a.playbook.toFixed(2),
            `${(a.playbook / rb).toFixed(1)}x faster`,
            a.adhoc.toFixed(2),
            `${(a.adhoc / rb).toFixed(1)}x faster`,
          ]
        } catch (err) {
          process.stderr.write(`bench:ssh: Ansible at ${n} hosts FAILED: ${(err as Error).message}\n`)
          process.exitCode = 1
          ansible = ['FAILED', '', 'FAILED', '']
        }
      }
      rows.push(`| ${n} | ${raw.toFixed(2)} | ${rb.toFixed(2)} | ${(rb / raw).toFixed(2)}x | ${ossh.toFixed(2)} | ${ansible.join(' | ')} |`)
    } finally {
      await labDown({ name: 'bench', env })
    }
  }
  process.stdout.write(rows.join('\n') + '\n')
}

await main()
