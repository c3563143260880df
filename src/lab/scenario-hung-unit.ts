/**
 * Scenario `hung-unit` (seed 003: `dnf-makecache.service` hung, then `code=killed, signal=KILL`): web1
 * runs a real systemd 252, booted as PID 1 of a PID namespace nested in web1's own (same network
 * namespace), with two units of ours:
 *
 * - `makecache.service` (oneshot, `TimeoutStartSec=3`) hung on start while its "mirror" did not
 *   answer and was SIGKILLed by its start timeout: failed, `Result=timeout`, `code=killed, signal=KILL`.
 *   The mirror answers again once seeded, so `reset-failed` + restart really fixes it.
 * - `backup-sync.service` (oneshot, no start timeout) hangs in `activating` right now.
 *
 * The lab's own sshd of web1 stays as it is; systemd's `/run` is the same tmpfs its SSH sessions see,
 * so `systemctl` and `journalctl` over SSH talk to this systemd (`/run/systemd/private`,
 * `/run/log/journal`). From the machine, use `nsenter -t <systemd pid> -a` ({@link inSystemd}).
 *
 * Safety, because systemd shares the machine's root filesystem (a mistake empties the machine's /tmp):
 * - web1's mount namespace gets private tmpfs on /run, /tmp, /var/tmp, /var/log and /var/lib/systemd
 *   before systemd starts (Debian's tmpfiles rule `D /tmp` would otherwise empty the machine's /tmp),
 *   and a machine-id of its own; systemd's namespace adds a private /dev (no /dev/kmsg, no /dev/log of
 *   the machine), a read-only /sys and /proc/sys, and only the `name=systemd` cgroup hierarchy, seen
 *   through a cgroup namespace rooted at a cgroup of its own (`runbook-lab-<slot>-web1`).
 * - Every unit of the machine is masked (symlinks to /dev/null in the private /run/systemd/system),
 *   except targets, slices and journald; no generator runs (fstab, sysv, postgresql, getty...).
 * - One boot per machine at a time (the cgroup v1 tree is shared): web1's init holds an flock on
 *   {@link SYSTEMD_LOCK}; the kernel releases it when the host dies, so it is never stale.
 * - Teardown SIGKILLs systemd's PID 1 (the kernel then ends its whole PID namespace), kills whatever
 *   is left in its cgroup and removes the cgroups.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { hostFiles, type HostExtras } from './host.ts'
import { BASE, waitFor, web1, type Scenario } from './scenario-kit.ts'
import type { LabHostState, LabState } from './state.ts'
import { cleanEnv, LAB_PATH, pidAlive, sleep } from './sys.ts'
import { RunbookError } from '../errors.ts'

/** Held (flock) by the host that boots a systemd; the cgroup v1 tree is shared, one boot at a time. */
export const SYSTEMD_LOCK = '/run/runbook-lab-systemd.lock'
export const SYSTEMD_BIN = '/lib/systemd/systemd'
const CGROUP_V1 = '/sys/fs/cgroup/systemd'
/** Private tmpfs mounts of the booted host, made before systemd starts. */
export const PRIVATE_MOUNTS = ['/run', '/tmp', '/var/tmp', '/var/log', '/var/lib/systemd'] as const
/** Present while makecache's "mirror" does not answer: the unit hangs until its start timeout. */
export const MIRROR_DOWN_FLAG = '/run/lab-mirror-down'
/** How long `lab up` waits for the boot lock and the boot. */
const BOOT_TIMEOUT_MS = 150_000

const UNITS: Record<string, string> = {
  'makecache.service': [
    '[Unit]',
    'Description=lab: refresh the package metadata cache (hangs while its mirror does not answer)',
    '',
    '[Service]',
    'Type=oneshot',
    `ExecStart=/bin/sh -c 'echo "Updating metadata from mirror.lab"; if [ -e ${MIRROR_DOWN_FLAG} ]; then echo "mirror.lab: connected, waiting for data..."; exec /bin/sleep infinity; fi; echo "Metadata cache created."'`,
    'TimeoutStartSec=3',
    // The default (terminate) would end `sleep` with SIGTERM; the seed story's unit died of SIGKILL.
    'TimeoutStartFailureMode=kill',
    '',
  ].join('\n'),
  'backup-sync.service': [
    '[Unit]',
    'Description=lab: push the nightly backup (hangs: its peer never answers)',
    '',
    '[Service]',
    'Type=oneshot',
    `ExecStart=/bin/sh -c 'echo "rsync to backup.lab: connecting..."; exec /bin/sleep infinity'`,
    'TimeoutStartSec=infinity',
    '',
  ].join('\n'),
}

function sshUnit(config: string): string {
  return [
    '[Unit]',
    'Description=OpenBSD Secure Shell server (lab host)',
    '',
    '[Service]',
    `ExecStartPre=/usr/sbin/sshd -t -f ${config}`,
    `ExecStart=/usr/sbin/sshd -D -e -f ${config}`,
    'ExecReload=/bin/kill -HUP $MAINPID',
    'KillMode=process',
    'Restart=on-failure',
    '',
  ].join('\n')
}

export interface SystemdPaths {
  prepare: string
  boot: string
  inner: string
  log: string
  units: string
  hostname: string
  /** Config of the sshd that systemd runs (the lab's, with its own pid file). */
  sshdConfig: string
  machineId: string
  /** Machine path of systemd's own cgroup (name=systemd hierarchy). */
  cgroup: string
  cgroupName: string
  /** Where the host's boot script mounts the name=systemd hierarchy (inside its mount namespace). */
  cgroupMount: string
}

export function systemdPaths(state: LabState, host: LabHostState): SystemdPaths {
  const dir = join(hostFiles(state.dir, host.name).dir, 'systemd')
  return {
    prepare: join(dir, 'prepare.sh'),
    boot: join(dir, 'boot.sh'),
    inner: join(dir, 'inner.sh'),
    log: join(dir, 'boot.log'),
    units: join(dir, 'units'),
    hostname: join(dir, 'hostname'),
    sshdConfig: join(dir, 'sshd_config'),
    machineId: join(dir, 'machine-id'),
    cgroup: join(CGROUP_V1, `runbook-lab-${state.slot}-${host.name}`),
    cgroupName: `runbook-lab-${state.slot}-${host.name}`,
    cgroupMount: join(dir, 'cgroup'),
  }
}

const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`

/**
 * Runs in web1's init (its own mount namespace, already private) before sshd: private tmpfs mounts,
 * own machine-id, the masks and our units. Each tmpfs is assembled at a staging point inside the
 * host folder (still visible), the host folder is bound back into it when it lives under that mount
 * (the lab dir is under /run), then the tmpfs is moved into place: no path outside is ever written.
 */
function prepareScript(hostDir: string, hostName: string, sshdConfig: string, p: SystemdPaths): string {
  return [
    '#!/bin/sh',
    '# hung-unit: private mounts, machine-id, masks and units for the systemd of this lab host.',
    "# Runs in the host's own mount namespace (made private by its init), never in the machine's.",
    'set -eu',
    `HOSTDIR=${q(hostDir)}`,
    '[ "$(findmnt -n -o PROPAGATION /)" = private ] || { echo "prepare: / is not private in this mount namespace: refusing" >&2; exit 1; }',
    'private_tmpfs() {',
    '  [ -d "$1" ] || { echo "prepare: $1 does not exist: refusing to create it on the machine" >&2; exit 1; }',
    '  stage="$HOSTDIR/systemd/stage"',
    '  mkdir -p "$stage"',
    '  mount -n -t tmpfs -o "mode=$2,nosuid,nodev,size=256m" runbook-lab "$stage"',
    '  case "$HOSTDIR/" in "$1"/*) rel=${HOSTDIR#"$1"/}; mkdir -p "$stage/$rel"; mount -n --bind "$HOSTDIR" "$stage/$rel" ;; esac',
    '  mount -n --move "$stage" "$1"',
    '  [ "$(findmnt -n -o FSTYPE --mountpoint "$1" | tail -n 1)" = tmpfs ] || { echo "prepare: $1 is not a tmpfs" >&2; exit 1; }',
    '}',
    ...PRIVATE_MOUNTS.map((m) => `private_tmpfs ${m} ${m === '/tmp' || m === '/var/tmp' ? '1777' : '0755'}`),
    'mkdir -p /run/sshd /run/lock /run/systemd/system /run/systemd/system/multi-user.target.wants /run/runbook-no-generators',
    `mount -n --bind ${q(p.machineId)} /etc/machine-id`,
    `printf '%s\\n' ${q(hostName)} > ${q(p.hostname)}`,
    `mount -n --bind ${q(p.hostname)} /etc/hostname`,
    '# sshd: the real one is a unit of this systemd (ssh.service, on the host address), so SSH sessions',
    "# live in systemd's namespaces and systemctl reaches it. The lab's own sshd stays on 127.0.0.1 only:",
    '# its pid file tells the lab the host is up.',
    `sed -e 's|^PidFile .*|PidFile /run/sshd.pid|' ${q(sshdConfig)} > ${q(p.sshdConfig)}`,
    `sed -e 's|^ListenAddress .*|ListenAddress 127.0.0.1|' ${q(sshdConfig)} > ${q(p.sshdConfig)}.lab`,
    `mount -n --bind ${q(p.sshdConfig)}.lab ${q(sshdConfig)}`,
    '# Mask every unit of the machine but targets, slices and journald; also the sysv scripts.',
    'for dir in /usr/lib/systemd/system /lib/systemd/system /etc/systemd/system; do',
    '  [ -d "$dir" ] || continue',
    '  for f in "$dir"/*; do',
    '    n=${f##*/}',
    '    case "$n" in',
    '      *.target|*.slice|systemd-journald.service|systemd-journald.socket|systemd-journald-dev-log.socket) continue ;;',
    '      *.service|*.socket|*.timer|*.mount|*.automount|*.path|*.swap) ;;',
    '      *) continue ;;',
    '    esac',
    '    [ -e "/run/systemd/system/$n" ] || [ -L "/run/systemd/system/$n" ] || ln -s /dev/null "/run/systemd/system/$n"',
    '  done',
    'done',
    'for f in /etc/init.d/*; do n=${f##*/}.service; [ -L "/run/systemd/system/$n" ] || ln -s /dev/null "/run/systemd/system/$n"; done',
    `for f in ${q(p.units)}/*; do rm -f "/run/systemd/system/\${f##*/}"; cp "$f" /run/systemd/system/; done`,
    'ln -s ../ssh.service /run/systemd/system/multi-user.target.wants/ssh.service',
    'echo "prepare: private $(findmnt -n -o TARGET,FSTYPE -t tmpfs | tr -s " " | tr "\\n" " ")"',
    '',
  ].join('\n')
}

/**
 * Runs in the background of web1's init: waits for the boot lock (fd 9, opened by the init on the
 * machine's /run before it was hidden), joins a cgroup of its own, and starts systemd's namespaces.
 */
function bootScript(p: SystemdPaths): string {
  return [
    '#!/bin/sh',
    'set -eu',
    `echo "boot: waiting for ${SYSTEMD_LOCK}"`,
    `flock -w ${Math.round(BOOT_TIMEOUT_MS / 1000) - 10} 9 || { echo "boot: another systemd boot holds ${SYSTEMD_LOCK}" >&2; exit 1; }`,
    // `ip netns exec` gave this host a fresh /sys without cgroups: mount the name=systemd hierarchy
    // (the machine's, shared) at a point of this private mount namespace to make our cgroup in it.
    `mkdir -p ${q(p.cgroupMount)}`,
    `mountpoint -q ${q(p.cgroupMount)} || mount -n -t cgroup -o none,name=systemd cgroup ${q(p.cgroupMount)}`,
    `mkdir -p ${q(join(p.cgroupMount, p.cgroupName))}`,
    `echo $$ > ${q(join(p.cgroupMount, p.cgroupName, 'cgroup.procs'))}`,
    'echo "boot: lock held, cgroup joined; starting the namespaces"',
    `exec unshare --mount --propagation private --pid --cgroup --uts --fork --mount-proc --kill-child -- /bin/sh ${q(p.inner)}`,
    '',
  ].join('\n')
}

/** PID 1 of systemd's PID namespace until it execs systemd: /dev, /sys, cgroup, /proc/sys. */
function innerScript(hostName: string, rehearse: boolean): string {
  return [
    '#!/bin/sh',
    'set -eu',
    'mount -n --make-rprivate /',
    `hostname ${hostName}`,
    '# A private /dev: the nodes a service needs, a new devpts; no /dev/kmsg, no machine /dev/log.',
    'd=/run/runbook-dev',
    'mkdir -p $d',
    'mount -n -t tmpfs -o mode=0755,nosuid,size=1m runbook-dev $d',
    'for n in null zero full random urandom tty; do touch $d/$n; mount -n --bind /dev/$n $d/$n; done',
    'mkdir $d/pts $d/shm $d/mqueue',
    'mount -n -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts $d/pts',
    'ln -s pts/ptmx $d/ptmx',
    'mount -n -t tmpfs -o mode=1777,nosuid,nodev runbook-shm $d/shm',
    'ln -s /proc/self/fd $d/fd; ln -s /proc/self/fd/0 $d/stdin; ln -s /proc/self/fd/1 $d/stdout; ln -s /proc/self/fd/2 $d/stderr',
    'mount -n --move $d /dev',
    'rmdir $d',
    '# /sys read-only; only the name=systemd hierarchy, rooted at our cgroup (cgroup namespace), is writable.',
    'mount -n --bind /sys /sys',
    'mount -n -o remount,bind,ro,nosuid,nodev,noexec /sys',
    'mount -n -t tmpfs -o mode=0755,nosuid,nodev,noexec runbook-cgroup /sys/fs/cgroup',
    'mkdir /sys/fs/cgroup/systemd',
    'mount -n -t cgroup -o none,name=systemd,nosuid,nodev,noexec cgroup /sys/fs/cgroup/systemd',
    'for p in /proc/sys /proc/sysrq-trigger; do [ -e $p ] || continue; mount -n --bind $p $p; mount -n -o remount,bind,ro $p; done',
    rehearse
      ? 'echo "rehearsal: would exec systemd"; findmnt -n -o TARGET,FSTYPE,OPTIONS; exit 0'
      : `exec env -i container=runbook-lab PATH=${LAB_PATH} LANG=C.UTF-8 SYSTEMD_GENERATOR_PATH=/run/runbook-no-generators SYSTEMD_ENVIRONMENT_GENERATOR_PATH=/run/runbook-no-generators ${SYSTEMD_BIN} --unit=multi-user.target --log-target=journal-or-kmsg --show-status=false`,
    '',
  ].join('\n')
}

/** Write the scripts, units and machine-id of a booted host; returns its init extras. */
export function systemdHostExtras(state: LabState, host: LabHostState, opts: { rehearse?: boolean } = {}): HostExtras {
  if (!existsSync(SYSTEMD_BIN))
    throw new RunbookError('RB_LAB_UNSUPPORTED', `lab: hung-unit needs systemd (${SYSTEMD_BIN}); apt-get install systemd`)
  const hostDir = hostFiles(state.dir, host.name).dir
  const p = systemdPaths(state, host)
  mkdirSync(p.units, { recursive: true })
  for (const [name, text] of Object.entries({ ...UNITS, 'ssh.service': sshUnit(p.sshdConfig) })) writeFileSync(join(p.units, name), text)
  writeFileSync(p.machineId, randomBytes(16).toString('hex') + '\n')
  writeFileSync(p.prepare, prepareScript(hostDir, host.name, hostFiles(state.dir, host.name).sshdConfig, p))
  writeFileSync(p.boot, bootScript(p))
  writeFileSync(p.inner, innerScript(host.name, opts.rehearse ?? false))
  return {
    preStart: [`exec 9>>${q(SYSTEMD_LOCK)}`, `sh ${q(p.prepare)}`],
    daemons: [`sh ${q(p.boot)} >> ${q(p.log)} 2>&1`],
  }
}

function readProcs(cgroup: string): number[] {
  try {
    return readFileSync(join(cgroup, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number)
  } catch {
    return []
  }
}

/** Machine PID of the booted systemd (PID 1 of its namespace), from its cgroup; undefined if not up. */
export function systemdPid(state: LabState, host: LabHostState = web1(state)): number | undefined {
  const p = systemdPaths(state, host)
  for (const pid of [...readProcs(join(p.cgroup, 'init.scope')), ...readProcs(p.cgroup)]) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] === SYSTEMD_BIN) return pid
    } catch {
      /* exited meanwhile */
    }
  }
  return undefined
}

export interface InSystemdResult {
  status: number | null
  stdout: string
  stderr: string
}

/** Run a command in every namespace of the booted systemd (`nsenter -t <pid1> -a`). Never the machine's. */
export function inSystemd(state: LabState, argv: readonly string[], timeoutMs = 30_000): InSystemdResult {
  const pid = systemdPid(state)
  if (pid === undefined) throw new RunbookError('RB_LAB_SETUP', `lab ${state.name}: no systemd is running on web1`)
  const r = spawnSync('nsenter', ['-t', String(pid), '-a', '--', ...argv], { encoding: 'utf8', env: cleanEnv(), timeout: timeoutMs })
  if (r.error) throw new RunbookError('RB_LAB_SETUP', `nsenter -t ${pid} -a ${argv.join(' ')}: ${r.error.message}`)
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

function mustInSystemd(state: LabState, argv: readonly string[], timeoutMs?: number): string {
  const r = inSystemd(state, argv, timeoutMs)
  if (r.status !== 0)
    throw new RunbookError('RB_LAB_SETUP', `lab: ${argv.join(' ')} in web1's systemd failed (exit ${r.status}): ${r.stderr.trim()}`)
  return r.stdout
}

/** `systemctl show -p` of one unit as a key/value map (read through nsenter). */
export function unitProps(state: LabState, unit: string, props: readonly string[]): Record<string, string> {
  const out = mustInSystemd(state, ['systemctl', 'show', '-p', props.join(','), unit])
  return Object.fromEntries(
    out
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  )
}

/**
 * Seed the two units. makecache: the mirror is down (flag), so its start hangs and its 3 s start
 * timeout SIGKILLs it; then the mirror answers again. backup-sync: started without waiting; hangs.
 */
export function seedHungUnits(state: LabState): string[] {
  mustInSystemd(state, ['touch', MIRROR_DOWN_FLAG])
  const start = inSystemd(state, ['systemctl', 'start', 'makecache.service'], 20_000)
  if (start.status === 0) throw new RunbookError('RB_LAB_SETUP', 'lab: makecache.service started although its mirror is down')
  const mk = unitProps(state, 'makecache.service', ['ActiveState', 'Result', 'ExecMainCode', 'ExecMainStatus'])
  if (mk['ActiveState'] !== 'failed' || mk['Result'] !== 'timeout' || mk['ExecMainCode'] !== '2' || mk['ExecMainStatus'] !== '9') {
    throw new RunbookError('RB_LAB_SETUP', `lab: makecache.service did not fail as seeded: ${JSON.stringify(mk)}`)
  }
  mustInSystemd(state, ['rm', '-f', MIRROR_DOWN_FLAG])
  mustInSystemd(state, ['systemctl', 'start', '--no-block', 'backup-sync.service'])
  return [
    'web1: makecache.service hung on start and was killed by its 3 s start timeout (failed, Result=timeout, code=killed, signal=KILL); its mirror answers again now',
    'web1: backup-sync.service hangs in activating (TimeoutStartSec=infinity)',
  ]
}

/** Wait for the boot (lock, then systemd until `is-system-running` settles). */
export async function waitSystemdBooted(state: LabState, timeoutMs = BOOT_TIMEOUT_MS): Promise<number> {
  const p = systemdPaths(state, web1(state))
  const log = (): string => (existsSync(p.log) ? readFileSync(p.log, 'utf8').trim() : '(no boot log)')
  const deadline = Date.now() + timeoutMs
  let pid: number | undefined
  while ((pid = systemdPid(state)) === undefined) {
    if (Date.now() > deadline)
      throw new RunbookError('RB_LAB_SETUP', `lab: systemd did not start on web1 within ${timeoutMs} ms; boot log:\n${log()}`)
    await sleep(200)
  }
  // `--wait` blocks until the boot job queue is empty: running, or degraded when a unit failed.
  // PID 1 exists a moment before its bus socket does: on a loaded machine systemctl can ask too
  // early ("Failed to connect to bus"), so ask again until the deadline.
  let r = inSystemd(state, ['systemctl', 'is-system-running', '--wait'], Math.max(5_000, deadline - Date.now()))
  while (r.stdout.trim() === '' && /Failed to connect to bus/.test(r.stderr) && Date.now() < deadline) {
    await sleep(200)
    r = inSystemd(state, ['systemctl', 'is-system-running', '--wait'], Math.max(5_000, deadline - Date.now()))
  }
  const st = r.stdout.trim()
  if (st !== 'running' && st !== 'degraded')
    throw new RunbookError('RB_LAB_SETUP', `lab: systemd on web1 is '${st}' after boot: ${r.stderr.trim()}\n${log()}`)
  return pid
}

/**
 * SIGKILL the booted systemd's PID 1 (the kernel ends its PID namespace with it), kill what is left
 * in its cgroup, remove the cgroups. Safe to call twice, and when nothing was booted.
 */
export async function stopSystemd(state: LabState): Promise<string[]> {
  const removed: string[] = []
  const host = state.hosts.find((h) => h.name === 'web1')
  if (!host) return removed
  const p = systemdPaths(state, host)
  const pid = systemdPid(state, host)
  if (pid !== undefined) {
    process.kill(pid, 'SIGKILL')
    removed.push(`systemd ${pid} (web1)`)
  }
  if (!existsSync(p.cgroup)) return removed
  const tree = (dir: string): string[] => [
    ...readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .flatMap((d) => tree(join(dir, d.name))),
    dir,
  ]
  await waitFor(
    "the processes of web1's systemd cgroup to end",
    () => tree(p.cgroup).every((d) => readProcs(d).length === 0),
    async () => {
      for (const d of tree(p.cgroup)) {
        // Only processes in our own cgroup: everything in it was started by this lab's boot.
        for (const x of readProcs(d))
          if (pidAlive(x))
            try {
              process.kill(x, 'SIGKILL')
            } catch {
              /* gone */
            }
      }
    },
    5_000,
  )
  for (const d of tree(p.cgroup)) rmdirSync(d)
  removed.push(`cgroup ${p.cgroup}`)
  return removed
}

export const hungUnit: Scenario = {
  name: 'hung-unit',
  summary:
    'web1 runs a real systemd: makecache.service hung on start and was killed by its 3 s timeout (code=killed, signal=KILL); backup-sync.service hangs in activating',
  requires: [
    ...BASE,
    { bin: 'systemctl', pkg: 'systemd' },
    { bin: 'journalctl', pkg: 'systemd' },
    { bin: 'nsenter', pkg: 'util-linux' },
    { bin: 'flock', pkg: 'util-linux' },
    { bin: 'findmnt', pkg: 'util-linux' },
  ],
  extras: (state, host) => (host.name === 'web1' ? systemdHostExtras(state, host) : {}),
  async seed(ctx) {
    const pid = await waitSystemdBooted(ctx.state)
    const version = mustInSystemd(ctx.state, ['systemctl', '--version']).split('\n')[0] ?? 'systemd'
    return [`web1: ${version} booted as PID 1 of its own PID namespace (machine pid ${pid})`, ...seedHungUnits(ctx.state)]
  },
  teardown: (state) => stopSystemd(state),
}
