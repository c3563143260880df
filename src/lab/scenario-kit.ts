/**
 * What a lab scenario is, and the helpers scenarios share. One scenario per file
 * (`scenario-<name>.ts`, or the first four in scenarios.ts), registered in SCENARIOS.
 */
import type { HostExtras } from './host.ts'
import type { LabHostState, LabState } from './state.ts'
import { RunbookError } from '../errors.ts'

export interface ScenarioContext {
  state: LabState
  /** Make one failed SSH login from the operator's address to a host (unknown user). */
  failLogin(host: LabHostState): Promise<void>
}

export interface Scenario {
  name: string
  summary: string
  /** Programs the scenario needs, with the Debian package that has them. */
  requires: { bin: string; pkg: string }[]
  /** Extra config and daemons for a host, before it starts. */
  extras(state: LabState, host: LabHostState): HostExtras
  /** Seed the fault once every host is up; returns what was seeded, one line each. */
  seed(ctx: ScenarioContext): Promise<string[]>
  /** Remove what the scenario made outside its hosts' processes (cgroups...), once they are killed; returns what it removed. */
  teardown?(state: LabState): Promise<string[]>
}

export const BASE = [
  { bin: 'sshd', pkg: 'openssh-server' },
  { bin: 'ssh-keygen', pkg: 'openssh-client' },
  { bin: 'ip', pkg: 'iproute2' },
]

export async function waitFor(what: string, check: () => boolean, attempt: () => Promise<void>, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs
  let attempts = 0
  while (Date.now() < deadline) {
    if (check()) return attempts
    await attempt()
    attempts++
    await new Promise((r) => setTimeout(r, 150))
  }
  if (check()) return attempts
  throw new RunbookError('RB_LAB_SETUP', `lab: ${what} did not happen within ${timeoutMs} ms`)
}

/** The web hosts a multi-host scenario seeds: `state.faultHosts`, else web1. */
export function faultHosts(state: LabState): LabHostState[] {
  const names = state.faultHosts ?? ['web1']
  return names.map((n) => {
    const h = state.hosts.find((x) => x.name === n && x.role === 'web')
    if (!h)
      throw new RunbookError(
        'RB_USAGE',
        `lab: fault host '${n}' is not a web host of this lab (web1..web${state.hosts.filter((x) => x.role === 'web').length})`,
      )
    return h
  })
}

export function web1(state: LabState): LabHostState {
  const h = state.hosts.find((x) => x.name === 'web1')
  if (!h) throw new RunbookError('RB_LAB_SETUP', 'lab: scenario needs a host web1')
  return h
}
