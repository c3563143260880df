/**
 * SshExecutorFactory.warm: a fleet starts connecting to its first hosts while it sets up. What it
 * must not change: a host that does not answer costs one connection attempt (its first command gets
 * the warm-up's failure, not a second connect timeout), later commands retry as before, and a
 * factory closed while a warm-up is still connecting ends it instead of waiting for its timeout.
 * Loopback servers that misbehave like a dead or hung sshd stand in for the hosts.
 */
import { describe, expect, it } from 'vitest'
import { SshExecutorFactory } from '../../../src/executors/pool.ts'
import { parseInventory } from '../../../src/inventory/load.ts'
import type { CommandSpec } from '../../../src/types.ts'
import { execFailure } from '../../helpers/exec-failure.ts'
import { useLoopbackServers } from '../../helpers/loopback-server.ts'

const serve = useLoopbackServers()

function factory(port: number | number[], connectTimeoutMs = 5000): SshExecutorFactory {
  const ports = Array.isArray(port) ? port : [port]
  const inventory = parseInventory(
    [
      'defaults: { user: nobody, identityFiles: [/nonexistent/id_ed25519], knownHostsFiles: [/nonexistent/known_hosts] }',
      'hosts:',
      ...ports.map((p, i) => `  web${i + 1}: { address: 127.0.0.1, port: ${p} }`),
      '',
    ].join('\n'),
    'inv.yaml',
  )
  return new SshExecutorFactory({ inventory, agent: null, connectTimeoutMs, keepaliveIntervalMs: 0, idleTimeoutMs: 0 })
}

const spec: CommandSpec = { host: 'web1', command: 'true', sudo: false, timeoutMs: 2000, mutating: false }

describe('SshExecutorFactory.warm', () => {
  it('a host that drops the connection: the first command gets the warm-up failure, with no second attempt; the next one retries', async () => {
    const server = await serve((s) => setTimeout(() => s.end(), 20))
    const f = factory(server.port)
    try {
      f.warm('web1')
      f.warm('web1') // twice: still one attempt
      await new Promise((r) => setTimeout(r, 300)) // the warm-up has failed by now
      expect(server.connections()).toBe(1)
      const first = await execFailure(f.executor('web1').exec(spec), 'the command ran')
      expect(first.kind).toBe('unreachable')
      expect(server.connections()).toBe(1)
      const second = await execFailure(f.executor('web1').exec(spec), 'the command ran')
      expect(second.kind).toBe('unreachable')
      expect(server.connections()).toBe(2)
    } finally {
      await f.close()
    }
  })

  it('a command that starts while the warm-up is still connecting waits for it instead of connecting again', async () => {
    const server = await serve((s) => setTimeout(() => s.end(), 300))
    const f = factory(server.port)
    try {
      f.warm('web1')
      const err = await execFailure(f.executor('web1').exec(spec), 'the command ran')
      expect(err.kind).toBe('unreachable')
      expect(server.connections()).toBe(1)
    } finally {
      await f.close()
    }
  })

  it('closing the factory ends a warm-up stuck in the handshake at once, not at its connect timeout', async () => {
    const server = await serve(() => {}) // accepts, never says a word
    const f = factory(server.port, 30_000)
    f.warm('web1')
    await new Promise((r) => setTimeout(r, 100))
    expect(server.connections()).toBe(1)
    const t0 = performance.now()
    await f.close()
    expect(performance.now() - t0).toBeLessThan(2000)
  })

  it('a fleet of 50 warm-ups is not reported as a listener leak (no MaxListenersExceededWarning on stderr)', async () => {
    // One silent server per host: the handshakes stay pending while every warm-up listens.
    const servers = await Promise.all(Array.from({ length: 50 }, () => serve(() => {})))
    const f = factory(
      servers.map((s) => s.port),
      30_000,
    )
    const warnings: Error[] = []
    const onWarning = (w: Error): void => void warnings.push(w)
    process.on('warning', onWarning)
    try {
      for (let i = 1; i <= 50; i++) f.warm(`web${i}`)
      await new Promise((r) => setTimeout(r, 300))
      expect(servers.map((s) => s.connections())).toEqual(servers.map(() => 1))
    } finally {
      await f.close()
      await new Promise((r) => setTimeout(r, 50)) // warnings are emitted on the next tick
      process.off('warning', onWarning)
    }
    expect(warnings.map((w) => w.message)).toEqual([])
  })

  it('a host name that does not resolve is left to its run to report', async () => {
    const f = factory(1)
    try {
      expect(() => f.warm('not a host!')).not.toThrow()
      expect(() => f.executor('not a host!')).not.toThrow()
      await expect(f.executor('not a host!').exec({ ...spec, host: 'not a host!' })).rejects.toThrow(/is not a host name/)
    } finally {
      await f.close()
    }
  })
})
