/**
 * The subset of `~/.ssh/config` runbook honours: Host, HostName, User, Port, IdentityFile, ProxyJump
 * (plus UserKnownHostsFile and StrictHostKeyChecking=accept-new). Parsing is the `ssh-config`
 * package's; this file only maps its answer onto what the executor needs and expands `%h %p %r %u ~`.
 */
import { existsSync, readFileSync } from 'node:fs'
import { homedir, userInfo } from 'node:os'
import { join } from 'node:path'
import SSHConfig from 'ssh-config'

let user: string | undefined
/** This process's user name (OpenSSH's default login user), looked up once: each lookup reads the passwd database. */
export function localUser(): string {
  return (user ??= userInfo().username)
}

export interface SshConfigHost {
  /** The name that was looked up (alias). */
  alias: string
  hostName: string
  user: string | undefined
  port: number | undefined
  identityFiles: string[]
  /** Raw ProxyJump value (`[user@]host[:port][,...]`), or undefined / 'none'. */
  proxyJump: string | undefined
  knownHostsFiles: string[]
  acceptNew: boolean
}

export function defaultSshConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.HOME ?? homedir(), '.ssh', 'config')
}

/** Expand `~` and the OpenSSH tokens runbook supports in paths. */
export function expandPath(path: string, tokens: { h: string; p: number; r: string }, home = homedir()): string {
  let out = path.replace(/^~(?=\/|$)/, home)
  out = out.replace(/%([%hprud])/g, (_, t: string) => {
    switch (t) {
      case '%':
        return '%'
      case 'h':
        return tokens.h
      case 'p':
        return String(tokens.p)
      case 'r':
        return tokens.r
      case 'u':
        return localUser()
      case 'd':
        return home
      default:
        return t
    }
  })
  return out
}

function asList(v: string | string[] | undefined): string[] {
  if (v === undefined) return []
  return Array.isArray(v) ? v : [v]
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v
}

/** A parsed ssh_config file. A missing file behaves as an empty one. */
export class SshConfigFile {
  private readonly config: SSHConfig
  /** No directive at all (no file, or only comments): every alias resolves to itself. */
  private readonly empty: boolean

  constructor(
    text: string,
    private readonly home = homedir(),
  ) {
    this.config = SSHConfig.parse(text)
    this.empty = !this.config.some((line) => line.type === SSHConfig.DIRECTIVE)
  }

  static load(path = defaultSshConfigPath()): SshConfigFile {
    return new SshConfigFile(existsSync(path) ? readFileSync(path, 'utf8') : '')
  }

  resolve(alias: string): SshConfigHost {
    // ssh-config's compute() looks the local user up in the passwd database on every call (a file
    // read per host of a fleet, before its connection starts): not worth it when nothing can match.
    if (this.empty)
      return {
        alias,
        hostName: alias,
        user: undefined,
        port: undefined,
        identityFiles: [],
        proxyJump: undefined,
        knownHostsFiles: [],
        acceptNew: false,
      }
    const c = this.config.compute(alias, { ignoreCase: true })
    const hostName = (first(c.hostname) ?? alias).replace(/%h/g, alias)
    const portRaw = first(c.port)
    const port = portRaw === undefined ? undefined : Number(portRaw)
    const user = first(c.user)
    const tokens = { h: hostName, p: port ?? 22, r: user ?? localUser() }
    const strict = first(c.stricthostkeychecking)?.toLowerCase()
    return {
      alias,
      hostName,
      user,
      port: port !== undefined && Number.isInteger(port) ? port : undefined,
      identityFiles: asList(c.identityfile).map((f) => expandPath(f, tokens, this.home)),
      proxyJump: first(c.proxyjump),
      knownHostsFiles: asList(c.userknownhostsfile)
        .flatMap((f) => f.split(/\s+/))
        .map((f) => expandPath(f, tokens, this.home)),
      acceptNew: strict === 'accept-new',
    }
  }
}

/** One hop of a ProxyJump list. */
export interface JumpSpec {
  user: string | undefined
  host: string
  port: number | undefined
}

/** Parse `ProxyJump` / `-J` syntax: `[user@]host[:port]` hops separated by commas, first hop first. */
export function parseProxyJump(value: string | undefined): JumpSpec[] {
  if (!value || value.toLowerCase() === 'none') return []
  return value.split(',').map((hop) => parseDestination(hop.trim()))
}

/** `[user@]host[:port]`, also `[user@][v6addr]:port` and `ssh://user@host:port`. */
export function parseDestination(text: string): JumpSpec {
  let rest = text.replace(/^ssh:\/\//, '')
  let user: string | undefined
  const at = rest.lastIndexOf('@')
  if (at !== -1) {
    user = rest.slice(0, at)
    rest = rest.slice(at + 1)
  }
  let host = rest
  let port: number | undefined
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest)
  if (bracket) {
    host = bracket[1]!
    port = bracket[2] ? Number(bracket[2]) : undefined
  } else {
    const m = /^([^:]+):(\d+)$/.exec(rest)
    if (m) {
      host = m[1]!
      port = Number(m[2])
    }
  }
  return { user, host, port }
}
