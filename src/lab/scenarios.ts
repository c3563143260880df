/**
 * Lab scenarios: which fault is seeded on which host. Each fault is real: real sshguard or fail2ban
 * reading the real sshd log and blocking the operator after real failed logins, or a plain nft rule.
 * The faulty host is always `web1`; `web2` and `bastion` stay healthy, so web1 stays reachable
 * through the bastion.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { hostFiles } from './host.ts'
import type { LabHostState, LabState } from './state.ts'
import { BASE, faultHosts, waitFor, web1, type Scenario, type ScenarioContext } from './scenario-kit.ts'
import { inNetns, which } from './sys.ts'
import { hungUnit } from './scenario-hung-unit.ts'
import { bruteForce } from './scenario-brute-force.ts'
import { proxyProbes } from './scenario-proxy-probes.ts'
import { staleConnections } from './scenario-stale-connections.ts'

const healthy: Scenario = {
  name: 'healthy',
  summary: 'a bastion and web hosts, nothing wrong',
  requires: BASE,
  extras: () => ({}),
  seed: () => Promise.resolve([]),
}

const sshguardBlock: Scenario = {
  name: 'sshguard-block',
  summary:
    'sshguard on web1 (iptables backend, chain sshguard) has blocked the operator after failed logins (lab up --fault-hosts: on those web hosts, with sshguard on every web host)',
  requires: [...BASE, { bin: 'sshguard', pkg: 'sshguard' }, { bin: 'iptables', pkg: 'iptables' }],
  extras(state, host) {
    // A fleet lab (faultHosts set) runs sshguard on every web host: any of them can be blocked later.
    if (state.faultHosts ? host.role !== 'web' : host.name !== 'web1') return {}
    const f = hostFiles(state.dir, host.name)
    const conf = join(f.dir, 'sshguard.conf')
    const whitelist = join(f.dir, 'sshguard.whitelist')
    writeFileSync(whitelist, '127.0.0.0/8\n::1/128\n')
    writeFileSync(
      conf,
      [
        `# sshguard of lab host ${host.name}; bind-mounted over /etc/sshguard/sshguard.conf inside the host`,
        'BACKEND="/usr/libexec/sshguard/sshg-fw-iptables"',
        `FILES="${f.authLog}"`,
        'THRESHOLD=30',
        'BLOCK_TIME=86400',
        'DETECTION_TIME=1800',
        `WHITELIST_FILE=${whitelist}`,
        `PID_FILE=${join(f.dir, 'sshguard.pid')}`,
        '',
      ].join('\n'),
    )
    return {
      binds: [[conf, '/etc/sshguard/sshguard.conf']],
      preStart: ['iptables -w -N sshguard', 'iptables -w -A INPUT -j sshguard', `touch '${f.authLog}'`],
      daemons: ['/usr/sbin/sshguard'],
    }
  },
  async seed(ctx) {
    return Promise.all(faultHosts(ctx.state).map((host) => sshguardBlock1(ctx, host)))
  },
}

/** Make the sshguard of one lab host block the operator, by real failed logins. */
export async function sshguardBlock1(ctx: ScenarioContext, host: LabHostState): Promise<string> {
  const op = ctx.state.operatorAddress
  const blocked = (): boolean => inNetns(host.netns, 'iptables', ['-w', '-S', 'sshguard']).includes(op)
  // sshguard needs a moment to start tailing the log; attempts made before are simply retried.
  const attempts = await waitFor(`sshguard blocking ${op} on ${host.name}`, blocked, () => ctx.failLogin(host), 30_000)
  return `${host.name}: sshguard blocked ${op} after ${attempts} failed logins as 'intruder' (iptables chain sshguard: -A sshguard -s ${op}/32 -j DROP)`
}

const fail2banBan: Scenario = {
  name: 'fail2ban-ban',
  summary: 'fail2ban on web1 (sshd jail, iptables-multiport, chain f2b-sshd) has banned the operator after failed logins',
  requires: [...BASE, { bin: 'fail2ban-server', pkg: 'fail2ban' }, { bin: 'iptables', pkg: 'iptables' }],
  extras(state, host) {
    if (host.name !== 'web1') return {}
    const f = hostFiles(state.dir, host.name)
    const conf = join(f.dir, 'fail2ban')
    if (!existsSync(conf)) cpSync('/etc/fail2ban', conf, { recursive: true })
    for (const j of readdirSync(join(conf, 'jail.d'))) rmSync(join(conf, 'jail.d', j))
    mkdirSync(join(f.dir, 'f2b'), { recursive: true })
    writeFileSync(
      join(conf, 'fail2ban.local'),
      [
        '[Definition]',
        `logtarget = ${join(f.dir, 'fail2ban.log')}`,
        `socket = ${join(f.dir, 'f2b', 'fail2ban.sock')}`,
        `pidfile = ${join(f.dir, 'f2b', 'fail2ban.pid')}`,
        'dbfile = :memory:',
        '',
      ].join('\n'),
    )
    writeFileSync(
      join(conf, 'jail.local'),
      [
        '[DEFAULT]',
        'banaction = iptables-multiport',
        'backend = polling',
        'ignoreip = 127.0.0.1/8 ::1',
        '',
        '[sshd]',
        'enabled = true',
        'port = ssh',
        'mode = normal',
        `logpath = ${f.authLog}`,
        'backend = polling',
        'maxretry = 3',
        'findtime = 600',
        'bantime = 86400',
        '',
      ].join('\n'),
    )
    return {
      preStart: [`touch '${f.authLog}'`],
      daemons: [`/usr/bin/fail2ban-server -f -x -c '${conf}'`],
    }
  },
  async seed(ctx) {
    const host = web1(ctx.state)
    const op = ctx.state.operatorAddress
    const banned = (): boolean => {
      try {
        return inNetns(host.netns, 'iptables', ['-w', '-S', 'f2b-sshd']).includes(op)
      } catch {
        return false // chain not created yet: the jail is still starting
      }
    }
    const attempts = await waitFor(`fail2ban banning ${op} on web1`, banned, () => ctx.failLogin(host), 45_000)
    return [`web1: fail2ban jail sshd banned ${op} after ${attempts} failed logins as 'intruder' (iptables chain f2b-sshd, REJECT)`]
  },
}

const nftDrop: Scenario = {
  name: 'nft-drop',
  summary: 'a plain nftables rule on web1 drops everything from the operator',
  requires: [...BASE, { bin: 'nft', pkg: 'nftables' }],
  extras: () => ({}),
  seed(ctx) {
    const host = web1(ctx.state)
    const op = ctx.state.operatorAddress
    const ruleset = [
      'table inet filter {',
      '  chain input {',
      '    type filter hook input priority filter; policy accept;',
      `    ip saddr ${op} counter drop comment "runbook lab: nft-drop"`,
      '  }',
      '}',
      '',
    ].join('\n')
    inNetns(host.netns, 'nft', ['-f', '-'], ruleset)
    return Promise.resolve([`web1: nft rule 'ip saddr ${op} counter drop' in table inet filter, chain input`])
  },
}

const iptablesLegacyDrop: Scenario = {
  name: 'iptables-legacy-drop',
  summary: 'a rule in the iptables-legacy tables of web1 drops the operator; iptables (nft) only warns that legacy tables exist',
  requires: [...BASE, { bin: 'iptables-legacy', pkg: 'iptables' }, { bin: 'iptables', pkg: 'iptables' }],
  extras: () => ({}),
  seed(ctx) {
    const host = web1(ctx.state)
    const op = ctx.state.operatorAddress
    inNetns(host.netns, 'iptables-legacy', ['-w', '-I', 'INPUT', '-s', op, '-m', 'comment', '--comment', 'legacy block', '-j', 'DROP'])
    return Promise.resolve([`web1: iptables-legacy rule '-A INPUT -s ${op}/32 -j DROP' (invisible to iptables-nft, which only warns)`])
  },
}

// Scenarios in their own files register here, one import and one entry each.
const ALL: Scenario[] = [
  healthy,
  sshguardBlock,
  fail2banBan,
  nftDrop,
  iptablesLegacyDrop,
  hungUnit,
  proxyProbes,
  bruteForce,
  staleConnections,
]

export const SCENARIOS: ReadonlyMap<string, Scenario> = new Map(ALL.map((s) => [s.name, s]))
export type { Scenario, ScenarioContext } from './scenario-kit.ts'

/** Missing programs for a scenario, as `bin (apt package)`. */
export function missingTools(s: Scenario): string[] {
  return s.requires.filter((r) => which(r.bin) === undefined).map((r) => `${r.bin} (apt-get install ${r.pkg})`)
}
