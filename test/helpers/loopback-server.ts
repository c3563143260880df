/**
 * Loopback TCP servers that stand in for a misbehaving sshd (silent, dying, resetting): each one
 * counts its connections and does `onConnection` with each. Every server and socket a test file
 * opened is closed after each of its tests.
 */
import { createServer, type Server, type Socket } from 'node:net'
import { afterEach } from 'vitest'

export interface LoopbackServer {
  port: number
  /** Connections accepted so far. */
  connections(): number
}

/** Call at the top level of a test file; returns `serve` for its tests. */
export function useLoopbackServers(): (onConnection: (s: Socket) => void) => Promise<LoopbackServer> {
  const servers: Server[] = []
  const sockets: Socket[] = []
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy()
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))))
  })
  return async (onConnection) => {
    let n = 0
    const server = createServer((s) => {
      n++
      sockets.push(s)
      s.on('error', () => {})
      onConnection(s)
    })
    servers.push(server)
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const addr = server.address()
    if (addr === null || typeof addr === 'string') throw new Error('no port')
    return { port: addr.port, connections: () => n }
  }
}
