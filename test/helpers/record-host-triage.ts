/**
 * Records fixtures/host-triage/*.jsonl from REAL runs of the built CLI against the lab (root, Linux):
 * one fresh lab per case, the scenario's fault seeded by `runbook lab`, plus for some cases a real
 * change made inside a lab namespace (a firewall rule, a link down, a small full filesystem over
 * web1's /var/log in web1's own mount namespace, extra listeners). Re-record after changing the
 * runbook: `npm run build && npx tsx test/helpers/record-host-triage.ts [case...]`.
 *
 * Only the lab's namespaces are touched (198.18.0.0/15); its own lab root, so a lab you have up is
 * left alone. Every lab is removed at the end, also on failure (processes started in a host's
 * network namespace go with it).
 *
 * One outcome is not produced by a real shortage: `memory_short` is recorded on a healthy host with
 * `--param min_mem_available_percent=99` (the memory figures are real; exhausting this shared
 * machine's RAM is not an option). The UDP 161 listener of `exposed` is a plain UDP socket, not
 * snmpd (not installed here): the runbook judges the socket, which is real.
 */
import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { labDown, labUp } from '../../src/lab/lab.ts'
import type { LabHostState, LabState } from '../../src/lab/state.ts'
import { inNetns, LAB_PATH } from '../../src/lab/sys.ts'
import { judge, recordCases } from './record.ts'

const OUT = 'fixtures/host-triage'
const ROOT = '/run/runbook-lab-record-ht'
const LAB = 'rec'
const env = { ...process.env, RUNBOOK_LAB_DIR: ROOT }

type Extra = (state: LabState) => void

function host(state: LabState, name: string): LabHostState {
  const h = state.hosts.find((x) => x.name === name)
  if (!h) throw new Error(`no lab host ${name}`)
  return h
}

/** Runs a shell command in a lab host's mount and network namespaces (those of its `unshare`). */
export function inHost(state: LabState, name: string, script: string): string {
  const h = host(state, name)
  if (h.pid === undefined) throw new Error(`lab host ${name} has no pid`)
  // Never in the machine's own mount namespace: that would mount over the machine's /var/log.
  if (readlinkSync(`/proc/${h.pid}/ns/mnt`) === readlinkSync('/proc/self/ns/mnt'))
    throw new Error(`lab host ${name} shares our mount namespace`)
  const r = spawnSync('nsenter', ['-t', String(h.pid), '-m', '-n', '--', 'sh', '-c', script], {
    encoding: 'utf8',
    env: { PATH: LAB_PATH, LC_ALL: 'C' },
    timeout: 30_000,
  })
  if (r.status !== 0) throw new Error(`in ${name}: ${script} failed (exit ${r.status ?? 'signal'}): ${r.stderr}`)
  return r.stdout
}

/** Starts a long-running process in a lab host's namespaces; it ends with the lab (lab down kills every process of the namespace). */
function daemonInHost(state: LabState, name: string, argv: string[]): void {
  const h = host(state, name)
  const child = spawn('nsenter', ['-t', String(h.pid), '-m', '-n', '--', ...argv], {
    detached: true,
    stdio: 'ignore',
    env: { PATH: LAB_PATH, LC_ALL: 'C' },
  })
  child.unref()
}

/** TCP 22 from the operator is dropped on web1; ping and everything else still pass. */
export const tcpDropped: Extra = (s) => {
  inNetns(host(s, 'web1').netns, 'iptables', ['-w', '-I', 'INPUT', '-s', s.operatorAddress, '-p', 'tcp', '--dport', '22', '-j', 'DROP'])
}
/** web1's only link is down: nobody reaches it. */
export const web1Down: Extra = (s) => {
  inNetns(host(s, 'web1').netns, 'ip', ['link', 'set', 'eth0', 'down'])
}
/** The bastion's link is down: web1 answers from here, but its sessions go through the bastion. */
export const bastionDown: Extra = (s) => {
  inNetns(host(s, 'bastion').netns, 'ip', ['link', 'set', 'eth0', 'down'])
}
/** A 2 MiB log partition on web1's /var/log (its own mount namespace), 95% full. */
export const logPartitionFull: Extra = (s) => {
  inHost(
    s,
    'web1',
    'mount -t tmpfs -o size=2m,mode=0755 runbook-lab-log /var/log && dd if=/dev/zero of=/var/log/app.log bs=1k count=1945 2>/dev/null && df -P -k /var/log',
  )
  const machine = spawnSync('findmnt', ['-n', '-o', 'SOURCE', '/var/log'], { encoding: 'utf8' }).stdout
  if (machine.includes('runbook-lab-log')) throw new Error('the tmpfs landed on the machine /var/log')
}
/** Someone's quick file share on all interfaces, and a UDP socket on 161 (the SNMP port). */
export const extraListeners: Extra = (s) => {
  daemonInHost(s, 'web1', ['/usr/bin/python3', '-m', 'http.server', '8080', '--bind', '0.0.0.0', '--directory', '/usr/share/doc'])
  daemonInHost(s, 'web1', [
    '/usr/bin/python3',
    '-c',
    'import socket, time; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", 161)); time.sleep(86400)',
  ])
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    const out = inNetns(host(s, 'web1').netns, 'ss', ['-Htuln'])
    if (out.includes('0.0.0.0:8080') && out.includes('0.0.0.0:161')) return
    spawnSync('sleep', ['0.1'])
  }
  throw new Error('extra listeners did not start on web1')
}

/** A PATH with ping and nothing else: the operator's machine has no traceroute installed. */
function onlyPing(): string {
  const dir = join(ROOT, 'only-ping-bin')
  mkdirSync(dir, { recursive: true })
  const ping = spawnSync('sh', ['-c', 'command -v ping'], { encoding: 'utf8' }).stdout.trim()
  rmSync(join(dir, 'ping'), { force: true })
  symlinkSync(ping, join(dir, 'ping'))
  return dir
}

export interface Case {
  name: string
  scenario: string
  extras: Extra[]
  params?: Record<string, string>
  /** `only-ping`: the operator's PATH holds ping and nothing else (no traceroute). */
  path?: 'only-ping'
  expectExit: number
  outcome: string
}

export const CASES: Case[] = [
  { name: 'healthy', scenario: 'healthy', extras: [], expectExit: 0, outcome: 'healthy' },
  // An operator machine without traceroute (many distributions do not install it): the path is skipped.
  { name: 'healthy-no-traceroute', scenario: 'healthy', extras: [], path: 'only-ping', expectExit: 0, outcome: 'healthy' },
  { name: 'sshguard-cut-off', scenario: 'sshguard-block', extras: [], expectExit: 3, outcome: 'cut_off_from_here' },
  { name: 'tcp-dropped-ping-answers', scenario: 'healthy', extras: [tcpDropped], expectExit: 3, outcome: 'tcp_blocked' },
  { name: 'host-down', scenario: 'healthy', extras: [web1Down], expectExit: 3, outcome: 'unreachable' },
  { name: 'bastion-down', scenario: 'healthy', extras: [bastionDown], expectExit: 3, outcome: 'login_fails' },
  { name: 'log-partition-full', scenario: 'healthy', extras: [logPartitionFull], expectExit: 3, outcome: 'disk_full' },
  {
    name: 'memory-below-threshold',
    scenario: 'healthy',
    extras: [],
    params: { min_mem_available_percent: '99' },
    expectExit: 3,
    outcome: 'memory_short',
  },
  { name: 'proxy-probes-exposed', scenario: 'proxy-probes', extras: [extraListeners], expectExit: 3, outcome: 'exposed' },
]

async function record(c: Case): Promise<boolean> {
  const up = await labUp(c.scenario, { name: LAB, env })
  try {
    for (const extra of c.extras) extra(up.state)
    const transcript = join(OUT, `${c.name}.jsonl`)
    rmSync(transcript, { force: true })
    const args = [
      'bin/runbook.js',
      'run',
      'host-triage',
      '--host',
      'web1',
      '--inventory',
      up.inventory,
      ...Object.entries(c.params ?? {}).flatMap(([k, v]) => ['--param', `${k}=${v}`]),
      '--transcript',
      transcript,
      '--json',
    ]
    const runEnv = { ...process.env, RUNBOOK_STATE_DIR: join(ROOT, 'state'), ...(c.path === 'only-ping' ? { PATH: onlyPing() } : {}) }
    const r = spawnSync(process.execPath, args, { encoding: 'utf8', env: runEnv, timeout: 120_000 })
    return judge(c, r)
  } finally {
    await labDown({ name: LAB, env })
  }
}

async function main(): Promise<void> {
  await recordCases({
    script: 'record-host-triage',
    out: OUT,
    cases: CASES,
    record,
    cleanup: async () => {
      await labDown({ name: LAB, env })
      rmSync(ROOT, { recursive: true, force: true })
    },
  })
}

if (import.meta.url === `file://${process.argv[1]}`) await main()
