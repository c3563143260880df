import { execFileSync } from 'node:child_process'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import net from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ExecError } from '../../../src/errors.ts'
import { classifyNetError, LocalProber, readPingSummary } from '../../../src/executors/probe.ts'

const prober = new LocalProber()
const isRoot = process.getuid?.() === 0

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port))
  })
}

function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()))
}

/** A port that nothing listens on: bind one, note it, release it. */
async function closedPort(): Promise<number> {
  const server = net.createServer()
  const port = await listen(server)
  await closeServer(server)
  return port
}

/**
 * A host that swallows packets: an address inside a network namespace of our own, reached over a
 * veth pair. The address is a /32 inside the namespace, so the namespace has no route back to us
 * and every reply (SYN-ACK, echo reply) is dropped there. Nothing leaves this machine.
 */
class SilentHost {
  readonly ns: string
  readonly hostIf: string
  readonly nsIf: string
  readonly ourAddr: string
  readonly addr: string

  constructor() {
    const id = process.pid % 16384
    this.ns = `rbprobe-${process.pid}`
    this.hostIf = `rbp${id}h`
    this.nsIf = `rbp${id}n`
    // A /30 of 198.19.0.0/16 (benchmarking range) picked by pid, so parallel runs do not collide.
    const base = `198.19.${id >> 6}.${(id & 63) * 4}`.split('.').map(Number)
    const at = (n: number): string => [base[0], base[1], base[2], (base[3] ?? 0) + n].join('.')
    this.ourAddr = at(1)
    this.addr = at(2)
  }

  up(): void {
    ip('netns', 'add', this.ns)
    ip('link', 'add', this.hostIf, 'type', 'veth', 'peer', 'name', this.nsIf)
    ip('link', 'set', this.nsIf, 'netns', this.ns)
    ip('addr', 'add', `${this.ourAddr}/30`, 'dev', this.hostIf)
    ip('link', 'set', this.hostIf, 'up')
    ip('-n', this.ns, 'link', 'set', 'lo', 'up')
    ip('-n', this.ns, 'link', 'set', this.nsIf, 'up')
    ip('-n', this.ns, 'addr', 'add', `${this.addr}/32`, 'dev', this.nsIf)
    // Without a route back the namespace cannot answer ARP either; a static entry keeps the
    // failure a silent drop (timeout) rather than an ARP failure (unreachable after ~3 s).
    const mac = ip('-n', this.ns, '-br', 'link', 'show', this.nsIf).trim().split(/\s+/)[2]
    if (mac === undefined) throw new Error(`no MAC address for ${this.nsIf}`)
    ip('neigh', 'replace', this.addr, 'lladdr', mac, 'dev', this.hostIf, 'nud', 'permanent')
  }

  /** Removes whatever exists; safe after a partial up(). */
  down(): void {
    try {
      ip('link', 'del', this.hostIf)
    } catch {
      /* already gone, or never created */
    }
    try {
      ip('netns', 'del', this.ns)
    } catch {
      /* already gone, or never created */
    }
  }
}

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
}

describe('LocalProber tcp', () => {
  const server = net.createServer((socket) => socket.end())
  let port = 0
  beforeAll(async () => {
    port = await listen(server)
  })
  afterAll(() => closeServer(server))

  it('reports an open port', async () => {
    const r = await prober.probe({ kind: 'tcp', host: '127.0.0.1', port, timeoutMs: 2000 })
    expect(r).toMatchObject({ ok: true, open: true })
    expect(r.error).toBeUndefined()
    expect(r.durationMs).toBeLessThan(2000)
  })

  it('classifies a closed port as refused', async () => {
    const r = await prober.probe({ kind: 'tcp', host: '127.0.0.1', port: await closedPort(), timeoutMs: 2000 })
    expect(r.ok).toBe(false)
    expect(r.open).toBe(false)
    expect(r.error?.kind).toBe('refused')
    expect(r.durationMs).toBeLessThan(1000)
  })

  it('classifies a name under .invalid as dns, quickly', async () => {
    const r = await prober.probe({ kind: 'tcp', host: 'no-such-host.invalid', port: 22, timeoutMs: 3000 })
    expect(r.ok).toBe(false)
    expect(r.error?.kind).toBe('dns')
    // Either the resolver said no (fast) or our timer said "still resolving": never longer.
    expect(r.durationMs).toBeLessThan(3500)
  })

  it('rejects at once when the signal is already aborted', async () => {
    const err = await prober.probe({ kind: 'tcp', host: '127.0.0.1', port, timeoutMs: 1000 }, AbortSignal.abort()).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ExecError)
    expect((err as ExecError).kind).toBe('aborted')
  })
})

describe('LocalProber against a silent host (network namespace)', () => {
  const host = new SilentHost()
  let ready = false

  beforeAll(() => {
    if (!isRoot) {
      console.warn('\n*** SKIPPED: silent-host probe tests need root to create a network namespace (ip netns add) ***\n')
      return
    }
    try {
      host.up()
      ready = true
    } catch (err) {
      host.down()
      throw err
    }
  })
  afterAll(() => {
    if (isRoot) host.down()
  })

  it('classifies no answer as timeout, within the time given', async (ctx) => {
    if (!ready) return ctx.skip()
    const r = await prober.probe({ kind: 'tcp', host: host.addr, port: 22, timeoutMs: 300 })
    expect(r.ok).toBe(false)
    expect(r.error?.kind).toBe('timeout')
    expect(r.durationMs).toBeGreaterThanOrEqual(290)
    expect(r.durationMs).toBeLessThan(1000)
  })

  it('rejects with aborted when the signal fires mid-connect', async (ctx) => {
    if (!ready) return ctx.skip()
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 100)
    const started = Date.now()
    const err = await prober.probe({ kind: 'tcp', host: host.addr, port: 22, timeoutMs: 5000 }, controller.signal).catch((e: unknown) => e)
    expect((err as ExecError).kind).toBe('aborted')
    expect(Date.now() - started).toBeLessThan(1000)
  })

  it('http: no answer is a timeout', async (ctx) => {
    if (!ready) return ctx.skip()
    const r = await prober.probe({ kind: 'http', url: `http://${host.addr}:80/`, timeoutMs: 300 })
    expect(r.ok).toBe(false)
    expect(r.error?.kind).toBe('timeout')
    expect(r.durationMs).toBeLessThan(1000)
  })

  it('ping: no reply is not ok, and the probe ends at its timeout', async (ctx) => {
    if (!ready) return ctx.skip()
    const r = await prober.probe({ kind: 'ping', host: host.addr, count: 3, timeoutMs: 800 })
    expect(r.ok).toBe(false)
    expect(r.received).toBe(0)
    // ping was stopped with SIGINT and still printed its summary.
    expect(r.sent).toBeGreaterThanOrEqual(1)
    expect(r.error?.kind).toBe('timeout')
    expect(r.durationMs).toBeLessThan(1500)
  })
})

describe('LocalProber http', () => {
  let hung: http.ServerResponse[] = []
  const server = http.createServer((req, res) => {
    if (req.url === '/ok') return res.end('fine')
    if (req.url === '/down') {
      res.statusCode = 503
      return res.end('maintenance')
    }
    if (req.url === '/missing') {
      res.statusCode = 404
      return res.end('no such page')
    }
    if (req.url === '/moved') {
      res.writeHead(302, { location: '/down' })
      return res.end()
    }
    if (req.url === '/endless') {
      // 1 MiB and then nothing, never ending: a probe that reads to the end waits for its timeout.
      res.writeHead(200, { 'content-type': 'application/octet-stream' })
      res.write(Buffer.alloc(1024 * 1024, 'x'))
      hung.push(res)
      return
    }
    // /hang: never answer.
    hung.push(res)
  })
  let base = ''
  beforeAll(async () => {
    base = `http://127.0.0.1:${await listen(server)}`
  })
  afterAll(async () => {
    for (const res of hung) res.destroy()
    hung = []
    server.closeAllConnections()
    await closeServer(server)
  })

  it('200 is ok', async () => {
    const r = await prober.probe({ kind: 'http', url: `${base}/ok`, timeoutMs: 2000 })
    expect(r).toMatchObject({ ok: true, status: 200 })
    expect(r.error).toBeUndefined()
  })

  it('503 is not ok, and still a response rather than an error', async () => {
    const r = await prober.probe({ kind: 'http', url: `${base}/down`, timeoutMs: 2000 })
    expect(r).toMatchObject({ ok: false, status: 503 })
    expect(r.error).toBeUndefined()
  })

  it('does not follow redirects', async () => {
    const r = await prober.probe({ kind: 'http', url: `${base}/moved`, timeoutMs: 2000 })
    expect(r).toMatchObject({ ok: true, status: 302 })
  })

  it('4xx is ok: the server answered, and runbooks branch on status', async () => {
    const r = await prober.probe({ kind: 'http', url: `${base}/missing`, timeoutMs: 2000 })
    expect(r).toMatchObject({ ok: true, status: 404 })
  })

  it('stops reading after 64 KiB of a body that never ends', async () => {
    const r = await prober.probe({ kind: 'http', url: `${base}/endless`, timeoutMs: 3000 })
    expect(r).toMatchObject({ ok: true, status: 200 })
    expect(r.durationMs).toBeLessThan(1000)
  })

  it('a server that never answers is a timeout, bounded by timeoutMs', async () => {
    const r = await prober.probe({ kind: 'http', url: `${base}/hang`, timeoutMs: 300 })
    expect(r.ok).toBe(false)
    expect(r.error?.kind).toBe('timeout')
    expect(r.durationMs).toBeGreaterThanOrEqual(290)
    expect(r.durationMs).toBeLessThan(1000)
  })

  it('abort rejects with ExecError aborted', async () => {
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 100)
    const started = Date.now()
    const err = await prober.probe({ kind: 'http', url: `${base}/hang`, timeoutMs: 5000 }, controller.signal).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ExecError)
    expect((err as ExecError).kind).toBe('aborted')
    expect(Date.now() - started).toBeLessThan(1000)
  })

  it('a closed port is refused', async () => {
    const r = await prober.probe({ kind: 'http', url: `http://127.0.0.1:${await closedPort()}/`, timeoutMs: 2000 })
    expect(r.ok).toBe(false)
    expect(r.error?.kind).toBe('refused')
  })

  it('a name under .invalid is dns', async () => {
    const r = await prober.probe({ kind: 'http', url: 'http://no-such-host.invalid/', timeoutMs: 3000 })
    expect(r.error?.kind).toBe('dns')
    expect(r.durationMs).toBeLessThan(3500)
  })
})

describe('LocalProber ping', () => {
  it('pings 127.0.0.1', async () => {
    const r = await prober.probe({ kind: 'ping', host: '127.0.0.1', count: 2, timeoutMs: 3000 })
    expect(r.error).toBeUndefined()
    expect(r).toMatchObject({ ok: true, sent: 2, received: 2 })
    expect(r.rttMs).toBeGreaterThanOrEqual(0)
    expect(r.rttMs).toBeLessThan(100)
    expect(r.durationMs).toBeLessThan(3000)
  })

  it('a name under .invalid is dns', async () => {
    const r = await prober.probe({ kind: 'ping', host: 'no-such-host.invalid', count: 1, timeoutMs: 3000 })
    expect(r.ok).toBe(false)
    expect(r.error?.kind).toBe('dns')
  })

  it('abort rejects with ExecError aborted', async () => {
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 100)
    const err = await prober
      .probe({ kind: 'ping', host: '127.0.0.1', count: 50, timeoutMs: 20_000 }, controller.signal)
      .catch((e: unknown) => e)
    expect((err as ExecError).kind).toBe('aborted')
  })
})

describe('readPingSummary', () => {
  it('reads iputils summary lines', () => {
    const out = [
      '--- 127.0.0.1 ping statistics ---',
      '3 packets transmitted, 2 received, 33.3333% packet loss, time 2003ms',
      'rtt min/avg/max/mdev = 0.041/0.116/0.192/0.075 ms',
    ].join('\n')
    expect(readPingSummary(out)).toEqual({ sent: 3, received: 2, rttMs: 0.116 })
  })

  it('reads a summary with no replies, and nothing from other text', () => {
    expect(readPingSummary('5 packets transmitted, 0 received, +1 errors, 100% packet loss, time 815ms')).toEqual({ sent: 5, received: 0 })
    expect(readPingSummary('ping: x.invalid: Name or service not known')).toBeUndefined()
  })
})

describe('classifyNetError', () => {
  it.each([
    ['ECONNREFUSED', 'refused'],
    ['ETIMEDOUT', 'timeout'],
    ['ENOTFOUND', 'dns'],
    ['EAI_AGAIN', 'dns'],
    ['EHOSTUNREACH', 'unreachable'],
    ['ENETUNREACH', 'unreachable'],
  ] as const)('%s is %s', (code, kind) => {
    expect(classifyNetError(Object.assign(new Error(code), { code }))).toBe(kind)
  })

  it('looks inside the AggregateError of a happy-eyeballs connect', () => {
    const inner = Object.assign(new Error('x'), { code: 'EHOSTUNREACH' })
    expect(classifyNetError(new AggregateError([inner]))).toBe('unreachable')
  })
})
