/**
 * `runbook lab`: disposable real hosts on this Linux machine (root). Each host is a network namespace
 * on a lab bridge, with its own sshd (generated host key, recorded in the lab's known_hosts) in its
 * own PID + mount namespace. The operator is the root namespace, with its own address on the bridge
 * (198.18.<slot>.1), so faults target that address. Everything lives under one folder
 * (`/run/runbook-lab/<name>/`) with a state file that `down` uses to remove it all, even after a crash.
 *
 * Addresses: 198.18.<slot>.0/24, slot 1..254 (198.18.0.0/15 is reserved for benchmarks, RFC 2544).
 * Names: namespaces `rbl<slot>-<host>`, bridge `rbl<slot>`, veths `rbl<slot>-<n>`: unique per machine,
 * so labs (and test files) can run side by side.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, rmdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ExecError, RunbookError } from '../errors.ts'
import { SshConnection } from '../executors/ssh.ts'
import { labRoot } from '../inventory/discover.ts'
import { createNetwork, hostFiles, prepareHost, startHost, waitHostReady } from './host.ts'
import { SCENARIOS, missingTools, sshguardBlock1, type Scenario } from './scenarios.ts'
import { labDir, listLabs, readState, slotAddress, writeState, type LabHostState, type LabState } from './state.ts'
import { linkExists, netnsExists, pidAlive, sh, shQuiet } from './sys.ts'

export interface LabUpOptions {
  name?: string
  /** Number of web hosts (web1..webN); 2 by default. */
  webHosts?: number
  /** Web hosts to seed the fault on (scenarios that can seed several: sshguard-block); default web1. */
  faultHosts?: string[]
  env?: NodeJS.ProcessEnv
  log?: (line: string) => void
}

export interface LabUpResult {
  state: LabState
  /** True when the lab was already up with this scenario and nothing was done. */
  reused: boolean
  seeded: string[]
  inventory: string
}

const NAME = /^[a-z0-9][a-z0-9-]{0,15}$/

/** Scenarios that can seed their fault on several web hosts (LabUpOptions.faultHosts). */
const SEVERAL = new Set(['sshguard-block'])

/**
 * Block the operator with the sshguard of one more host of a running sshguard-block fleet lab
 * (one started with faultHosts), by real failed logins. For tests that need new blocks.
 */
export async function seedSshguardBlock(state: LabState, hostName: string): Promise<string> {
  const host = state.hosts.find((h) => h.name === hostName)
  if (!host || state.scenario !== 'sshguard-block' || !state.faultHosts)
    throw new RunbookError('RB_USAGE', `lab: ${hostName} is not a web host of an sshguard-block lab started with fault hosts`)
  return sshguardBlock1({ state, failLogin: (h) => failLogin(state, h) }, host)
}

export function validateLabName(name: string): void {
  if (!NAME.test(name)) throw new RunbookError('RB_USAGE', `lab name '${name}' must be 1-16 characters of a-z, 0-9 and '-'`)
}

/** Check the machine can host a lab: Linux, root, the tools of the scenario. */
export function labPreflight(scenario: Scenario): string[] {
  const problems: string[] = []
  if (process.platform !== 'linux') problems.push('runbook lab needs Linux (network namespaces)')
  if (process.getuid?.() !== 0) problems.push('runbook lab needs root (it creates network namespaces); run it with sudo')
  const missing = missingTools(scenario)
  if (missing.length > 0) problems.push(`missing: ${missing.join(', ')}`)
  return problems
}

/** Reserve a free /24 slot atomically (mkdir), so labs built in parallel never share a subnet. */
// Slots are reserved machine-wide (not under RUNBOOK_LAB_DIR): addresses and link names are global.
const SLOT_DIR = '/run/runbook-lab-slots'

function reserveSlot(env: NodeJS.ProcessEnv): number {
  const root = SLOT_DIR
  mkdirSync(root, { recursive: true })
  const used = new Set(listLabs(env).map((l) => l.slot))
  const addrs = sh('ip', ['-o', '-4', 'addr', 'show'])
  for (let slot = 1; slot < 255; slot++) {
    if (used.has(slot) || addrs.includes(` 198.18.${slot}.`) || linkExists(`rbl${slot}`)) continue
    try {
      mkdirSync(join(root, `slot-${slot}`))
      return slot
    } catch {
      continue
    }
  }
  throw new RunbookError('RB_LAB_SETUP', 'lab: no free slot in 198.18.1.0-198.18.254.0; run runbook lab down on old labs')
}

function releaseSlot(slot: number): void {
  const p = join(SLOT_DIR, `slot-${slot}`)
  if (existsSync(p)) rmdirSync(p)
}

function isHealthy(state: LabState): boolean {
  return state.ready && state.hosts.every((h) => h.pid !== undefined && pidAlive(h.pid) && netnsExists(h.netns)) && linkExists(state.bridge)
}

/** One failed login as an unknown user, from the operator's address (for the block scenarios). */
async function failLogin(state: LabState, host: LabHostState): Promise<void> {
  try {
    const conn = await SshConnection.open(
      {
        name: host.name,
        host: host.address,
        port: 22,
        user: 'intruder',
        identityFiles: [join(state.dir, 'id_ed25519')],
        knownHostsFiles: [join(state.dir, 'known_hosts')],
        acceptNewHostKeys: false,
      },
      { connectTimeoutMs: 1500, keepaliveIntervalMs: 0, keepaliveCountMax: 0, agent: undefined },
    )
    conn.close()
  } catch (err) {
    if (!(err instanceof ExecError)) throw err
  }
}

/**
 * Build the lab (idempotent: a healthy lab with the same scenario is left as is, anything else is
 * torn down first) and seed the scenario's fault.
 */
export async function labUp(scenarioName: string, opts: LabUpOptions = {}): Promise<LabUpResult> {
  const env = opts.env ?? process.env
  const name = opts.name ?? 'default'
  const log = opts.log ?? (() => {})
  validateLabName(name)
  const scenario = SCENARIOS.get(scenarioName)
  if (!scenario) throw new RunbookError('RB_USAGE', `unknown lab scenario '${scenarioName}' (known: ${[...SCENARIOS.keys()].join(', ')})`)
  const problems = labPreflight(scenario)
  if (problems.length > 0) throw new RunbookError('RB_LAB_UNSUPPORTED', problems.join('; '))
  const dir = labDir(name, env)
  const webHosts = opts.webHosts ?? 2
  const existing = readState(dir)
  if (opts.faultHosts && !SEVERAL.has(scenarioName))
    throw new RunbookError('RB_USAGE', `lab scenario '${scenarioName}' seeds web1 only; fault hosts are for ${[...SEVERAL].join(', ')}`)
  if (
    existing &&
    existing.scenario === scenarioName &&
    isHealthy(existing) &&
    existing.hosts.length === webHosts + 1 &&
    JSON.stringify(existing.faultHosts ?? null) === JSON.stringify(opts.faultHosts ?? null)
  ) {
    return { state: existing, reused: true, seeded: existing.hosts.flatMap((h) => h.seeded), inventory: join(dir, 'inventory.yaml') }
  }
  if (existing || existsSync(dir)) await labDown({ name, env })

  const slot = reserveSlot(env)
  const state: LabState = {
    version: 1,
    name,
    scenario: scenarioName,
    slot,
    dir,
    bridge: `rbl${slot}`,
    operatorAddress: slotAddress(slot, 1),
    createdAt: new Date().toISOString(),
    hosts: [],
    ready: false,
    ...(opts.faultHosts ? { faultHosts: opts.faultHosts } : {}),
  }
  const hostNames = ['bastion', ...Array.from({ length: webHosts }, (_, i) => `web${i + 1}`)]
  state.hosts = hostNames.map((h, i) => ({
    name: h,
    role: h === 'bastion' ? 'bastion' : 'web',
    netns: `rbl${slot}-${h}`,
    veth: `rbl${slot}-${i}`,
    address: slotAddress(slot, 10 + i),
    seeded: [],
  }))
  writeState(state)
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    // The operator's side: a bridge in the root namespace holding the operator's lab address.
    sh('ip', ['link', 'add', state.bridge, 'type', 'bridge'])
    sh('ip', ['addr', 'add', `${state.operatorAddress}/24`, 'dev', state.bridge])
    sh('ip', ['link', 'set', state.bridge, 'up'])
    const key = join(dir, 'id_ed25519')
    if (!existsSync(key)) sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `operator@runbook-lab-${name}`, '-f', key])
    const authorized = readFileSync(`${key}.pub`, 'utf8')
    const knownHosts: string[] = []
    for (const host of state.hosts) {
      createNetwork(host, state.bridge)
      mkdirSync(hostFiles(dir, host.name).dir, { recursive: true })
      knownHosts.push(prepareHost(dir, host, authorized, scenario.extras(state, host)))
    }
    writeFileSync(join(dir, 'known_hosts'), knownHosts.join('\n') + '\n', { mode: 0o600 })
    for (const host of state.hosts) {
      host.pid = startHost(dir, host)
      writeState(state)
    }
    await Promise.all(state.hosts.map((h) => waitHostReady(dir, h)))
    log(`lab ${name}: ${state.hosts.length} hosts up on ${slotAddress(slot, 0)}/24, operator ${state.operatorAddress}`)
    if (state.faultHosts)
      for (const n of state.faultHosts)
        if (!state.hosts.some((h) => h.name === n && h.role === 'web'))
          throw new RunbookError('RB_USAGE', `lab: fault host '${n}' is not one of web1..web${webHosts}`)
    const seeded = await scenario.seed({ state, failLogin: (h) => failLogin(state, h) })
    // Each line names its host (`web3: ...`); lines of scenarios that name none belong to web1.
    for (const h of state.hosts)
      h.seeded = seeded.filter(
        (l) => l.startsWith(`${h.name}: `) || (h.name === 'web1' && !state.hosts.some((x) => l.startsWith(`${x.name}: `))),
      )
    writeInventory(state)
    writeSshConfig(state)
    state.ready = true
    writeState(state)
    return { state, reused: false, seeded, inventory: join(dir, 'inventory.yaml') }
  } catch (err) {
    await labDown({ name, env }).catch(() => {})
    throw err
  }
}

export function writeInventory(state: LabState): void {
  const lines = [
    `# Inventory of runbook lab '${state.name}' (scenario ${state.scenario}), written by runbook lab up.`,
    '# Removed by runbook lab down. Web hosts are reached through the bastion.',
    'apiVersion: runbook/v1',
    'kind: Inventory',
    'defaults:',
    '  user: root',
    '  identityFiles: [id_ed25519]',
    '  knownHostsFiles: [known_hosts]',
    '  connectTimeoutMs: 5000',
    'vars:',
    `  lab: ${state.name}`,
    `  scenario: ${state.scenario}`,
    `  operator_ip: ${state.operatorAddress}`,
    'hosts:',
    ...state.hosts.flatMap((h) => [
      `  ${h.name}:`,
      `    address: ${h.address}`,
      ...(h.role === 'web' ? ['    bastion: bastion'] : []),
      `    vars: { role: ${h.role} }`,
    ]),
    'groups:',
    '  web:',
    `    hosts: [${state.hosts
      .filter((h) => h.role === 'web')
      .map((h) => h.name)
      .join(', ')}]`,
    '',
  ]
  writeFileSync(join(state.dir, 'inventory.yaml'), lines.join('\n'))
}

/** An OpenSSH client config for the lab: `ssh -F <dir>/ssh_config web1`. */
export function writeSshConfig(state: LabState): void {
  const lines = [
    `# OpenSSH client config of runbook lab '${state.name}': ssh -F ${join(state.dir, 'ssh_config')} web1`,
    ...state.hosts.flatMap((h) => [`Host ${h.name}`, `  HostName ${h.address}`, ...(h.role === 'web' ? ['  ProxyJump bastion'] : [])]),
    'Host *',
    '  User root',
    `  IdentityFile ${join(state.dir, 'id_ed25519')}`,
    '  IdentitiesOnly yes',
    `  UserKnownHostsFile ${join(state.dir, 'known_hosts')}`,
    '  StrictHostKeyChecking yes',
    '  ConnectTimeout 5',
    '',
  ]
  writeFileSync(join(state.dir, 'ssh_config'), lines.join('\n'))
}

export interface LabDownResult {
  removed: string[]
}

/** Remove every process, namespace, link and file of a lab. Safe to run twice, and after a crash. */
export async function labDown(opts: { name?: string; env?: NodeJS.ProcessEnv } = {}): Promise<LabDownResult> {
  const env = opts.env ?? process.env
  const name = opts.name ?? 'default'
  validateLabName(name)
  const dir = labDir(name, env)
  const state = readState(dir)
  const removed: string[] = []
  if (state) {
    for (const h of state.hosts) {
      // The unshare process holds the host's PID namespace: killing it ends all its daemons.
      if (h.pid !== undefined && pidAlive(h.pid) && isOurProcess(h.pid, state.dir)) {
        process.kill(h.pid, 'SIGKILL')
        removed.push(`process ${h.pid} (${h.name})`)
      }
      // Anything else still running in the namespace (started by this lab: nothing else enters it).
      if (netnsExists(h.netns)) {
        const pids = shQuietOut('ip', ['netns', 'pids', h.netns]).split(/\s+/).filter(Boolean).map(Number)
        for (const pid of pids) {
          try {
            process.kill(pid, 'SIGKILL')
            removed.push(`process ${pid} (in ${h.netns})`)
          } catch {
            /* already gone */
          }
        }
      }
    }
    await waitGone(state.hosts.flatMap((h) => (h.pid === undefined ? [] : [h.pid])))
    removed.push(...((await SCENARIOS.get(state.scenario)?.teardown?.(state)) ?? []))
    for (const h of state.hosts) {
      if (netnsExists(h.netns) && shQuiet('ip', ['netns', 'del', h.netns])) removed.push(`netns ${h.netns}`)
      if (linkExists(h.veth) && shQuiet('ip', ['link', 'del', h.veth])) removed.push(`veth ${h.veth}`)
    }
    if (linkExists(state.bridge) && shQuiet('ip', ['link', 'del', state.bridge])) removed.push(`bridge ${state.bridge}`)
    releaseSlot(state.slot)
  }
  if (existsSync(dir)) {
    rmSync(dir, { recursive: true, force: true })
    removed.push(`folder ${dir}`)
  }
  // The parent folders go too once no lab uses them.
  for (const parent of [labRoot(env), SLOT_DIR]) {
    try {
      rmdirSync(parent)
    } catch {
      /* not empty, or already gone */
    }
  }
  return { removed }
}

function shQuietOut(cmd: string, args: string[]): string {
  try {
    return sh(cmd, args)
  } catch {
    return ''
  }
}

/** Guard against PID reuse: only kill a process whose command line is our lab's. */
function isOurProcess(pid: number, dir: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir)
  } catch {
    return false
  }
}

async function waitGone(pids: number[], timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (pids.some(pidAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
}

export interface LabStatus {
  state: LabState
  healthy: boolean
  hosts: { name: string; address: string; running: boolean; seeded: string[] }[]
}

export function labStatus(opts: { name?: string; env?: NodeJS.ProcessEnv } = {}): LabStatus | undefined {
  const env = opts.env ?? process.env
  const state = readState(labDir(opts.name ?? 'default', env))
  if (!state) return undefined
  // Hosts first, then the verdict from the same observations: a host dying between two looks
  // must not give "up" above a STOPPED host.
  const hosts = state.hosts.map((h) => ({
    name: h.name,
    address: h.address,
    seeded: h.seeded,
    running: h.pid !== undefined && pidAlive(h.pid) && existsSync(hostFiles(state.dir, h.name).sshdPid),
  }))
  return { state, healthy: hosts.every((h) => h.running) && isHealthy(state), hosts }
}
