/**
 * Checks made from the operator's machine: can I open a TCP connection, does it answer ping, does
 * the HTTP endpoint answer. A failed probe is a fact for the diagnosis, so it resolves with
 * `ok: false` and a classified `error`; only an abort rejects (ExecError kind 'aborted').
 */
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import net from 'node:net'
import { ExecError, RunbookError } from '../errors.ts'
import type { ExecFailure, ExecFailureKind, ProbeResult, ProbeSpec, Prober } from '../types.ts'

/**
 * http and https (with tls) load on the first HTTP probe: ~15 ms of every CLI start otherwise, and
 * most runs never probe HTTP. Synchronously, so a probe's timing starts as before.
 */
const requireBuiltin = createRequire(import.meta.url)
const httpGet = (protocol: string): typeof import('node:http').get =>
  protocol === 'https:'
    ? (requireBuiltin('node:https') as typeof import('node:https')).get
    : (requireBuiltin('node:http') as typeof import('node:http')).get

/** Bytes of an HTTP body read before hanging up: enough for a health page, never a download. */
const HTTP_BODY_LIMIT = 64 * 1024

/** After SIGINT (ping prints its summary on it), how long ping gets before SIGKILL. */
const PING_KILL_GRACE_MS = 250

/** Seconds between echo requests: iputils' minimum for unprivileged users, so a count stays quick. */
const PING_INTERVAL_S = 0.2

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA'])
const UNREACHABLE_CODES = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'EADDRNOTAVAIL'])

/**
 * Maps a Node network error to the failure kind runbooks branch on. Exported so every executor
 * classifies connection failures the same way.
 *
 * @example
 * classifyNetError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))  // 'refused'
 */
export function classifyNetError(err: unknown): ExecFailureKind {
  const code = errorCode(err)
  if (code === 'ECONNREFUSED') return 'refused'
  if (code === 'ETIMEDOUT') return 'timeout'
  if (code !== undefined && DNS_CODES.has(code)) return 'dns'
  if (code !== undefined && UNREACHABLE_CODES.has(code)) return 'unreachable'
  // ECONNRESET, EPIPE and friends: something answered and then cut us off.
  return 'refused'
}

/** Node's happy-eyeballs connect reports an AggregateError whose own code may be missing. */
function errorCode(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  if (typeof code === 'string') return code
  if (err instanceof AggregateError) return errorCode(err.errors[0])
  return undefined
}

function failure(kind: ExecFailureKind, message: string): ExecFailure {
  return { kind, message }
}

function aborted(target: string, signal: AbortSignal): ExecError {
  return new ExecError('aborted', target, `Probe of ${target} aborted`, { cause: signal.reason })
}

/**
 * Probes from this machine with Node's own sockets (tcp, http) and the system `ping` (iputils).
 * Every probe is bounded by `spec.timeoutMs` and by `signal`: it never hangs.
 *
 * A timeout that fires before the host name resolved is reported as kind `dns`, because that is
 * where the time went.
 *
 * @example
 * const prober = new LocalProber()
 * const r = await prober.probe({ kind: 'tcp', host: 'web1.example.org', port: 22, timeoutMs: 3000 })
 * if (!r.ok) console.log(r.error?.kind)  // 'refused' | 'timeout' | 'dns' | 'unreachable'
 */
export class LocalProber implements Prober {
  probe(spec: ProbeSpec, signal?: AbortSignal): Promise<ProbeResult> {
    switch (spec.kind) {
      case 'tcp':
        return probeTcp(spec, signal)
      case 'ping':
        return probePing(spec, signal)
      case 'http':
        return probeHttp(spec, signal)
    }
  }
}

type TcpSpec = Extract<ProbeSpec, { kind: 'tcp' }>
type PingSpec = Extract<ProbeSpec, { kind: 'ping' }>
type HttpSpec = Extract<ProbeSpec, { kind: 'http' }>

function probeTcp(spec: TcpSpec, signal?: AbortSignal): Promise<ProbeResult> {
  const target = `${spec.host}:${spec.port}`
  if (signal?.aborted) return Promise.reject(aborted(target, signal))
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const elapsed = (): number => Math.round(performance.now() - started)
    let resolved = net.isIP(spec.host) !== 0
    const socket = net.connect({ host: spec.host, port: spec.port })
    socket.once('lookup', () => {
      resolved = true
    })

    const done = (): void => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      socket.destroy()
    }
    const fail = (error: ExecFailure): void => {
      done()
      resolve({ ok: false, open: false, durationMs: elapsed(), error })
    }
    const onAbort = (): void => {
      done()
      reject(aborted(target, signal as AbortSignal))
    }

    const timer = setTimeout(() => {
      fail(
        resolved
          ? failure('timeout', `No answer from ${target} within ${spec.timeoutMs} ms`)
          : failure('dns', `Resolving ${spec.host} took longer than ${spec.timeoutMs} ms`),
      )
    }, spec.timeoutMs)
    signal?.addEventListener('abort', onAbort, { once: true })

    socket.once('connect', () => {
      done()
      resolve({ ok: true, open: true, durationMs: elapsed() })
    })
    socket.on('error', (err) => {
      fail(failure(classifyNetError(err), `Connecting to ${target}: ${describe(err)}`))
    })
  })
}

function describe(err: unknown): string {
  const code = errorCode(err)
  const message = err instanceof Error && err.message !== '' ? err.message : String(err)
  return code !== undefined && !message.includes(code) ? `${code} ${message}` : message
}

function probeHttp(spec: HttpSpec, signal?: AbortSignal): Promise<ProbeResult> {
  let url: URL
  try {
    url = new URL(spec.url)
  } catch (err) {
    // Probe specs are validated before a run starts; a bad URL here is a bug upstream.
    return Promise.reject(new RunbookError('RB_INTERNAL', `Invalid probe URL: ${spec.url}`, { cause: err }))
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return Promise.reject(new RunbookError('RB_INTERNAL', `Probe URL must be http or https: ${spec.url}`))
  }
  if (signal?.aborted) return Promise.reject(aborted(spec.url, signal))

  return new Promise((resolve, reject) => {
    const started = performance.now()
    const elapsed = (): number => Math.round(performance.now() - started)
    const hostname = url.hostname.replace(/^\[|\]$/g, '')
    let resolved = net.isIP(hostname) !== 0
    let status: number | undefined
    let settled = false
    // Our own controller: it stops the request on our timeout and on the caller's abort alike.
    const controller = new AbortController()

    const settle = (result: ProbeResult | ExecError): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      controller.abort()
      if (result instanceof ExecError) reject(result)
      else resolve(result)
    }
    const withStatus = (code: number): ProbeResult => ({ ok: code < 500, status: code, durationMs: elapsed() })
    const onAbort = (): void => settle(aborted(spec.url, signal as AbortSignal))

    const timer = setTimeout(() => {
      // Headers arrived but the body is slow: the status is still the answer.
      if (status !== undefined) return settle(withStatus(status))
      const error = resolved
        ? failure('timeout', `No HTTP answer from ${spec.url} within ${spec.timeoutMs} ms`)
        : failure('dns', `Resolving ${hostname} took longer than ${spec.timeoutMs} ms`)
      settle({ ok: false, durationMs: elapsed(), error })
    }, spec.timeoutMs)
    signal?.addEventListener('abort', onAbort, { once: true })

    const get = httpGet(url.protocol)
    // agent: false: no keep-alive pool, so nothing outlives the probe.
    const req = get(url, { agent: false, signal: controller.signal, headers: { 'user-agent': 'runbook-probe' } }, (res) => {
      status = res.statusCode ?? 0
      let read = 0
      res.on('data', (chunk: Buffer) => {
        read += chunk.length
        if (read >= HTTP_BODY_LIMIT) settle(withStatus(status ?? 0))
      })
      res.once('end', () => settle(withStatus(status ?? 0)))
      res.on('error', () => settle(withStatus(status ?? 0)))
    })
    req.once('socket', (socket) => socket.once('lookup', () => (resolved = true)))
    req.on('error', (err) => {
      if (settled) return
      if (status !== undefined) return settle(withStatus(status))
      settle({
        ok: false,
        durationMs: elapsed(),
        error: failure(classifyNetError(err), `GET ${spec.url}: ${describe(err)}`),
      })
    })
  })
}

/** What the ping summary says. Exported for tests and for readers of recorded ping output. */
export interface PingSummary {
  sent: number
  received: number
  /** Average round trip, when at least one reply came back. */
  rttMs?: number
}

/**
 * Reads the summary lines of iputils (and BSD) ping. Deliberately small: the parsers module owns
 * general parsing; this only needs the two lines ping has printed the same way for decades.
 *
 * @example
 * readPingSummary('2 packets transmitted, 2 received, 0% packet loss, time 1001ms\n' +
 *   'rtt min/avg/max/mdev = 0.041/0.116/0.192/0.075 ms')  // { sent: 2, received: 2, rttMs: 0.116 }
 */
export function readPingSummary(stdout: string): PingSummary | undefined {
  const counts = /(\d+) packets transmitted, (\d+) (?:packets )?received/.exec(stdout)
  if (!counts) return undefined
  const summary: PingSummary = { sent: Number(counts[1]), received: Number(counts[2]) }
  const rtt = /(?:rtt|round-trip) min\/avg\/max(?:\/\w+)? = [\d.]+\/([\d.]+)\//.exec(stdout)
  if (rtt?.[1] !== undefined) summary.rttMs = Number(rtt[1])
  return summary
}

function probePing(spec: PingSpec, signal?: AbortSignal): Promise<ProbeResult> {
  if (signal?.aborted) return Promise.reject(aborted(spec.host, signal))
  const count = Math.max(1, Math.floor(spec.count))
  // Wait for each reply as long as the whole probe may last; our own timer cuts it short anyway.
  const waitS = Math.max(0.1, spec.timeoutMs / 1000).toFixed(1)
  const args = ['-n', '-c', String(count), '-i', String(PING_INTERVAL_S), '-W', waitS, '--', spec.host]

  return new Promise((resolve, reject) => {
    const started = performance.now()
    const elapsed = (): number => Math.round(performance.now() - started)
    let stdout = ''
    let stderr = ''
    let settled = false
    let timedOut = false
    const child = spawn('ping', args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } })
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s))
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s))

    const settle = (result: ProbeResult | ExecError): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      clearTimeout(killTimer)
      signal?.removeEventListener('abort', onAbort)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      if (result instanceof ExecError) reject(result)
      else resolve(result)
    }
    const onAbort = (): void => settle(aborted(spec.host, signal as AbortSignal))
    let killTimer: NodeJS.Timeout | undefined
    const timer = setTimeout(() => {
      timedOut = true
      // SIGINT makes ping print its summary and exit; SIGKILL (and settling) if it does not.
      child.kill('SIGINT')
      killTimer = setTimeout(() => settle(pingResult(spec, stdout, stderr, elapsed(), true)), PING_KILL_GRACE_MS)
    }, spec.timeoutMs)
    signal?.addEventListener('abort', onAbort, { once: true })

    child.once('error', (err) => {
      settle({ ok: false, durationMs: elapsed(), error: failure('spawn-failed', `Could not run ping: ${describe(err)}`) })
    })
    child.once('close', () => settle(pingResult(spec, stdout, stderr, elapsed(), timedOut)))
  })
}

function pingResult(spec: PingSpec, stdout: string, stderr: string, durationMs: number, timedOut: boolean): ProbeResult {
  const summary = readPingSummary(stdout)
  if (summary === undefined) {
    // No summary: ping gave up before sending (bad name, no route) or was killed.
    const error = /Name or service not known|Temporary failure in name resolution|No address associated|unknown host/i.test(stderr)
      ? failure('dns', `ping ${spec.host}: ${firstLine(stderr)}`)
      : /unreachable/i.test(stderr)
        ? failure('unreachable', `ping ${spec.host}: ${firstLine(stderr)}`)
        : timedOut
          ? failure('timeout', `No answer to ping from ${spec.host} within ${spec.timeoutMs} ms`)
          : failure('spawn-failed', `ping ${spec.host} failed: ${firstLine(stderr) || 'no output'}`)
    return { ok: false, sent: 0, received: 0, durationMs, error }
  }
  const result: ProbeResult = { ok: summary.received > 0, sent: summary.sent, received: summary.received, durationMs }
  if (summary.rttMs !== undefined) result.rttMs = summary.rttMs
  if (summary.received === 0) {
    // iputils prints "From <router> ... Destination Host Unreachable" when a router says so.
    result.error = /unreachable/i.test(stdout)
      ? failure(
          'unreachable',
          `ping ${spec.host}: ${firstLine(
            stdout
              .split('\n')
              .filter((l) => /unreachable/i.test(l))
              .join('\n'),
          )}`,
        )
      : failure('timeout', `No reply to ${summary.sent} ping(s) from ${spec.host}`)
  }
  return result
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? ''
}
