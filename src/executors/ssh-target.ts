/**
 * A host name as the operator typed it → where to connect. Accepted forms, tried in this order:
 * an inventory host name, then `[user@]host[:port]` (host may be an ~/.ssh/config alias).
 * Precedence of settings, highest first: what the name itself says (`user@`, `:port`), the
 * inventory host, ~/.ssh/config, the inventory defaults, OpenSSH's defaults.
 */
import { homedir } from 'node:os'
import { join } from 'node:path'
import { RunbookError } from '../errors.ts'
import type { ConnectionSettings, Inventory } from '../inventory/load.ts'
import { localUser, parseDestination, parseProxyJump, type SshConfigFile } from './ssh-config.ts'
import type { SshTarget } from './ssh.ts'

export interface ResolveContext {
  inventory?: Inventory | undefined
  sshConfig?: SshConfigFile | undefined
  /** Force TOFU for every host (the CLI's --accept-new-host-keys). */
  acceptNewHostKeys?: boolean
  home?: string
}

const HOST_NAME = /^[A-Za-z0-9_.:[\]@%-]+$/

export function defaultKnownHostsFiles(home = homedir()): string[] {
  return [join(home, '.ssh', 'known_hosts'), '/etc/ssh/ssh_known_hosts']
}

/** Resolve a host name to an SshTarget, following bastions and ProxyJump chains. */
export function resolveTarget(name: string, ctx: ResolveContext): SshTarget {
  return resolveInner(name, ctx, [])
}

function resolveInner(name: string, ctx: ResolveContext, seen: string[]): SshTarget {
  if (seen.includes(name)) {
    throw new RunbookError('RB_USAGE', `bastion loop: ${[...seen, name].join(' -> ')}; fix the bastion / ProxyJump settings`)
  }
  if (!HOST_NAME.test(name)) throw new RunbookError('RB_USAGE', `'${name}' is not a host name, inventory name or user@host:port`)
  const inv = ctx.inventory
  let invHost = inv?.hosts[name]
  let dest: { user: string | undefined; host: string; port: number | undefined }
  if (invHost) dest = { user: undefined, host: invHost.address ?? name, port: undefined }
  else {
    // `deploy@web1`: another user on an inventory host keeps the host's address and bastion.
    const parsed = parseDestination(name)
    const byName = inv?.hosts[parsed.host]
    if (byName) {
      invHost = byName
      dest = { user: parsed.user, host: byName.address ?? parsed.host, port: parsed.port }
    } else dest = parsed
  }
  const cfg = ctx.sshConfig?.resolve(dest.host)
  const d: ConnectionSettings = inv?.defaults ?? {}
  const h: ConnectionSettings = invHost ?? {}
  const pick = <K extends keyof ConnectionSettings>(k: K): ConnectionSettings[K] => (k in h ? h[k] : d[k])

  const user = dest.user ?? h.user ?? cfg?.user ?? d.user ?? localUser()
  const port = dest.port ?? h.port ?? cfg?.port ?? d.port ?? 22
  const identityFiles = [...(h.identityFiles ?? []), ...(cfg?.identityFiles ?? []), ...(h.identityFiles ? [] : (d.identityFiles ?? []))]
  const knownHostsFiles =
    h.knownHostsFiles ??
    (cfg && cfg.knownHostsFiles.length > 0 ? cfg.knownHostsFiles : undefined) ??
    d.knownHostsFiles ??
    defaultKnownHostsFiles(ctx.home)
  const acceptNewHostKeys = ctx.acceptNewHostKeys === true || pick('acceptNewHostKeys') === true || cfg?.acceptNew === true

  const target: SshTarget = {
    name,
    host: cfg?.hostName ?? dest.host,
    port,
    user,
    identityFiles,
    knownHostsFiles,
    acceptNewHostKeys,
  }

  // Bastion: the inventory's (host, then defaults), else ~/.ssh/config ProxyJump.
  const bastion = pick('bastion')
  const chain: string[] =
    bastion === null
      ? []
      : bastion !== undefined
        ? [bastion]
        : parseProxyJump(cfg?.proxyJump).map((j) => `${j.user ? `${j.user}@` : ''}${j.host}${j.port ? `:${j.port}` : ''}`)
  // `a,b` means: connect to a, from a to b, from b to the target.
  let jump: SshTarget | undefined
  for (const hop of chain) {
    const hopTarget = resolveInner(hop, ctx, [...seen, name])
    jump = jump ? appendChain(hopTarget, jump) : hopTarget
  }
  if (jump) target.jump = jump
  return target
}

/** Put `first` at the start of `hop`'s chain (the hop's own bastion, if any, stays closest to it). */
function appendChain(hop: SshTarget, first: SshTarget): SshTarget {
  if (!hop.jump) return { ...hop, jump: first }
  return { ...hop, jump: appendChain(hop.jump, first) }
}

/** The address probes should use for a name (inventory address or ssh_config HostName). */
export function resolveAddress(name: string, ctx: ResolveContext): string {
  const invHost = ctx.inventory?.hosts[name]
  if (invHost?.address) return invHost.address
  const host = parseDestination(name).host
  const byName = ctx.inventory?.hosts[host]
  if (byName?.address) return byName.address
  return ctx.sshConfig?.resolve(host).hostName ?? host
}
