/**
 * One lab host: a network namespace with a veth on the lab bridge, and its own process tree in a
 * PID + mount namespace (`unshare --pid --fork --kill-child`): killing the one `unshare` process
 * ends every daemon of the host. Inside the mount namespace /root is the host's own folder, so
 * remote commands do not run the machine's root .bashrc (pyenv init costs ~100 ms per command).
 */
import { spawn } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, openSync, closeSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { LabHostState } from './state.ts'
import { cleanEnv, sh, sleep } from './sys.ts'
import { RunbookError } from '../errors.ts'

export interface HostFiles {
  dir: string
  home: string
  init: string
  sshdConfig: string
  authLog: string
  /** The bash loop that turns sshd's stderr into auth.log lines. */
  sshdLog: string
  sshdPid: string
  hostKey: string
}

export function hostFiles(labDir: string, name: string): HostFiles {
  const dir = join(labDir, 'hosts', name)
  return {
    dir,
    home: join(dir, 'home'),
    init: join(dir, 'init.sh'),
    sshdLog: join(dir, 'sshd-log.sh'),
    sshdConfig: join(dir, 'sshd_config'),
    authLog: join(dir, 'auth.log'),
    sshdPid: join(dir, 'sshd.pid'),
    hostKey: join(dir, 'ssh_host_ed25519_key'),
  }
}

/** The sshd settings every lab host shares (scenarios that write their own sshd_config end with these). */
export const LAB_SSHD_COMMON: readonly string[] = [
  // The lab home of root is not owned the way StrictModes wants.
  'StrictModes no',
  'UseDNS no',
  'PrintMotd no',
  'PrintLastLog no',
  'MaxSessions 10',
  'MaxStartups 200:30:400',
  'AllowTcpForwarding yes',
  'LogLevel VERBOSE',
  'AcceptEnv LANG LC_*',
  // Engine state on the host (locks, backups, revert pids) stays in the host's private home.
  'SetEnv RUNBOOK_HOST_DIR=/root/.runbook',
  'Subsystem sftp internal-sftp',
]

/** Extra pieces a scenario adds to a host before it starts. */
export interface HostExtras {
  /** Shell lines run by the host's init before sshd starts (firewall setup). */
  preStart?: string[]
  /** Shell lines run after sshd started (daemons that watch its log), backgrounded by the caller. */
  daemons?: string[]
  /** Files to bind-mount over system paths inside the host (`[source, target]`). */
  binds?: [string, string][]
}

/**
 * sshd's stderr (`-e`) → syslog lines in auth.log, one write per line as it comes (sshguard and
 * fail2ban follow the file). bash's own clock (`printf %()T`) stamps them: a `$(date)` per line
 * forked and exec'd twice for every log line, and at LogLevel VERBOSE (a line per channel) that was
 * a fifth of the machine's CPU while a fleet of 50 lab hosts ran a runbook. sshd -e ends lines
 * with CR; the loop strips it (tr would buffer).
 */
function sshdLogScript(name: string): string {
  return [
    '#!/bin/bash',
    `# auth.log of lab host ${name}; written by runbook lab`,
    "cr=$'\\r'",
    'while IFS= read -r line; do',
    `  printf '%(%b %e %H:%M:%S)T ${name} sshd[1]: %s\\n' -1 "\${line%"$cr"}"`,
    'done',
    '',
  ].join('\n')
}

/** Write the host's sshd config, keys, home and init script. Returns the public host key line. */
export function prepareHost(labDir: string, host: LabHostState, authorizedKeys: string, extras: HostExtras): string {
  const f = hostFiles(labDir, host.name)
  mkdirSync(f.home, { recursive: true, mode: 0o700 })
  mkdirSync(join(f.home, '.ssh'), { recursive: true, mode: 0o700 })
  writeFileSync(join(f.home, '.ssh', 'authorized_keys'), authorizedKeys, { mode: 0o600 })
  // A tiny, fast shell startup instead of the machine's (which runs pyenv init).
  writeFileSync(join(f.home, '.bashrc'), `# lab host ${host.name}: nothing slow here\n`)
  writeFileSync(join(f.home, '.profile'), `# lab host ${host.name}\n`)
  if (!existsSync(f.hostKey)) sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `${host.name}@runbook-lab`, '-f', f.hostKey])
  writeFileSync(
    f.sshdConfig,
    [
      `# sshd of lab host ${host.name} (${host.address}); written by runbook lab`,
      'Port 22',
      `ListenAddress ${host.address}`,
      `HostKey ${f.hostKey}`,
      `PidFile ${f.sshdPid}`,
      'AuthorizedKeysFile .ssh/authorized_keys',
      'PermitRootLogin prohibit-password',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      ...LAB_SSHD_COMMON,
      '',
    ].join('\n'),
  )
  const binds = [[f.home, '/root'] as [string, string], ...(extras.binds ?? [])]
  const script = [
    '#!/bin/sh',
    `# init of lab host ${host.name}: PID 1 of its own PID namespace; killing it ends the host.`,
    'set -e',
    'mount --make-rprivate /',
    // The host's own PID namespace deserves its own /proc: ps, ss -p and /proc/<pid> show its processes only.
    'mount -t proc -o nosuid,nodev,noexec lab-proc /proc',
    // sshd and PAM record logins under /var/log (btmp, wtmp, lastlog): never the machine's own.
    'mount -t tmpfs -o mode=0755 lab-var-log /var/log',
    ...binds.map(([src, dst]) => `mount --bind '${src}' '${dst}'`),
    'mkdir -p /run/sshd',
    'ip link set lo up',
    ...(extras.preStart ?? []),
    'set +e',
    // sshd logs to stderr; sshd-log.sh gives each line a syslog header so sshguard and fail2ban parse it.
    `/usr/sbin/sshd -D -e -f '${f.sshdConfig}' 2>&1 | /bin/bash '${f.sshdLog}' >> '${f.authLog}' &`,
    ...(extras.daemons ?? []).map((d) => `${d} &`),
    `echo started > '${join(f.dir, 'started')}'`,
    'wait',
    '',
  ].join('\n')
  writeFileSync(f.init, script)
  chmodSync(f.init, 0o755)
  writeFileSync(f.sshdLog, sshdLogScript(host.name))
  const pub = readFileSync(`${f.hostKey}.pub`, 'utf8').trim().split(/\s+/)
  return `${host.name},${host.address} ${pub[0]} ${pub[1]}`
}

/** Create the namespace and veth, and plug the host into the bridge. */
export function createNetwork(host: LabHostState, bridge: string): void {
  sh('ip', ['netns', 'add', host.netns])
  sh('ip', ['link', 'add', host.veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', host.netns])
  sh('ip', ['link', 'set', host.veth, 'master', bridge, 'up'])
  sh('ip', ['-n', host.netns, 'addr', 'add', `${host.address}/24`, 'dev', 'eth0'])
  sh('ip', ['-n', host.netns, 'link', 'set', 'eth0', 'up'])
  sh('ip', ['-n', host.netns, 'link', 'set', 'lo', 'up'])
}

/** Start the host's init detached from us (the lab outlives `lab up`). Returns the unshare PID. */
export function startHost(labDir: string, host: LabHostState): number {
  const f = hostFiles(labDir, host.name)
  const log = openSync(join(f.dir, 'init.log'), 'a')
  const child = spawn(
    'ip',
    ['netns', 'exec', host.netns, 'unshare', '--mount', '--pid', '--fork', '--kill-child', '--', '/bin/sh', f.init],
    {
      detached: true,
      stdio: ['ignore', log, log],
      env: cleanEnv(),
    },
  )
  closeSync(log)
  child.unref()
  if (child.pid === undefined) throw new RunbookError('RB_LAB_SETUP', `could not start lab host ${host.name}`)
  return child.pid
}

/** Wait until the host's sshd wrote its pid file (it has bound port 22). */
export async function waitHostReady(labDir: string, host: LabHostState, timeoutMs = 10_000): Promise<void> {
  const f = hostFiles(labDir, host.name)
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (existsSync(f.sshdPid)) return
    await sleep(20)
  }
  const log = existsSync(join(f.dir, 'init.log')) ? readFileSync(join(f.dir, 'init.log'), 'utf8') : ''
  const auth = existsSync(f.authLog) ? readFileSync(f.authLog, 'utf8') : ''
  throw new RunbookError('RB_LAB_SETUP', `lab host ${host.name}: sshd did not start within ${timeoutMs} ms\n${log}${auth}`)
}
