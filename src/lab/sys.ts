/**
 * Running the system tools the lab is made of (ip, iptables, nft, ssh-keygen). Always with a clean
 * environment: the operator's shell setup (pyenv, PATH tweaks) must not leak into the lab hosts.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { RunbookError } from '../errors.ts'

export const LAB_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: LAB_PATH, LANG: 'C', LC_ALL: 'C', HOME: '/root', ...extra }
}

/** A system command of the lab failed (RB_LAB_COMMAND), with what it was and what it said. */
export class LabCommandError extends RunbookError {
  constructor(
    readonly argv: readonly string[],
    readonly status: number | null,
    readonly stderr: string,
  ) {
    super('RB_LAB_COMMAND', `${argv.join(' ')} failed (exit ${status ?? 'signal'}): ${stderr.trim()}`, { detail: { argv, status, stderr } })
    this.name = 'LabCommandError'
  }
}

/** Run a command, return stdout; throws LabCommandError on a non-zero exit. */
export function sh(cmd: string, args: readonly string[], input?: string): string {
  const r = spawnSync(cmd, args, { env: cleanEnv(), encoding: 'utf8', input, timeout: 30_000 })
  if (r.error) throw new LabCommandError([cmd, ...args], null, r.error.message)
  if (r.status !== 0) throw new LabCommandError([cmd, ...args], r.status, r.stderr)
  return r.stdout
}

/** Run a command whose failure is expected and fine (cleanup of what may already be gone). */
export function shQuiet(cmd: string, args: readonly string[]): boolean {
  const r = spawnSync(cmd, args, { env: cleanEnv(), encoding: 'utf8', timeout: 30_000 })
  return r.status === 0
}

/** Run inside a lab host's network namespace. */
export function inNetns(netns: string, cmd: string, args: readonly string[], input?: string): string {
  return sh('ip', ['netns', 'exec', netns, cmd, ...args], input)
}

export function netnsExists(netns: string): boolean {
  return existsSync(`/run/netns/${netns}`)
}

export function linkExists(name: string): boolean {
  return shQuiet('ip', ['link', 'show', 'dev', name])
}

export function which(cmd: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`], { env: cleanEnv(), encoding: 'utf8' }).trim() || undefined
  } catch {
    return undefined
  }
}

/** Is the process running (a zombie, dead but not yet reaped by its parent, is not)? */
export function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
  } catch {
    return false
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
