/**
 * The lab's state file: everything `lab up` created, written *before* each thing is created, so
 * that `lab down` can remove it all even after a crash half-way through `up`.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { labRoot } from '../inventory/discover.ts'

export interface LabHostState {
  name: string
  role: 'bastion' | 'web'
  netns: string
  /** Root-namespace side of the veth pair. */
  veth: string
  address: string
  /** PID of the `unshare` that holds the host's PID namespace (killing it ends every process). */
  pid?: number
  /** What this host has seeded (human-readable, printed by up and status). */
  seeded: string[]
}

export interface LabState {
  version: 1
  name: string
  scenario: string
  slot: number
  dir: string
  bridge: string
  operatorAddress: string
  createdAt: string
  hosts: LabHostState[]
  /** Set once `up` finished; a state without it is a crashed or running `up`. */
  ready: boolean
  /**
   * Web hosts the fault is seeded on, for scenarios that can seed several (sshguard-block);
   * absent: web1 only. When set, such a scenario runs its daemon on every web host, so any of them
   * can be blocked later (seedSshguardBlock) and fixed.
   */
  faultHosts?: string[]
}

export function labDir(name: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(labRoot(env), name)
}

export function statePath(dir: string): string {
  return join(dir, 'state.json')
}

export function readState(dir: string): LabState | undefined {
  const p = statePath(dir)
  if (!existsSync(p)) return undefined
  try {
    return JSON.parse(readFileSync(p, 'utf8')) as LabState
  } catch {
    return undefined
  }
}

/** Atomic write (rename), so a crash never leaves half a state file. */
export function writeState(state: LabState): void {
  mkdirSync(state.dir, { recursive: true })
  const tmp = `${statePath(state.dir)}.tmp`
  writeFileSync(tmp, JSON.stringify(state, null, 2) + '\n')
  renameSync(tmp, statePath(state.dir))
}

/** Every lab with a state file under the lab root. */
export function listLabs(env: NodeJS.ProcessEnv = process.env): LabState[] {
  const root = labRoot(env)
  if (!existsSync(root)) return []
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
    .flatMap((d) => {
      const s = readState(join(root, d.name))
      return s ? [s] : []
    })
}

/** Subnet of a slot: 198.18.<slot>.0/24 (198.18.0.0/15 is reserved for benchmarking, RFC 2544). */
export function slotAddress(slot: number, host: number): string {
  return `198.18.${slot}.${host}`
}
