/**
 * The Ansible side of `npm run bench:fleet`: Debian's `ansible-core` runs, on the same lab fleet, a
 * playbook doing the commands the runbook CLI recorded for each host (a loop of `shell` tasks, in
 * the recorded order), with `forks` = the number of hosts, pipelining on, SSH connections reused by
 * ControlPersist (Ansible's default), and host keys checked against the lab's known_hosts
 * (StrictHostKeyChecking=yes). Everything Ansible writes stays in a temporary folder (ANSIBLE_CONFIG,
 * ANSIBLE_HOME, local_tmp, the control sockets); it talks to the lab hosts only. The play recap is
 * verified: every host listed, ok, failed=0, unreachable=0.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export const ANSIBLE_PLAYBOOK = '/usr/bin/ansible-playbook'

export interface AnsibleHost {
  name: string
  address: string
  commands: string[]
}

export interface AnsibleSetup {
  /** A temporary folder of its own. */
  dir: string
  /** The lab's client key and known_hosts. */
  identityFile: string
  knownHosts: string
}

function run(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<{ code: number | null; out: string; seconds: number }> {
  return new Promise((res, rej) => {
    const t0 = performance.now()
    const child = spawn(cmd, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    const chunks: Buffer[] = []
    child.stdout.on('data', (c: Buffer) => chunks.push(c))
    child.stderr.on('data', (c: Buffer) => chunks.push(c))
    child.on('error', rej)
    child.on('close', (code) => res({ code, out: Buffer.concat(chunks).toString('utf8'), seconds: (performance.now() - t0) / 1000 }))
  })
}

/** `PLAY RECAP` lines → counts per host. */
export function parseRecap(out: string): Map<string, Record<string, number>> {
  const recap = new Map<string, Record<string, number>>()
  const at = out.lastIndexOf('PLAY RECAP')
  if (at === -1) return recap
  for (const line of out.slice(at).split('\n').slice(1)) {
    const m = /^(\S+)\s+:\s+(.*)$/.exec(line.trim())
    if (!m) continue
    recap.set(m[1]!, Object.fromEntries([...m[2]!.matchAll(/(\w+)=(\d+)/g)].map((x) => [x[1]!, Number(x[2])])))
  }
  return recap
}

/**
 * Writes the config, inventory and playbook, then runs the playbook once; resolves with its wall
 * time in seconds. Throws when the recap is not all well. The ControlPersist masters it leaves are
 * told to exit (`ssh -O exit`) before it returns.
 */
export async function ansibleFleet(hosts: readonly AnsibleHost[], s: AnsibleSetup): Promise<number> {
  mkdirSync(join(s.dir, 'cp'), { recursive: true })
  writeFileSync(
    join(s.dir, 'ansible.cfg'),
    [
      '[defaults]',
      `forks = ${hosts.length}`,
      'host_key_checking = True',
      'gathering = explicit',
      'interpreter_python = /usr/bin/python3',
      'retry_files_enabled = False',
      `local_tmp = ${join(s.dir, 'local')}`,
      'remote_tmp = /tmp/.ansible-bench-fleet',
      'timeout = 30',
      'nocolor = True',
      '[ssh_connection]',
      'pipelining = True',
      `ssh_args = -o ControlMaster=auto -o ControlPersist=60s -o UserKnownHostsFile=${s.knownHosts} -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes -o BatchMode=yes`,
      `control_path_dir = ${join(s.dir, 'cp')}`,
      'control_path = %(directory)s/%%C',
      '',
    ].join('\n'),
  )
  // Lab hosts are namespaces sharing this machine's file system: its python3 is theirs.
  writeFileSync(
    join(s.dir, 'inventory.json'),
    JSON.stringify({
      all: {
        vars: { ansible_user: 'root', ansible_ssh_private_key_file: s.identityFile, ansible_python_interpreter: '/usr/bin/python3' },
        hosts: Object.fromEntries(hosts.map((h) => [h.name, { ansible_host: h.address, rb_commands: h.commands }])),
      },
    }),
  )
  writeFileSync(
    join(s.dir, 'play.yml'),
    [
      '- name: the commands the runbook CLI recorded for each host',
      '  hosts: all',
      '  gather_facts: false',
      '  tasks:',
      '    - name: recorded commands, in order',
      '      ansible.builtin.shell: "{{ item }}"',
      '      loop: "{{ rb_commands }}"',
      '      changed_when: false',
      '',
    ].join('\n'),
  )
  const env = { ...process.env, ANSIBLE_CONFIG: join(s.dir, 'ansible.cfg'), ANSIBLE_HOME: join(s.dir, 'home'), ANSIBLE_NOCOLOR: '1' }
  try {
    const r = await run(ANSIBLE_PLAYBOOK, ['-i', 'inventory.json', 'play.yml'], env, s.dir)
    const recap = parseRecap(r.out)
    const bad = hosts.filter((h) => {
      const c = recap.get(h.name)
      return !c || c.ok !== 1 || c.failed !== 0 || c.unreachable !== 0
    })
    if (r.code !== 0 || bad.length > 0 || recap.size !== hosts.length) {
      throw new Error(
        `bench:fleet: ansible-playbook at ${hosts.length} hosts did not end well (exit ${r.code}; not ok: ${bad.map((h) => h.name).join(', ') || 'none'}):\n${r.out.slice(-3000)}`,
      )
    }
    return r.seconds
  } finally {
    // The masters are ssh's own daemons: ask each to exit through its control socket.
    await Promise.all(
      hosts.map((h) => run('ssh', ['-o', `ControlPath=${join(s.dir, 'cp')}/%C`, '-O', 'exit', '-l', 'root', h.address], env, s.dir)),
    )
  }
}

export function ansibleInstalled(): boolean {
  return existsSync(ANSIBLE_PLAYBOOK)
}
