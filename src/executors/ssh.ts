/**
 * The ssh2 adapter: the only file that imports ssh2 (STYLE.md habit 14).
 *
 * One `SshConnection` is one authenticated SSH connection to one host; each command is a channel on
 * it, so a command on an open connection costs a round trip, not a handshake. We open the TCP socket
 * ourselves, with TCP_NODELAY (with Nagle on, a small command takes ~44 ms instead of ~2 ms) and
 * with our own connect timeout, so every way a connection can fail is classified into an
 * `ExecFailureKind` a runbook can branch on.
 */
import { createPrivateKey, randomBytes, sign as cryptoSign, type KeyObject } from 'node:crypto'
import { readFileSync, statSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { connect as netConnect } from 'node:net'
import type { LookupFunction, Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { performance } from 'node:perf_hooks'
import ssh2 from 'ssh2'
import type { AuthenticationType, ClientChannel, ConnectConfig, ParsedKey, ServerHostKeyAlgorithm } from 'ssh2'
import { ExecError } from '../errors.ts'
import type { CommandResult, ExecFailureKind } from '../types.ts'
import { KnownHosts, appendKnownHost, hostKeyName } from './known-hosts.ts'
import { findKeeper, keeperKill, keptCommand, registeredCommand, remoteCommand } from './remote-command.ts'

const { Client, utils } = ssh2

/** Where and as whom to connect. `jump` is the previous hop (ProxyJump), connected first. */
export interface SshTarget {
  /** The operator's name for the host, used in messages. */
  name: string
  host: string
  port: number
  user: string
  /** Private keys to offer, in order (after the agent's). */
  identityFiles: string[]
  /** known_hosts files to check; new keys (acceptNewHostKeys) go to the first. */
  knownHostsFiles: string[]
  acceptNewHostKeys: boolean
  jump?: SshTarget | undefined
}

export interface SshConnectOptions {
  /** TCP connect, or channel open through a bastion, then handshake and auth: each bounded by this. */
  connectTimeoutMs: number
  keepaliveIntervalMs: number
  keepaliveCountMax: number
  /** ssh-agent socket (`SSH_AUTH_SOCK`); undefined disables the agent. */
  agent: string | undefined
  /** Passphrase for encrypted identity files, asked at most once per file. */
  passphrase?: ((file: string) => Promise<string | undefined>) | undefined
  /** Password, tried after the agent and the keys (like OpenSSH); undefined: no password auth. */
  password?: ((target: SshTarget) => Promise<string | undefined>) | undefined
  /** DNS resolution; dns.lookup by default. */
  lookup?: LookupFunction | undefined
  signal?: AbortSignal | undefined
  /** Guarded commands register with a keeper on the host (remote-command.ts); default true. */
  keeper?: boolean | undefined
}

/** How long a kill request to the keeper may wait for a channel before the connection is closed instead. */
const KEEPER_KILL_WAIT_MS = 10_000

export interface SshExecOptions {
  timeoutMs: number
  /** Per stream; the rest is read and dropped, and the result says `truncated`. */
  maxOutputBytes: number
  signal?: AbortSignal | undefined
  /** Called when the executor gives up on the command (timeout, abort), after the channel is closed. */
  onGiveUp?: (() => void) | undefined
  /**
   * The command starts the connection's keeper (`keptCommand`) with this nonce: its line is taken
   * out of the command's stderr, and `onKeeper` gets the keeper's pid as soon as it arrives.
   */
  keeper?: { nonce: string; onKeeper(pid: number): void } | undefined
}

export const DEFAULT_IDENTITY_FILES = ['id_ed25519', 'id_ecdsa', 'id_rsa']

/** Known-host key types and the signature algorithms that present them. */
const HOST_KEY_ALGOS: Record<string, ServerHostKeyAlgorithm[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
}
const DEFAULT_HOST_KEY_ORDER: ServerHostKeyAlgorithm[] = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
]

/** Prefer the key types already recorded for the host, like OpenSSH, so a known host is not "changed". */
function hostKeyOrder(known: readonly string[]): ServerHostKeyAlgorithm[] {
  const preferred = known.flatMap((t) => HOST_KEY_ALGOS[t] ?? [])
  return [...new Set([...preferred, ...DEFAULT_HOST_KEY_ORDER])]
}

function describeTarget(t: SshTarget): string {
  return `${t.user}@${t.host}:${t.port}${t.jump ? ` via ${describeTarget(t.jump)}` : ''}`
}

function classifySocketError(err: NodeJS.ErrnoException): ExecFailureKind {
  switch (err.code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
    case 'EAI_NONAME':
      return 'dns'
    case 'ECONNREFUSED':
      return 'refused'
    case 'ETIMEDOUT':
      return 'timeout'
    default:
      return 'unreachable'
  }
}

/**
 * Writes made in one turn of the event loop leave together, in one writev. ssh2 writes every SSH
 * packet on its own: six commands opened at once, or the answers to packets that arrived together,
 * were six syscalls and six TCP segments, each carried by the kernel on both sides and read by the
 * host's sshd (a fleet of 50 hosts running 7 commands each: 1,567 writes, 715 with this). The
 * socket is corked at the first write and uncorked in the same turn's check phase (setImmediate):
 * nothing waits for a timer. `end()` uncorks at once, so a closing connection still says goodbye.
 */
export function coalesceWrites(sock: Duplex): void {
  const write = sock.write.bind(sock) as (...args: unknown[]) => boolean
  let held = false
  sock.write = ((...args: unknown[]): boolean => {
    if (!held && !sock.destroyed && !sock.writableEnded) {
      held = true
      sock.cork()
      setImmediate(() => {
        held = false
        sock.uncork()
      })
    }
    return write(...args)
  }) as Duplex['write']
}

/**
 * After authentication OpenSSH announces all its host keys (`hostkeys-00@openssh.com`, for clients
 * that learn new keys: UpdateHostKeys), and ssh2 answers every announcement by asking the server to
 * prove each key (`hostkeys-prove-00@openssh.com`): the server signs with every host key (an RSA
 * signature is milliseconds of its CPU), the client parses and verifies each signature, and the
 * result goes to a 'hostkeys' event nobody here listens to. OpenSSH's own client asks only for keys
 * it does not know yet, and runbook never learns keys this way (known_hosts is the operator's). So
 * the announcement is acknowledged and dropped; every other global request still goes to ssh2.
 * Reaches into ssh2's message handlers (ssh2 1.x: `client._protocol._handlers`, set synchronously
 * by `connect()`); if they are not where they should be, ssh2 keeps its default.
 */
export function declineHostKeyProofs(client: ssh2.Client): void {
  type GlobalRequest = (p: { requestSuccess(): void }, name: string, wantReply: boolean, data: unknown) => void
  const handlers = (client as unknown as { _protocol?: { _handlers?: { GLOBAL_REQUEST?: GlobalRequest } } })._protocol?._handlers
  const ssh2Handler = handlers?.GLOBAL_REQUEST
  if (!handlers || typeof ssh2Handler !== 'function') return
  handlers.GLOBAL_REQUEST = (p, name, wantReply, data) => {
    if (name !== 'hostkeys-00@openssh.com') return ssh2Handler(p, name, wantReply, data)
    if (wantReply) p.requestSuccess()
  }
}

/** Open a TCP connection with TCP_NODELAY, bounded by `timeoutMs`. */
function tcpConnect(target: SshTarget, opts: SshConnectOptions): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const where = `${target.host}:${target.port}`
    const sock = netConnect({ host: target.host, port: target.port, ...(opts.lookup ? { lookup: opts.lookup } : {}) })
    sock.setNoDelay(true)
    const fail = (kind: ExecFailureKind, message: string, cause?: unknown): void => {
      cleanup()
      sock.destroy()
      reject(new ExecError(kind, target.name, message, { cause, detail: { address: where } }))
    }
    const timer = setTimeout(
      () =>
        fail('timeout', `TCP connect to ${where} timed out after ${opts.connectTimeoutMs} ms (no answer: a firewall may drop the packets)`),
      opts.connectTimeoutMs,
    )
    const onAbort = (): void => fail('aborted', `connect to ${where} aborted`)
    const cleanup = (): void => {
      clearTimeout(timer)
      opts.signal?.removeEventListener('abort', onAbort)
      sock.removeAllListeners('connect')
      sock.removeAllListeners('error')
    }
    opts.signal?.addEventListener('abort', onAbort, { once: true })
    sock.once('connect', () => {
      cleanup()
      resolve(sock)
    })
    sock.once('error', (err: NodeJS.ErrnoException) => {
      const kind = classifySocketError(err)
      const why =
        kind === 'dns'
          ? `cannot resolve host name '${target.host}'`
          : kind === 'refused'
            ? `connection refused by ${where} (nothing listens on port ${target.port})`
            : `cannot reach ${where}: ${err.message}`
      fail(kind, why, err)
    })
  })
}

const passphraseCache = new Map<string, string | undefined>()
// Identity files as read and parsed, reused while the file is unchanged (same inode, size and mtime):
// a fleet opens one connection per host with the same key.
const keyFiles = new Map<string, { stamp: string; data: Buffer; parsed: ReturnType<typeof utils.parseKey> }>()

/** Keys whose `sign` already uses a decoded copy. */
const decoded = new WeakSet<ParsedKey>()

/**
 * ssh2 signs with the key's PEM text, which OpenSSL decodes again at each signature: ~0.7 ms of CPU
 * for an ed25519 key (50 us with a decoded key), once per host of a fleet. The key is decoded once
 * here; its signatures are the same (ed25519 has no hash to choose; an RSA key is signed with the
 * hash the server agreed on, which ssh2 always passes). Other signatures go to ssh2 as before.
 *
 * @example
 * signingOnce(utils.parseKey(readFileSync('id_ed25519')) as ParsedKey).sign(data) // as ssh2's sign
 */
export function signingOnce(key: ParsedKey): ParsedKey {
  const ed25519 = key.type === 'ssh-ed25519'
  if (decoded.has(key) || (!ed25519 && key.type !== 'ssh-rsa')) return key
  let object: KeyObject
  try {
    object = createPrivateKey(key.getPrivatePEM())
  } catch {
    return key
  }
  decoded.add(key)
  const slow = key.sign.bind(key)
  key.sign = (data: Buffer, algo?: string): Buffer => {
    const hash = ed25519 ? null : algo || undefined
    if (hash === undefined) return slow(data, algo)
    try {
      return cryptoSign(hash, data, object)
    } catch {
      return slow(data, algo) // ssh2's own way to report it
    }
  }
  return key
}

/** Load and (if needed) decrypt the identity files; unreadable or undecryptable keys are skipped. */
async function loadKeys(files: readonly string[], opts: SshConnectOptions): Promise<{ file: string; key: ParsedKey }[]> {
  const keys: { file: string; key: ParsedKey }[] = []
  const candidates = files.length > 0 ? files : DEFAULT_IDENTITY_FILES.map((f) => join(homedir(), '.ssh', f))
  for (const file of candidates) {
    const st = statSync(file, { throwIfNoEntry: false })
    if (!st) continue
    const stamp = `${st.ino}:${st.size}:${st.mtimeMs}`
    let read = keyFiles.get(file)
    if (read?.stamp !== stamp) {
      const data = readFileSync(file)
      read = { stamp, data, parsed: utils.parseKey(data) }
      keyFiles.set(file, read)
    }
    const data = read.data
    let parsed = read.parsed
    if (parsed instanceof Error && /encrypted|passphrase/i.test(parsed.message)) {
      let pass = passphraseCache.get(file)
      if (pass === undefined && opts.passphrase) {
        pass = await opts.passphrase(file)
        passphraseCache.set(file, pass)
      }
      if (pass === undefined) continue
      parsed = utils.parseKey(data, pass)
    }
    if (parsed instanceof Error) continue
    const key = Array.isArray(parsed) ? parsed[0] : parsed
    if (key && key.isPrivateKey()) keys.push({ file, key: signingOnce(key) })
  }
  return keys
}

/**
 * One authenticated connection. Commands run as parallel channels, at most `maxSessions` at a time
 * (OpenSSH's MaxSessions defaults to 10); when the server refuses a channel while others are open,
 * the limit is lowered and the command waits for a free one instead of failing.
 */
export class SshConnection {
  private open = true
  private sessions = 0
  private maxSessions = 10
  private readonly waiters: (() => void)[] = []
  private readonly onLost = new Set<(err: ExecError) => void>()
  private lostError: ExecError | undefined
  lastUsed = performance.now()
  /** Channels in use (sessions and forwards); the pool closes idle connections only. */
  busy = 0
  /**
   * The connection's keeper on the host (remote-command.ts), started by its first guarded command:
   * `unstarted`, `starting` (that command runs, the keeper's pid not known yet), `running` (its
   * pid), `off` (the login shell is not bash, the line never came, or keepers are off).
   */
  private keeper: { state: 'unstarted' } | { state: 'starting' } | { state: 'off' } | { state: 'running'; pid: number; next: number } = {
    state: 'unstarted',
  }
  /** When a channel of ours last closed (performance.now()): sshd frees its session a little later. */
  private lastClosedAt = -Infinity

  private constructor(
    private readonly client: InstanceType<typeof Client>,
    readonly target: SshTarget,
    private readonly via: SshConnection | undefined,
    private readonly useKeeper: boolean,
  ) {
    // Attached in the 'ready' handler itself, before any later event can arrive, and never removed:
    // ssh2 emits 'error' at any time (keepalive timeout, socket reset, a late 'Connection lost'),
    // and an 'error' with no listener kills the whole process.
    client.on('close', () => this.lose(new ExecError('unreachable', target.name, `connection to ${describeTarget(target)} closed`)))
    client.on('error', (err: Error & { level?: string }) => {
      const kind: ExecFailureKind = err.level === 'client-timeout' ? 'timeout' : 'unreachable'
      this.lose(new ExecError(kind, target.name, `connection to ${describeTarget(target)} lost: ${err.message}`, { cause: err }))
    })
  }

  get isOpen(): boolean {
    return this.open
  }

  /** Called once when the connection dies (server gone, keepalive timeout, closed). */
  onClose(fn: (err: ExecError) => void): void {
    if (!this.open && this.lostError) fn(this.lostError)
    else this.onLost.add(fn)
  }

  private lose(err: ExecError): void {
    if (!this.open) return
    this.open = false
    this.lostError = err
    for (const fn of this.onLost) fn(err)
    this.onLost.clear()
    for (const w of this.waiters.splice(0)) w()
  }

  /**
   * Connect to `target`, directly or through `via` (an open connection to the previous hop).
   * Rejects with an ExecError whose kind says why.
   */
  static async open(target: SshTarget, opts: SshConnectOptions, via?: SshConnection): Promise<SshConnection> {
    const sock: Duplex = via
      ? await via.forwardOut(target.host, target.port, opts.connectTimeoutMs, target.name)
      : await tcpConnect(target, opts)
    coalesceWrites(sock)
    // Until ssh2 attaches its own listener (client.connect), a reset while the keys load must not
    // become an unhandled 'error'. Kept for the socket's whole life: it costs nothing.
    let sockError: Error | undefined
    sock.on('error', (err: Error) => {
      sockError ??= err
    })
    let keys: { file: string; key: ParsedKey }[]
    let known: KnownHosts
    try {
      known = new KnownHosts(target.knownHostsFiles)
      keys = await loadKeys(target.identityFiles, opts)
    } catch (err) {
      sock.destroy()
      throw err
    }
    if (sock.destroyed) {
      throw new ExecError(
        'unreachable',
        target.name,
        `connection to ${describeTarget(target)} closed before the SSH handshake${sockError ? `: ${sockError.message}` : ''}`,
        { cause: sockError },
      )
    }
    const client = new Client()
    let hostKeyError: ExecError | undefined

    const hostVerifier = (blob: Buffer): boolean => {
      const verdict = known.verify(target.host, target.port, blob)
      const name = hostKeyName(target.host, target.port)
      switch (verdict.status) {
        case 'known':
          return true
        case 'unknown':
          if (target.acceptNewHostKeys && target.knownHostsFiles[0]) {
            appendKnownHost(target.knownHostsFiles[0], target.host, target.port, blob)
            return true
          }
          hostKeyError = new ExecError(
            'host-key-unknown',
            target.name,
            `host key of ${name} is not known (${verdict.keyType} ${verdict.fingerprint}). Check the fingerprint with the host's owner, then add it to ${target.knownHostsFiles[0] ?? '~/.ssh/known_hosts'} or pass --accept-new-host-keys`,
            { detail: { fingerprint: verdict.fingerprint, keyType: verdict.keyType, host: name } },
          )
          return false
        case 'mismatch':
          hostKeyError = new ExecError(
            'host-key-mismatch',
            target.name,
            `HOST KEY CHANGED for ${name}: the server shows ${verdict.keyType} ${verdict.fingerprint}, known_hosts (${verdict.file}:${verdict.line}) has ${verdict.expected.join(', ')}. Someone may be intercepting the connection, or the host was reinstalled; if you know why, remove the old key with ssh-keygen -R '${name}'`,
            {
              detail: {
                fingerprint: verdict.fingerprint,
                keyType: verdict.keyType,
                expected: verdict.expected.join(','),
                host: name,
                file: verdict.file,
                line: String(verdict.line),
              },
            },
          )
          return false
        case 'revoked':
          hostKeyError = new ExecError(
            'host-key-mismatch',
            target.name,
            `host key of ${name} (${verdict.fingerprint}) is marked @revoked in ${verdict.file}:${verdict.line}`,
            { detail: { fingerprint: verdict.fingerprint, keyType: verdict.keyType, host: name } },
          )
          return false
      }
    }

    // Agent first, then each identity file, like OpenSSH.
    type AuthMethod =
      | { type: 'agent'; username: string; agent: string }
      | { type: 'publickey'; username: string; key: ParsedKey }
      | { type: 'password'; username: string; password: string }
    const methods: AuthMethod[] = []
    if (opts.agent) methods.push({ type: 'agent', username: target.user, agent: opts.agent })
    for (const { key } of keys) methods.push({ type: 'publickey', username: target.user, key })
    const tried: string[] = []
    let passwordAsked = false
    const authHandler = (left: AuthenticationType[] | null, _partial: boolean, next: (m: AuthMethod | false) => void): void => {
      const m = methods.shift()
      if (m) {
        tried.push(m.type === 'agent' ? 'agent' : m.type === 'publickey' ? `key ${m.key.comment || m.key.type}` : 'password')
        return next(m)
      }
      // Keys first; a password only when they did not do and the server still takes one.
      if (opts.password && !passwordAsked && (left === null || left.includes('password'))) {
        passwordAsked = true
        void opts.password(target).then(
          (password) => {
            if (password === undefined) return next(false)
            tried.push('password')
            next({ type: 'password', username: target.user, password })
          },
          () => next(false),
        )
        return
      }
      next(false)
    }

    const config: ConnectConfig = {
      sock: sock as unknown as ConnectConfig['sock'],
      host: target.host,
      port: target.port,
      username: target.user,
      readyTimeout: opts.connectTimeoutMs,
      keepaliveInterval: opts.keepaliveIntervalMs,
      keepaliveCountMax: opts.keepaliveCountMax,
      hostVerifier,
      authHandler: authHandler as unknown as ConnectConfig['authHandler'],
      algorithms: { serverHostKey: hostKeyOrder(known.knownKeyTypes(target.host, target.port)) },
    }

    return new Promise<SshConnection>((resolve, reject) => {
      // ssh2 can emit several errors for one failed handshake: after the ready timeout it destroys
      // the socket and then reports 'Connection lost before handshake' as well (a silent sshd, e.g.
      // SIGSTOPped, does exactly this). The first one decides; this listener stays for the client's
      // whole life and swallows the rest, which have already been reported.
      let settled = false
      const settle = (): boolean => {
        if (settled) return false
        settled = true
        opts.signal?.removeEventListener('abort', onAbort)
        return true
      }
      const onAbort = (): void => {
        if (!settle()) return
        client.end()
        sock.destroy()
        reject(new ExecError('aborted', target.name, `connect to ${describeTarget(target)} aborted`))
      }
      opts.signal?.addEventListener('abort', onAbort, { once: true })
      client.once('ready', () => {
        if (!settle()) return
        // Created here, synchronously, so its own error and close listeners are in place before
        // any later event of this client.
        resolve(new SshConnection(client, target, via, opts.keeper !== false))
      })
      client.once('close', () => {
        if (!settle()) return
        reject(
          hostKeyError ??
            new ExecError('unreachable', target.name, `${describeTarget(target)} closed the connection during the SSH handshake`),
        )
      })
      client.on('error', (err: Error & { level?: string }) => {
        if (!settle()) return
        client.end()
        sock.destroy()
        if (hostKeyError) return reject(hostKeyError)
        const where = describeTarget(target)
        if (err.level === 'client-authentication') {
          const offered = tried.length > 0 ? tried.join(', ') : 'nothing (no agent, no identity file found)'
          return reject(
            new ExecError(
              'auth-failed',
              target.name,
              `authentication as '${target.user}' refused by ${where} (offered: ${offered}). Check the user, and that the key is in the host's authorized_keys`,
              { cause: err, detail: { user: target.user } },
            ),
          )
        }
        if (err.level === 'client-timeout') {
          return reject(
            new ExecError(
              'timeout',
              target.name,
              `SSH handshake with ${where} did not finish within ${opts.connectTimeoutMs} ms (TCP connected, but the server did not answer: its sshd may be hung, stopped or overloaded; check it from the host's console, or raise the connect timeout if the host is just slow)`,
              { cause: err },
            ),
          )
        }
        reject(new ExecError('unreachable', target.name, `SSH connection to ${where} failed: ${err.message}`, { cause: err }))
      })
      client.connect(config)
      declineHostKeyProofs(client)
    })
  }

  /** Open a `direct-tcpip` channel to host:port as seen from this host (ProxyJump). */
  forwardOut(host: string, port: number, timeoutMs: number, forName: string): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      if (!this.open) return reject(this.lostError ?? new ExecError('unreachable', forName, 'bastion connection closed'))
      const where = `${host}:${port} via ${this.target.name}`
      let settled = false
      const timer = setTimeout(() => {
        settled = true
        reject(
          new ExecError(
            'timeout',
            forName,
            `TCP connect to ${where} timed out after ${timeoutMs} ms (no answer: a firewall may drop the packets)`,
            { detail: { address: `${host}:${port}`, via: this.target.name } },
          ),
        )
      }, timeoutMs)
      this.client.forwardOut('127.0.0.1', 0, host, port, (err, stream) => {
        clearTimeout(timer)
        if (settled) {
          stream?.destroy()
          return
        }
        if (err) {
          const desc = err.message
          const kind: ExecFailureKind = /refused/i.test(desc)
            ? 'refused'
            : /timed out/i.test(desc)
              ? 'timeout'
              : /resolve|not known|name/i.test(desc)
                ? 'dns'
                : 'unreachable'
          return reject(
            new ExecError(kind, forName, `${this.target.name} could not connect to ${host}:${port}: ${desc}`, {
              cause: err,
              detail: { address: `${host}:${port}`, via: this.target.name },
            }),
          )
        }
        // The forwarded channel carries the next hop's SSH connection; that client reports its
        // failures. This listener covers the gap before it attaches its own, and stays.
        stream.on('error', () => {})
        this.busy++
        stream.once('close', () => {
          this.busy--
          this.lastUsed = performance.now()
        })
        resolve(stream)
      })
    })
  }

  private acquire(signal: AbortSignal | undefined): Promise<void> {
    if (this.sessions < this.maxSessions) {
      this.sessions++
      return Promise.resolve()
    }
    return new Promise((resolve, reject) => {
      const wake = (): void => {
        signal?.removeEventListener('abort', onAbort)
        if (!this.open) return reject(this.lostError)
        if (this.sessions < this.maxSessions) {
          this.sessions++
          resolve()
        } else this.waiters.unshift(wake)
      }
      const onAbort = (): void => {
        const i = this.waiters.indexOf(wake)
        if (i !== -1) this.waiters.splice(i, 1)
        reject(new ExecError('aborted', this.target.name, 'aborted while waiting for a free SSH channel'))
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.waiters.push(wake)
    })
  }

  /** A session is free again; `closed`: a channel that was open has closed (not a refused open). */
  private release(closed = true): void {
    if (closed) this.lastClosedAt = performance.now()
    this.sessions--
    this.lastUsed = performance.now()
    const next = this.waiters.shift()
    if (next) next()
  }

  /** Open an exec channel, waiting and retrying while the server refuses more sessions. */
  private async openExec(command: string, signal: AbortSignal | undefined, attach: (stream: ClientChannel) => void): Promise<void> {
    for (;;) {
      await this.acquire(signal)
      try {
        return await new Promise<void>((resolve, reject) => {
          // Listeners must be attached synchronously: ssh2 may emit exit and close for a fast
          // command in the same tick as this callback.
          this.client.exec(command, (err, stream) => {
            if (err) return reject(err)
            attach(stream)
            resolve()
          })
        })
      } catch (err) {
        const refused = (err as { reason?: unknown }).reason !== undefined
        this.release(false)
        if (!this.open) throw this.lostError
        if (refused && this.sessions === 0 && performance.now() - this.lastClosedAt < 2000) {
          // Nothing of ours is open, but a channel just closed: sshd frees its session when the
          // command has ended, a little after the channel. Ask again shortly.
          await new Promise((r) => setTimeout(r, 25))
          continue
        }
        if (refused && this.sessions > 0) {
          // The server's MaxSessions is lower than ours: remember it and wait for a channel to close.
          this.maxSessions = Math.max(1, this.sessions)
          continue
        }
        throw new ExecError('channel-failed', this.target.name, `${this.target.name} refused to run a command: ${(err as Error).message}`, {
          cause: err,
        })
      }
    }
  }

  /**
   * Run `command` guarded (remote-command.ts), so that it dies on the host when the executor gives
   * up on it or the connection goes. The connection's first guarded command starts the keeper;
   * later ones register with it once its pid is known, and the executor asks it to kill one it
   * gives up on. Others have a watcher of their own: commands through sudo, commands that start
   * before the keeper's pid is known, all commands on hosts without a keeper.
   */
  execGuarded(command: string, sudo: boolean, opts: SshExecOptions): Promise<CommandResult> {
    const keeper = this.keeper
    if (sudo || !this.useKeeper || keeper.state === 'off' || keeper.state === 'starting')
      return this.exec(remoteCommand(command, sudo, true), opts)
    if (keeper.state === 'unstarted') {
      this.keeper = { state: 'starting' }
      const nonce = randomBytes(6).toString('hex')
      const onKeeper = (pid: number): void => {
        if (this.keeper.state === 'starting') this.keeper = { state: 'running', pid, next: 1 }
      }
      return this.exec(keptCommand(command, nonce), { ...opts, keeper: { nonce, onKeeper } }).finally(() => {
        // No line by the command's end: no keeper (another login shell, a stdin /proc cannot reopen).
        if (this.keeper.state === 'starting') this.keeper = { state: 'off' }
      })
    }
    const token = keeper.next++
    return this.exec(registeredCommand(command, keeper.pid, token), {
      ...opts,
      onGiveUp: () => {
        this.askKeeperToKill(keeper.pid, token)
        opts.onGiveUp?.()
      },
    })
  }

  /**
   * Ask the keeper, on a channel of its own, to kill the command registered as `token`. A server
   * whose sessions are all taken (by commands that hang, say) may refuse that channel, or not open
   * it within KEEPER_KILL_WAIT_MS: the connection is closed then, and the keeper, seeing it go,
   * kills every command of it that still runs.
   */
  private askKeeperToKill(pid: number, token: number): void {
    if (!this.open) return // the keeper sees the connection go and kills what still runs
    const watchdog = setTimeout(() => this.close(), KEEPER_KILL_WAIT_MS)
    watchdog.unref()
    this.exec(keeperKill(pid, token), { timeoutMs: KEEPER_KILL_WAIT_MS, maxOutputBytes: 4096 }).then(
      () => clearTimeout(watchdog),
      () => {
        // The server refused the channel (every session taken), or the connection is gone: either
        // way the keeper sees the connection end and kills what still runs.
        clearTimeout(watchdog)
        this.close()
      },
    )
  }

  /**
   * Run one command (`sh -c` semantics of the login shell) and collect its result. Resolves for any
   * command that started, including a non-zero exit or a timeout (`timedOut: true`: the channel
   * gets a KILL signal request, EOF and close, and `opts.onGiveUp` is called; a command wrapped by
   * `remoteCommand`, or registered with the keeper (`execGuarded`), then has its process group
   * killed on the host); rejects with ExecError when it could not run. Nothing is
   * ever written to the command's stdin, and it is not closed before the command ends.
   */
  async exec(command: string, opts: SshExecOptions): Promise<CommandResult> {
    if (!this.open) throw this.lostError ?? new ExecError('unreachable', this.target.name, 'connection closed')
    if (opts.signal?.aborted) throw new ExecError('aborted', this.target.name, 'aborted before the command started')
    const start = performance.now()
    this.busy++
    try {
      let result: Promise<CommandResult> | undefined
      await this.openExec(command, opts.signal, (stream) => {
        result = this.collect(stream, start, opts)
      })
      return await result!
    } finally {
      this.busy--
      this.lastUsed = performance.now()
    }
  }

  private collect(stream: ClientChannel, start: number, opts: SshExecOptions): Promise<CommandResult> {
    return new Promise((resolve, reject) => {
      const out: Buffer[] = []
      const err: Buffer[] = []
      let outBytes = 0
      let errBytes = 0
      let truncated = false
      let exitCode: number | null = null
      let signalName: string | null = null
      let gotExit = false
      let timedOut = false
      let finished = false
      const take = (chunks: Buffer[], size: number, chunk: Buffer): number => {
        const room = opts.maxOutputBytes - size
        if (room <= 0) {
          truncated = true
          return size
        }
        if (chunk.length > room) {
          truncated = true
          chunks.push(chunk.subarray(0, room))
          return size + room
        }
        chunks.push(chunk)
        return size + chunk.length
      }
      let channelError: Error | undefined
      // An 'error' with no listener would kill the process; 'close' follows and settles the result.
      const onChannelError = (e: Error): void => {
        channelError ??= e
      }
      stream.on('error', onChannelError)
      stream.stderr.on('error', onChannelError)
      stream.on('data', (c: Buffer) => {
        outBytes = take(out, outBytes, c)
      })
      // The keeper's line, when this command starts it: looked for in the stderr so far (only what
      // the login files printed comes before it), and taken out of the result.
      let keeperLine: string | undefined
      let seen = ''
      stream.stderr.on('data', (c: Buffer) => {
        errBytes = take(err, errBytes, c)
        if (!opts.keeper || keeperLine !== undefined || seen.length > 65_536) return
        seen += c.toString('latin1')
        const found = findKeeper(seen, opts.keeper.nonce)
        if (!found) return
        keeperLine = found.line
        opts.keeper.onKeeper(found.pid)
      })
      stream.on('exit', (code: number | null, sig?: string) => {
        gotExit = true
        exitCode = code ?? null
        signalName = sig ? sig.replace(/^SIG/, '') : null
      })
      const finish = (): void => {
        if (finished) return
        finished = true
        clearTimeout(timer)
        clearTimeout(grace)
        opts.signal?.removeEventListener('abort', onAbort)
        this.release()
        if (!gotExit && !timedOut && !this.open) {
          return reject(
            new ExecError('unreachable', this.target.name, `connection to ${this.target.name} lost while the command ran`, {
              cause: this.lostError,
            }),
          )
        }
        if (!gotExit && !timedOut && channelError) {
          return reject(
            new ExecError(
              'channel-failed',
              this.target.name,
              `the SSH channel of the command on ${this.target.name} failed: ${channelError.message}`,
              { cause: channelError },
            ),
          )
        }
        resolve({
          exitCode: timedOut && !gotExit ? null : exitCode,
          signal: signalName,
          stdout: Buffer.concat(out).toString('utf8'),
          stderr:
            keeperLine === undefined ? Buffer.concat(err).toString('utf8') : Buffer.concat(err).toString('utf8').replace(keeperLine, ''),
          durationMs: Math.round((performance.now() - start) * 100) / 100,
          timedOut,
          ...(truncated ? { truncated: true } : {}),
        })
      }
      let grace: NodeJS.Timeout | undefined
      const kill = (): void => {
        try {
          // Ends the process group where sshd honours the request (not for root logins, not
          // through sudo); EOF on stdin is what the host-side watcher of remote-command.ts waits
          // for, and it works everywhere.
          stream.signal('KILL')
          stream.eof()
        } catch {
          /* channel already gone */
        }
        stream.close()
        opts.onGiveUp?.()
        // Do not wait for a server that no longer answers.
        grace = setTimeout(finish, 250)
      }
      const timer = setTimeout(() => {
        timedOut = true
        kill()
      }, opts.timeoutMs)
      const onAbort = (): void => {
        kill()
        finished = true
        clearTimeout(timer)
        this.release()
        reject(new ExecError('aborted', this.target.name, 'command aborted'))
      }
      opts.signal?.addEventListener('abort', onAbort, { once: true })
      stream.on('close', finish)
    })
  }

  /** Close the connection (and nothing else: a bastion connection is the pool's to close). */
  close(): void {
    if (!this.open) return
    this.client.end()
    this.lose(new ExecError('unreachable', this.target.name, 'connection closed'))
  }

  get jump(): SshConnection | undefined {
    return this.via
  }
}
