/**
 * Scenario `brute-force` (seed 003): web1's sshd accepts passwords (`PasswordAuthentication yes`,
 * `PermitRootLogin yes`, `UsePAM yes`) and bots have really tried them: failed password logins for
 * pi, oracle, tomcat, admin, root and deploy from three addresses, and `none`-method scans that
 * leave `Connection closed by invalid user pi ... [preauth]` as in the seed. The operator's own key
 * login (through the bastion, with a terminal) is in wtmp, as on a real host.
 *
 * web2 plays the internet: the attacker addresses 198.18.<slot>.201-203 are extra addresses on
 * web2's eth0 (they go away with its namespace), and the attempts are real `sshpass` + `ssh`
 * clients run inside it.
 *
 * web1 gets private copies, bind-mounted inside its own mount namespace only, of everything sshd
 * and PAM write or the fix changes, so the machine's own files are never touched:
 *   /etc/ssh      sshd_config (`Include /etc/ssh/sshd_config.d/*.conf` first, as Debian ships it),
 *                 an empty sshd_config.d/ for the fix's drop-in, the machine's moduli and ssh_config
 *   /var/log      auth.log (the sshd log of the lab host), btmp (0600), wtmp, lastlog
 *   /run          utmp, sshd's privsep dir, PAM's motd, sudo's timestamps
 *   /etc/sudoers  the machine's, keeping RUNBOOK_HOST_DIR (engine state stays in web1's private home)
 *   /etc/passwd, /etc/group, /etc/shadow   the machine's users (passwd, group: no secrets) plus
 *                 `deploy`, whose random password is in hosts/web1/deploy.password; shadow is
 *                 generated (no machine hash is copied), every account but deploy without a password
 * The daemon itself reads /etc/ssh/sshd_config: that file is also bind-mounted over the config
 * path the lab starts sshd with, so `sshd -T`, `sshd -t` and a SIGHUP reload all see one file.
 */
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { hostFiles, LAB_SSHD_COMMON } from './host.ts'
import type { LabHostState, LabState } from './state.ts'
import { BASE, waitFor, web1, type Scenario } from './scenario-kit.ts'
import { cleanEnv, inNetns, sh } from './sys.ts'
import { RunbookError } from '../errors.ts'

/** Where web1's private files of this scenario live on the machine (under the lab folder). */
export interface BruteForceFiles {
  /** Bind-mounted over /etc/ssh inside web1. */
  etcSsh: string
  /** `<etcSsh>/sshd_config`: web1's /etc/ssh/sshd_config. */
  sshdConfig: string
  /** `<etcSsh>/sshd_config.d`: where the fix writes its drop-in. */
  dropinDir: string
  /** Bind-mounted over /var/log inside web1. */
  varLog: string
  /** Bind-mounted over /run inside web1. */
  run: string
  /** The real password of user `deploy` on web1 (attackers never guess it, intruders do). */
  passwordFile: string
}

export const ATTACK_USER = 'deploy'
const DEPLOY_UID = 2601

export function bruteForceFiles(state: LabState): BruteForceFiles {
  const dir = join(hostFiles(state.dir, 'web1').dir, 'private')
  const etcSsh = join(dir, 'etc-ssh')
  return {
    etcSsh,
    sshdConfig: join(etcSsh, 'sshd_config'),
    dropinDir: join(etcSsh, 'sshd_config.d'),
    varLog: join(dir, 'var-log'),
    run: join(dir, 'run'),
    passwordFile: join(hostFiles(state.dir, 'web1').dir, 'deploy.password'),
  }
}

/** The attackers' source addresses (extra addresses on web2's eth0). */
export function attackerAddresses(state: LabState): string[] {
  return [201, 202, 203].map((n) => `198.18.${state.slot}.${n}`)
}

function host(state: LabState, name: string): LabHostState {
  const h = state.hosts.find((x) => x.name === name)
  if (!h) throw new RunbookError('RB_LAB_SETUP', `lab: scenario brute-force needs a host ${name}`)
  return h
}

/** web1's sshd_config: the seed's settings, laid out as Debian ships it (Include first: first value wins). */
function sshdConfig(state: LabState, h: LabHostState): string {
  const f = hostFiles(state.dir, h.name)
  return [
    `# /etc/ssh/sshd_config of lab host ${h.name} (runbook lab scenario brute-force)`,
    '# As on Debian: drop-ins first. For each keyword sshd uses the first value it reads.',
    'Include /etc/ssh/sshd_config.d/*.conf',
    '',
    'Port 22',
    `ListenAddress ${h.address}`,
    `HostKey ${f.hostKey}`,
    `PidFile ${f.sshdPid}`,
    'AuthorizedKeysFile .ssh/authorized_keys',
    '',
    '# What the droplet of the story had:',
    'PubkeyAuthentication yes',
    'PasswordAuthentication yes',
    'PermitRootLogin yes',
    '',
    'KbdInteractiveAuthentication no',
    'UsePAM yes',
    ...LAB_SSHD_COMMON,
    '',
  ].join('\n')
}

/**
 * Shell lines that put a private /run under web1 (PAM's motd, utmp, sudo's timestamps land there).
 * The lab folder itself usually lives under /run: it is bound back at the same path first, so
 * sshd still finds its config, key and log.
 */
function privateRun(labDir: string, run: string): string[] {
  const lines: string[] = []
  if (labDir.startsWith('/run/')) {
    const inside = join(run, labDir.slice('/run/'.length))
    lines.push(`mkdir -p '${inside}'`, `mount --rbind '${labDir}' '${inside}'`)
  }
  return [...lines, `mount --rbind '${run}' /run`, 'mkdir -p /run/sshd']
}

function hashPassword(password: string): string {
  return sh('openssl', ['passwd', '-6', '-stdin'], `${password}\n`).trim()
}

/** passwd and group of the machine (no secrets in them) plus deploy; a fresh shadow. */
function writeUsers(dir: string, home: string, password: string): void {
  const passwd = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith(`${ATTACK_USER}:`))
  const group = readFileSync('/etc/group', 'utf8')
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith(`${ATTACK_USER}:`))
  if (passwd.some((l) => l.split(':')[2] === String(DEPLOY_UID)))
    throw new RunbookError('RB_LAB_UNSUPPORTED', `lab: uid ${DEPLOY_UID} is taken on this machine`)
  passwd.push(`${ATTACK_USER}:x:${DEPLOY_UID}:${DEPLOY_UID}:deploy user:${home}:/bin/sh`)
  group.push(`${ATTACK_USER}:x:${DEPLOY_UID}:`)
  const day = Math.floor(Date.now() / 86_400_000)
  const shadow = passwd.map((l) => {
    const name = l.split(':')[0]!
    return `${name}:${name === ATTACK_USER ? hashPassword(password) : '*'}:${day}:0:99999:7:::`
  })
  writeFileSync(join(dir, 'passwd'), passwd.join('\n') + '\n', { mode: 0o644 })
  writeFileSync(join(dir, 'group'), group.join('\n') + '\n', { mode: 0o644 })
  writeFileSync(join(dir, 'shadow'), shadow.join('\n') + '\n', { mode: 0o600 })
  chmodSync(join(dir, 'shadow'), 0o600)
}

export const bruteForce: Scenario = {
  name: 'brute-force',
  summary: 'web1 sshd accepts passwords and root logins; real failed password logins for pi/oracle/tomcat/admin/root from three addresses',
  requires: [
    ...BASE,
    { bin: 'sshpass', pkg: 'sshpass' },
    { bin: 'ssh', pkg: 'openssh-client' },
    { bin: 'openssl', pkg: 'openssl' },
    { bin: 'last', pkg: 'util-linux' },
    { bin: 'sudo', pkg: 'sudo' },
  ],
  extras(state, h) {
    if (h.name !== 'web1') return {}
    const f = hostFiles(state.dir, h.name)
    const p = bruteForceFiles(state)
    const priv = join(f.dir, 'private')
    for (const d of [p.etcSsh, p.dropinDir, p.varLog, p.run]) mkdirSync(d, { recursive: true, mode: 0o755 })
    writeFileSync(p.sshdConfig, sshdConfig(state, h), { mode: 0o644 })
    for (const name of ['moduli', 'ssh_config']) {
      if (existsSync(`/etc/ssh/${name}`)) copyFileSync(`/etc/ssh/${name}`, join(p.etcSsh, name))
    }
    // Log files as a Debian host has them; sshd writes btmp only when it is 0600-ish and root's.
    writeFileSync(f.authLog, '', { flag: 'a' })
    writeFileSync(join(p.varLog, 'auth.log'), '')
    for (const [name, mode] of [
      ['btmp', 0o600],
      ['wtmp', 0o664],
      ['lastlog', 0o664],
    ] as const) {
      writeFileSync(join(p.varLog, name), '', { mode })
      chmodSync(join(p.varLog, name), mode)
    }
    writeFileSync(join(p.run, 'utmp'), '', { mode: 0o664 })
    const password = randomBytes(12).toString('base64url')
    writeFileSync(p.passwordFile, password + '\n', { mode: 0o600 })
    const home = join(f.dir, 'home-deploy')
    mkdirSync(home, { recursive: true, mode: 0o755 })
    chownSync(home, DEPLOY_UID, DEPLOY_UID)
    writeUsers(priv, home, password)
    // `sudo -n -- sh -c` (steps with sudo: true) resets the environment: keep the engine's host dir,
    // else its locks and backups would land in the machine's /var/lib/runbook.
    writeFileSync(
      join(priv, 'sudoers'),
      readFileSync('/etc/sudoers', 'utf8') +
        '\n# runbook lab\nDefaults env_keep += "RUNBOOK_HOST_DIR"\n# deploy administers web1 (with a password, no key: the safety test of ssh-hardening logs in as deploy)\n' +
        `${ATTACK_USER} ALL=(ALL:ALL) NOPASSWD: ALL\n`,
      { mode: 0o440 },
    )
    chmodSync(join(priv, 'sudoers'), 0o440)
    return {
      binds: [
        [p.etcSsh, '/etc/ssh'],
        [p.sshdConfig, f.sshdConfig],
        [p.varLog, '/var/log'],
        // The lab writes sshd's log (with a syslog header per line) to hosts/web1/auth.log.
        [f.authLog, '/var/log/auth.log'],
        [join(priv, 'passwd'), '/etc/passwd'],
        [join(priv, 'group'), '/etc/group'],
        [join(priv, 'shadow'), '/etc/shadow'],
        [join(priv, 'sudoers'), '/etc/sudoers'],
      ],
      preStart: privateRun(state.dir, p.run),
    }
  },
  async seed(ctx) {
    const state = ctx.state
    const target = web1(state)
    const p = bruteForceFiles(state)
    const attacker = host(state, 'web2')
    const [a1, a2, a3] = attackerAddresses(state) as [string, string, string]
    for (const a of [a1, a2, a3]) inNetns(attacker.netns, 'ip', ['addr', 'add', `${a}/24`, 'dev', 'eth0'])

    // The operator's own login, with a terminal (only those are recorded in wtmp), through the bastion.
    const op = operatorLogin(state, 'exit 0')
    if (op.status !== 0) throw new RunbookError('RB_LAB_SETUP', `lab: operator key login to web1 failed (exit ${op.status}): ${op.stderr}`)

    // Bots: one wrong password per connection (sshpass gives up at the second prompt), in parallel.
    const attempts: [string, string][] = [
      ...['pi', 'pi', 'pi', 'oracle', 'oracle', 'tomcat', 'tomcat', 'admin', 'admin'].map((u) => [a1, u] as [string, string]),
      ...['root', 'root', 'root', 'root', ATTACK_USER, ATTACK_USER, ATTACK_USER, 'pi'].map((u) => [a2, u] as [string, string]),
    ]
    const wrong = (i: number): string => `wrong-${i}-${randomBytes(3).toString('hex')}`
    const results = await Promise.all(attempts.map(([src, user], i) => passwordLogin(state, { user, password: wrong(i), source: src })))
    // Scanners that only ask which methods there are, and leave (`Connection closed by invalid user pi ... [preauth]`).
    await Promise.all(['pi', 'admin', 'root'].map((user) => methodScan(state, user, a3)))
    const failed = (): number =>
      (readFileSync(hostFiles(state.dir, target.name).authLog, 'utf8').match(/Failed password for /g) ?? []).length
    try {
      await waitFor(
        `${attempts.length} failed password logins in web1's auth.log`,
        () => failed() >= attempts.length,
        () => Promise.resolve(),
        15_000,
      )
    } catch (err) {
      const log = readFileSync(hostFiles(state.dir, target.name).authLog, 'utf8').split('\n').slice(-15).join('\n')
      throw new RunbookError(
        'RB_LAB_SETUP',
        `${(err as Error).message}\nssh clients: ${results.map((r) => `exit ${r.status}: ${r.output.trim()}`).join('; ')}\nauth.log:\n${log}`,
        { cause: err },
      )
    }
    const btmp = readFileSync(join(p.varLog, 'btmp')).length / 384
    return [
      `web1: sshd with PasswordAuthentication yes, PermitRootLogin yes (private /etc/ssh, /var/log, /run, /etc/passwd+shadow)`,
      `web1: ${failed()} failed password logins for pi, oracle, tomcat, admin, root, ${ATTACK_USER} from ${a1}, ${a2}; method scans from ${a3} (btmp: ${btmp} records)`,
      `web1: operator key login with a terminal from the bastion (${host(state, 'bastion').address}) in wtmp`,
    ]
  },
}

/** SSH options shared by the lab's own clients: no machine config, no machine known_hosts. */
const CLIENT_OPTS = ['-F', '/dev/null', '-o', 'LogLevel=ERROR', '-o', 'ConnectTimeout=5']

/** A command through the bastion as the operator (key), with a terminal: leaves a wtmp record. */
export function operatorLogin(state: LabState, command: string): { status: number | null; stdout: string; stderr: string } {
  const key = join(state.dir, 'id_ed25519')
  const known = join(state.dir, 'known_hosts')
  const auth = [
    '-i',
    key,
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    `UserKnownHostsFile=${known}`,
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'BatchMode=yes',
  ]
  const jump = ['ssh', ...CLIENT_OPTS, ...auth, '-W', '%h:%p', `root@${host(state, 'bastion').address}`].join(' ')
  const r = spawnSync('ssh', [...CLIENT_OPTS, ...auth, '-o', `ProxyCommand=${jump}`, '-tt', `root@${web1(state).address}`, command], {
    encoding: 'utf8',
    env: cleanEnv(),
    timeout: 30_000,
  })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

export interface PasswordLogin {
  user: string
  password: string
  /** Source address: one of attackerAddresses() (web2's namespace). */
  source: string
  /** A command to run once logged in, with a terminal (recorded in wtmp). Default: `true`, no terminal. */
  command?: string
}

/**
 * One real password login to web1 from an attacker address: resolves to ssh's exit status
 * (0: logged in; sshpass exits 5 on a wrong password, 255 when password logins are off).
 */
export function passwordLogin(state: LabState, login: PasswordLogin): Promise<{ status: number | null; output: string }> {
  const attacker = host(state, 'web2')
  const args = [
    'netns',
    'exec',
    attacker.netns,
    'sshpass',
    '-e',
    'ssh',
    ...CLIENT_OPTS,
    '-b',
    login.source,
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    '-o',
    'PubkeyAuthentication=no',
    '-o',
    'PreferredAuthentications=password',
    '-o',
    'NumberOfPasswordPrompts=1',
    ...(login.command !== undefined ? ['-tt'] : []),
    `${login.user}@${web1(state).address}`,
    login.command ?? 'true',
  ]
  return new Promise((resolve) => {
    const child = spawn('ip', args, { env: cleanEnv({ SSHPASS: login.password }), stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString()
    })
    child.stderr.on('data', (c: Buffer) => {
      output += c.toString()
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
    child.on('close', (status) => {
      clearTimeout(timer)
      resolve({ status, output })
    })
  })
}

/** A scanner that asks for the `none` method and leaves: sshd logs only the closed preauth connection. */
function methodScan(state: LabState, user: string, source: string): Promise<void> {
  const args = [
    'netns',
    'exec',
    host(state, 'web2').netns,
    'ssh',
    ...CLIENT_OPTS,
    '-b',
    source,
    '-o',
    'BatchMode=yes',
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    '-o',
    'PreferredAuthentications=none',
    `${user}@${web1(state).address}`,
    'true',
  ]
  return new Promise((resolve) => {
    const child = spawn('ip', args, { env: cleanEnv(), stdio: 'ignore' })
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
    child.on('close', () => {
      clearTimeout(timer)
      resolve()
    })
  })
}

/** deploy's real password on web1. */
export function deployPassword(state: LabState): string {
  return readFileSync(bruteForceFiles(state).passwordFile, 'utf8').trim()
}

/**
 * The intrusion variant: after its failed attempts, attacker 2 logs in as deploy with the right
 * password and a terminal (`Accepted password for deploy`, a wtmp session from that address).
 */
export async function intrude(state: LabState): Promise<void> {
  const source = attackerAddresses(state)[1]!
  const r = await passwordLogin(state, { user: ATTACK_USER, password: deployPassword(state), source, command: 'id; exit 0' })
  if (r.status !== 0)
    throw new RunbookError(
      'RB_LAB_SETUP',
      `lab: the intrusion login as ${ATTACK_USER} from ${source} failed (exit ${r.status}): ${r.output}`,
    )
}
