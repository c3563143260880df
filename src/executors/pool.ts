/**
 * `SshExecutorFactory`: the ExecutorFactory of real runs. One connection per host, opened on first
 * use and reused by every later command (and shared as the jump for every host behind the same
 * bastion); commands on one host run as parallel channels; idle connections close by themselves.
 * `fanOut` runs work over many hosts with a concurrency limit.
 */
import { setMaxListeners } from 'node:events'
import { performance } from 'node:perf_hooks'
import { ExecError } from '../errors.ts'
import { DEFAULTS } from '../shared/defaults.ts'
import type { CommandResult, CommandSpec, Executor, ExecutorFactory, Prober, ProbeResult, ProbeSpec } from '../types.ts'
import { resolveAddress, resolveTarget, type ResolveContext } from './ssh-target.ts'
import type { Inventory } from '../inventory/load.ts'
import { LocalProber } from './probe.ts'
import { remoteCommand } from './remote-command.ts'
import { SshConfigFile } from './ssh-config.ts'
import { SshConnection, type SshConnectOptions, type SshTarget } from './ssh.ts'
import { sourceAddressTo } from './source-address.ts'

/** Defaults of the SSH executor (shared/defaults.ts); each can be overridden by the `RUNBOOK_SSH_*` env var named there. */
const SSH_DEFAULTS = DEFAULTS.ssh

export type SshDefaults = typeof SSH_DEFAULTS

export function sshDefaults(env: NodeJS.ProcessEnv = process.env): SshDefaults {
  const num = (name: string, fallback: number): number => {
    const v = env[name]
    const n = v === undefined ? NaN : Number(v)
    return Number.isFinite(n) && n >= 0 ? n : fallback
  }
  return {
    connectTimeoutMs: num('RUNBOOK_SSH_CONNECT_TIMEOUT_MS', SSH_DEFAULTS.connectTimeoutMs),
    keepaliveIntervalMs: num('RUNBOOK_SSH_KEEPALIVE_INTERVAL_MS', SSH_DEFAULTS.keepaliveIntervalMs),
    keepaliveCountMax: num('RUNBOOK_SSH_KEEPALIVE_COUNT_MAX', SSH_DEFAULTS.keepaliveCountMax),
    idleTimeoutMs: num('RUNBOOK_SSH_IDLE_TIMEOUT_MS', SSH_DEFAULTS.idleTimeoutMs),
    maxOutputBytes: num('RUNBOOK_SSH_MAX_OUTPUT_BYTES', SSH_DEFAULTS.maxOutputBytes),
    guardCommands: num('RUNBOOK_SSH_GUARD_COMMANDS', SSH_DEFAULTS.guardCommands) === 0 ? 0 : 1,
    keeper: num('RUNBOOK_SSH_KEEPER', SSH_DEFAULTS.keeper) === 0 ? 0 : 1,
  }
}

export interface SshFactoryOptions extends Partial<SshDefaults> {
  inventory?: Inventory | undefined
  /** ~/.ssh/config; loaded from $HOME when not given. */
  sshConfig?: SshConfigFile | undefined
  /** --accept-new-host-keys: record unknown host keys (never changed ones). */
  acceptNewHostKeys?: boolean
  /** ssh-agent socket; defaults to SSH_AUTH_SOCK, null disables the agent. */
  agent?: string | null
  /** Passphrase for encrypted keys; defaults to RUNBOOK_SSH_PASSPHRASE. */
  passphrase?: (file: string) => Promise<string | undefined>
  /** Login password, tried after keys; defaults to RUNBOOK_SSH_PASSWORD (never logged or recorded). */
  password?: (target: SshTarget) => Promise<string | undefined>
  prober?: Prober
  lookup?: SshConnectOptions['lookup']
  env?: NodeJS.ProcessEnv
}

/**
 * A failed hop, told from the target's side: the operator asked for web1, and "handshake with
 * 198.18.0.10 timed out" alone does not say that this is web1's bastion.
 */
function throughJump(err: unknown, target: SshTarget): unknown {
  if (!(err instanceof ExecError) || !target.jump) return err
  return new ExecError(err.kind, target.name, `${target.name} is reached through ${target.jump.name}, which failed: ${err.message}`, {
    cause: err,
    detail: { ...err.detail, via: target.jump.name },
  })
}

function targetKey(t: SshTarget): string {
  return `${t.user}@${t.host}:${t.port}${t.jump ? `>${targetKey(t.jump)}` : ''}`
}

/**
 * @example
 * const factory = new SshExecutorFactory({ inventory: loadInventory('inventory.yaml') })
 * const r = await factory.executor('web1').exec({ host: 'web1', command: 'uptime', sudo: false, timeoutMs: 5000, mutating: false })
 * await factory.close()
 */
export class SshExecutorFactory implements ExecutorFactory {
  readonly prober: Prober
  private readonly defaults: SshDefaults
  private readonly ctx: ResolveContext
  private readonly connectOpts: SshConnectOptions
  private readonly connections = new Map<string, Promise<SshConnection>>()
  private readonly executors = new Map<string, Executor>()
  private readonly targets = new Map<string, SshTarget>()
  /** Connections `warm` started, by target key, until their first user takes them (failed ones too). */
  private readonly warmed = new Map<string, Promise<SshConnection>>()
  /** Aborts connections still opening for `warm` when the factory closes. */
  private readonly closing = new AbortController()
  private readonly idleTimer: NodeJS.Timeout | undefined
  private closed = false

  constructor(private readonly options: SshFactoryOptions = {}) {
    // Every warm-up listens on this one signal: a fleet of 50 is not a listener leak.
    setMaxListeners(0, this.closing.signal)
    const env = options.env ?? process.env
    const d = sshDefaults(env)
    this.defaults = {
      connectTimeoutMs: options.connectTimeoutMs ?? d.connectTimeoutMs,
      keepaliveIntervalMs: options.keepaliveIntervalMs ?? d.keepaliveIntervalMs,
      keepaliveCountMax: options.keepaliveCountMax ?? d.keepaliveCountMax,
      idleTimeoutMs: options.idleTimeoutMs ?? d.idleTimeoutMs,
      maxOutputBytes: options.maxOutputBytes ?? d.maxOutputBytes,
      guardCommands: options.guardCommands ?? d.guardCommands,
      keeper: options.keeper ?? d.keeper,
    }
    this.ctx = {
      inventory: options.inventory,
      sshConfig: options.sshConfig ?? SshConfigFile.load(),
      acceptNewHostKeys: options.acceptNewHostKeys === true,
    }
    const envPass = env.RUNBOOK_SSH_PASSPHRASE
    this.connectOpts = {
      connectTimeoutMs: this.defaults.connectTimeoutMs,
      keepaliveIntervalMs: this.defaults.keepaliveIntervalMs,
      keepaliveCountMax: this.defaults.keepaliveCountMax,
      agent: options.agent === null ? undefined : (options.agent ?? env.SSH_AUTH_SOCK),
      passphrase: options.passphrase ?? (envPass === undefined ? undefined : () => Promise.resolve(envPass)),
      password: options.password ?? (env.RUNBOOK_SSH_PASSWORD === undefined ? undefined : () => Promise.resolve(env.RUNBOOK_SSH_PASSWORD)),
      lookup: options.lookup,
      keeper: this.defaults.keeper !== 0,
    }
    const local = options.prober ?? new LocalProber()
    // Probes name hosts the way the operator does (`web1`): give the prober the real address so
    // an inventory name never turns into a DNS query.
    this.prober = {
      probe: (spec: ProbeSpec, signal?: AbortSignal): Promise<ProbeResult> =>
        local.probe(spec.kind === 'http' ? spec : { ...spec, host: resolveAddress(spec.host, this.ctx) }, signal),
    }
    if (this.defaults.idleTimeoutMs > 0) {
      this.idleTimer = setInterval(() => void this.closeIdle(), Math.max(250, this.defaults.idleTimeoutMs / 4))
      this.idleTimer.unref()
    }
  }

  /**
   * Where a host name leads (inventory, ssh_config, bastions), without connecting. Worked out once
   * per host: every command of a host asks, and the inventory and ssh_config do not change.
   */
  resolve(host: string): SshTarget {
    let target = this.targets.get(host)
    if (!target) {
      target = resolveTarget(host, this.ctx)
      this.targets.set(host, target)
    }
    return target
  }

  /** The open (or opening) connection for a target, shared by every command to it. */
  connection(target: SshTarget, signal?: AbortSignal): Promise<SshConnection> {
    if (this.closed) return Promise.reject(new ExecError('aborted', target.name, 'executor factory is closed'))
    const key = targetKey(target)
    const warmed = this.warmed.get(key)
    if (warmed) {
      // The first user gets the warm-up's outcome, failure included: a host that does not answer
      // costs one connect timeout, not two. Later users retry as usual.
      this.warmed.delete(key)
      return warmed
    }
    const existing = this.connections.get(key)
    if (existing) return existing
    const opening = (async () => {
      const via = target.jump
        ? await this.connection(target.jump, signal).catch((err: unknown) => {
            throw throughJump(err, target)
          })
        : undefined
      const conn = await SshConnection.open(target, { ...this.connectOpts, connectTimeoutMs: this.connectTimeoutFor(target), signal }, via)
      conn.onClose(() => {
        if (this.connections.get(key) === opening) this.connections.delete(key)
      })
      return conn
    })()
    this.connections.set(key, opening)
    // A failed attempt is not cached: the next step tries again.
    opening.catch(() => {
      if (this.connections.get(key) === opening) this.connections.delete(key)
    })
    return opening
  }

  private connectTimeoutFor(target: SshTarget): number {
    // An explicit option (the CLI's --connect-timeout) beats the inventory.
    if (this.options.connectTimeoutMs !== undefined) return this.options.connectTimeoutMs
    const inv = this.ctx.inventory
    return inv?.hosts[target.name]?.connectTimeoutMs ?? inv?.defaults.connectTimeoutMs ?? this.defaults.connectTimeoutMs
  }

  /**
   * One command on an open connection: guarded (remote-command.ts) unless guarding is off or the
   * command is housekeeping or repeatable (sent bare, as they always were).
   */
  private run(conn: SshConnection, spec: CommandSpec, signal: AbortSignal | undefined): Promise<CommandResult> {
    const opts = { timeoutMs: spec.timeoutMs, maxOutputBytes: this.defaults.maxOutputBytes, signal }
    if (this.defaults.guardCommands === 0 || spec.housekeeping || spec.repeatable)
      return conn.exec(remoteCommand(spec.command, spec.sudo, false), opts)
    return conn.execGuarded(spec.command, spec.sudo, opts)
  }

  executor(host: string): Executor {
    const cached = this.executors.get(host)
    if (cached) return cached
    const exec = async (spec: CommandSpec, signal?: AbortSignal): Promise<CommandResult> => {
      const target = this.resolve(host)
      const conn = await this.connection(target, signal)
      return this.run(conn, spec, signal)
    }
    const executor: Executor = { exec, close: () => Promise.resolve() }
    this.executors.set(host, executor)
    return executor
  }

  /**
   * A new connection to the target, not the pooled one (its bastion's connection is reused: the
   * path is the operator's own). Commit-confirmed fixes verify with it that a fresh login to the
   * target still works. Closing the executor closes the connection.
   */
  fresh(host: string): Executor {
    let opened: Promise<SshConnection> | undefined
    const open = (signal?: AbortSignal) => {
      opened ??= (async () => {
        const target = this.resolve(host)
        const via = target.jump
          ? await this.connection(target.jump, signal).catch((err: unknown) => {
              throw throughJump(err, target)
            })
          : undefined
        // A login check runs a command or two: a keeper would save nothing.
        return SshConnection.open(
          target,
          { ...this.connectOpts, connectTimeoutMs: this.connectTimeoutFor(target), signal, keeper: false },
          via,
        )
      })()
      return opened
    }
    return {
      exec: async (spec, signal) => {
        const conn = await open(signal)
        return this.run(conn, spec, signal)
      },
      close: async () => {
        const conn = await opened?.catch(() => undefined)
        conn?.close()
      },
    }
  }

  /**
   * Open the host's pooled connection in the background (a fleet warms the hosts it starts first,
   * so their handshakes overlap its own set-up).
   */
  warm(host: string): void {
    if (this.closed) return
    const target = this.resolveQuietly(host)
    if (!target) return
    const key = targetKey(target)
    if (this.connections.has(key) || this.warmed.has(key)) return
    const opening = this.connection(target, this.closing.signal)
    opening.catch(() => {}) // its first user sees the failure
    this.warmed.set(key, opening)
  }

  /**
   * Close the host's connection now (a fleet is done with the host): its disconnect then overlaps
   * the other hosts' work instead of adding to the end of the run. Kept while a command or a
   * tunnel still runs on it, and when it is a hop of any other host this factory has resolved (a
   * bastion: that host may be connecting through it right now); `close()` ends it then.
   */
  release(host: string): void {
    const target = this.resolveQuietly(host)
    if (!target) return
    const key = targetKey(target)
    for (const [name, other] of this.targets) {
      if (name === host) continue
      for (let hop = other.jump; hop; hop = hop.jump) if (targetKey(hop) === key) return
    }
    const opening = this.warmed.get(key) ?? this.connections.get(key)
    if (!opening) return
    this.warmed.delete(key)
    void opening.then(
      (conn) => {
        if (!conn.isOpen || conn.busy > 0) return
        if (this.connections.get(key) === opening) this.connections.delete(key)
        conn.close()
      },
      () => {}, // its user saw the failure
    )
  }

  /** `resolve`, or undefined for a host name that does not resolve (its run reports it). */
  private resolveQuietly(host: string): SshTarget | undefined {
    try {
      return this.resolve(host)
    } catch {
      return undefined
    }
  }

  /** The hop nearest the target on its path (inventory bastion or ProxyJump), by the operator's name for it. */
  bastionOf(host: string): string | undefined {
    return this.resolve(host).jump?.name
  }

  /** Our source address toward the host's real address (inventory-resolved: never a DNS query for a lab name). */
  sourceAddress(host: string): Promise<string | undefined> {
    return sourceAddressTo(resolveAddress(host, this.ctx))
  }

  private async closeIdle(): Promise<void> {
    const now = performance.now()
    const conns = await Promise.allSettled([...this.connections.values()])
    for (const r of conns) {
      if (r.status !== 'fulfilled') continue
      const c = r.value
      if (c.isOpen && c.busy === 0 && now - c.lastUsed > this.defaults.idleTimeoutMs) c.close()
    }
  }

  async close(): Promise<void> {
    this.closed = true
    this.closing.abort()
    this.warmed.clear()
    if (this.idleTimer) clearInterval(this.idleTimer)
    const conns = await Promise.allSettled([...this.connections.values()])
    this.connections.clear()
    // Targets first, then their bastions.
    const open = conns.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))
    for (const c of open.filter((c) => !open.some((o) => o !== c && o.jump === c))) c.close()
    for (const c of open) c.close()
  }
}

/**
 * Run `fn` over `items` with at most `limit` running at once; results keep the input order.
 * Never rejects because of one item: `fn` is expected to turn its failures into values.
 */
export async function fanOut<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++
      if (i >= items.length) return
      results[i] = await fn(items[i]!, i)
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker))
  return results
}
