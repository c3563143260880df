/**
 * SshConnection.open against loopback TCP servers that misbehave the way a hung sshd does. ssh2
 * emits more than one 'error' for such a handshake (the ready timeout, then 'Connection lost before
 * handshake' once the socket is gone); an 'error' without a listener is an uncaught exception that
 * ends the process, which vitest reports as a failure of this file.
 */
import type { Socket } from 'node:net'
import { describe, expect, it } from 'vitest'
import { ExecError } from '../../../src/errors.ts'
import { SshConnection, type SshTarget } from '../../../src/executors/ssh.ts'
import { execFailure } from '../../helpers/exec-failure.ts'
import { useLoopbackServers } from '../../helpers/loopback-server.ts'

const loopback = useLoopbackServers()
/** A loopback server that does `onConnection` with each client; resolves its port. */
const serve = async (onConnection: (s: Socket) => void): Promise<number> => (await loopback(onConnection)).port

const target = (port: number): SshTarget => ({
  name: 'silent',
  host: '127.0.0.1',
  port,
  user: 'nobody',
  identityFiles: ['/nonexistent/id_ed25519'],
  knownHostsFiles: ['/nonexistent/known_hosts'],
  acceptNewHostKeys: false,
})

const open = (port: number, connectTimeoutMs = 300): Promise<SshConnection> =>
  SshConnection.open(target(port), { connectTimeoutMs, keepaliveIntervalMs: 0, keepaliveCountMax: 3, agent: undefined })

const failure = (p: Promise<unknown>): Promise<ExecError> => execFailure(p, 'the connection opened')

/** Let ssh2's late events (socket close, 'Connection lost before handshake') happen inside the test. */
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 200))

describe('SshConnection.open against a silent or dying server', () => {
  it('a server that accepts and never says a word: timeout, and no uncaught error afterwards', async () => {
    const port = await serve(() => {})
    const t0 = performance.now()
    const err = await failure(open(port))
    expect(err.kind).toBe('timeout')
    expect(err.host).toBe('silent')
    expect(err.message).toContain('did not finish within 300 ms')
    expect(performance.now() - t0).toBeLessThan(2000)
    await settle()
  })

  it('a server that sends its banner, then goes silent: timeout', async () => {
    const port = await serve((s) => s.write('SSH-2.0-OpenSSH_9.2\r\n'))
    expect((await failure(open(port))).kind).toBe('timeout')
    await settle()
  })

  it('a server that accepts, then closes before the handshake: unreachable, at once', async () => {
    const port = await serve((s) => setTimeout(() => s.end(), 20))
    const t0 = performance.now()
    expect((await failure(open(port, 5000))).kind).toBe('unreachable')
    expect(performance.now() - t0).toBeLessThan(2000)
    await settle()
  })

  it('a server that resets the connection mid-handshake: unreachable', async () => {
    const port = await serve((s) => {
      s.write('SSH-2.0-OpenSSH_9.2\r\n')
      setTimeout(() => s.resetAndDestroy(), 20)
    })
    expect((await failure(open(port, 5000))).kind).toBe('unreachable')
    await settle()
  })
})
