/**
 * Lab fixtures for integration tests. Each test file uses its own lab root (RUNBOOK_LAB_DIR) and
 * gets its own slot (198.18.<slot>.0/24, namespaces rbl<slot>-*), so files can run in parallel.
 * Outside Linux/root the tests are skipped with a loud message.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { parseCommandArgs, type CommandDef } from '../../src/cli/command.ts'
import { labDown, labUp, type LabUpResult } from '../../src/lab/lab.ts'
import { SCENARIOS, missingTools } from '../../src/lab/scenarios.ts'
import { inNetns } from '../../src/lab/sys.ts'

export function labSkipReason(scenarios: string[] = ['healthy']): string | undefined {
  if (process.platform !== 'linux') return 'not Linux'
  if (process.getuid?.() !== 0) return 'not root'
  const missing = scenarios.flatMap((s) => missingTools(SCENARIOS.get(s)!))
  if (missing.length > 0) return `missing ${[...new Set(missing)].join(', ')}`
  return undefined
}

/** Call at the top of an integration file: prints a banner when the lab tests cannot run. */
export function announceSkip(file: string, scenarios?: string[]): boolean {
  const reason = labSkipReason(scenarios)
  if (reason) {
    console.warn(
      `\n${'!'.repeat(78)}\n!! SKIPPED lab integration tests in ${file}: ${reason}.\n!! They need Linux, root and: apt-get install -y openssh-server iptables nftables sshguard fail2ban sudo\n${'!'.repeat(78)}\n`,
    )
  }
  return reason !== undefined
}

export interface TestLab {
  env: NodeJS.ProcessEnv
  up: LabUpResult
  dir: string
  inventory: string
  key: string
  knownHosts: string
  address(host: string): string
  netns(host: string): string
  down(): Promise<void>
}

export async function startLab(root: string, scenario: string, name = 'default'): Promise<TestLab> {
  const env = { ...process.env, RUNBOOK_LAB_DIR: root }
  const up = await labUp(scenario, { name, env })
  const dir = up.state.dir
  const host = (h: string): LabUpResult['state']['hosts'][number] => {
    const found = up.state.hosts.find((x) => x.name === h)
    if (!found) throw new Error(`no lab host ${h}`)
    return found
  }
  return {
    env,
    up,
    dir,
    inventory: up.inventory,
    key: join(dir, 'id_ed25519'),
    knownHosts: join(dir, 'known_hosts'),
    address: (h) => host(h).address,
    netns: (h) => host(h).netns,
    down: async () => {
      await labDown({ name, env })
    },
  }
}

export function hostPublicKey(lab: TestLab, host: string): string {
  return readFileSync(join(lab.dir, 'hosts', host, 'ssh_host_ed25519_key.pub'), 'utf8').trim()
}

/** Run a CLI command definition in-process, capturing its output. */
export async function runCommand(
  def: CommandDef,
  argv: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = new PassThrough()
  const err = new PassThrough()
  let stdout = ''
  let stderr = ''
  out.on('data', (c: Buffer) => {
    stdout += c.toString()
  })
  err.on('data', (c: Buffer) => {
    stderr += c.toString()
  })
  const ctx = parseCommandArgs(def, argv)
  const code = await def.run({
    ...ctx,
    io: { stdout: out, stderr: err, stdin: new PassThrough(), env, cwd: '/', signal: new AbortController().signal },
  })
  return { code, stdout, stderr }
}

/**
 * What a read-only run must not change on a lab host: its listening sockets, its iptables rules
 * (counters masked) and the mount points of its own mount namespace (/run/netns/* come and go with
 * other labs on the machine). Tests compare it before and after.
 */
export function hostState(lab: TestLab, host: string): Record<string, string> {
  const ns = lab.netns(host)
  const pid = lab.up.state.hosts.find((h) => h.name === host)!.pid!
  return {
    listeners: inNetns(ns, 'ss', ['-Htuln'])
      .split('\n')
      .map((l) => l.trim().replace(/\s+/g, ' '))
      .sort()
      .join('\n'),
    iptables: inNetns(ns, 'iptables-save', [])
      .split('\n')
      .filter((l) => !l.startsWith('#'))
      .map((l) => l.replace(/\[\d+:\d+\]/g, '[-]'))
      .join('\n'),
    mounts: readFileSync(`/proc/${pid}/mountinfo`, 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[4] ?? '')
      .filter((m) => !m.startsWith('/run/netns/'))
      .sort()
      .join('\n'),
  }
}
