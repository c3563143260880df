/**
 * coalesceWrites (executors/ssh.ts): the SSH packets ssh2 writes in one turn of the event loop
 * leave in one writev, in order; nothing waits for a timer, and `end()` sends what is held at once.
 * A real TCP socket on loopback; the syscalls are counted on the socket's own _writev/_write.
 */
import { connect, type Socket } from 'node:net'
import { describe, expect, it } from 'vitest'
import { coalesceWrites } from '../../../src/executors/ssh.ts'
import { useLoopbackServers } from '../../helpers/loopback-server.ts'

const serve = useLoopbackServers()

async function pair(): Promise<{ client: Socket; received: () => string; closed: Promise<void> }> {
  let got = ''
  let ended: () => void = () => {}
  const closed = new Promise<void>((r) => (ended = r))
  const server = await serve((s) => {
    s.on('data', (c: Buffer) => (got += c.toString('latin1')))
    s.on('end', () => ended())
  })
  const client = connect({ host: '127.0.0.1', port: server.port })
  await new Promise<void>((r, j) => client.once('connect', r).once('error', j))
  client.setNoDelay(true)
  return { client, received: () => got, closed }
}

/** Counts the socket's calls down to libuv: one per syscall-level write. */
function countWrites(s: Socket): { calls: number[] } {
  const seen = { calls: [] as number[] }
  const sock = s as unknown as { _writev: (chunks: unknown[], cb: unknown) => void; _write: (c: unknown, e: unknown, cb: unknown) => void }
  const writev = sock._writev.bind(s)
  const write = sock._write.bind(s)
  sock._writev = (chunks, cb) => (seen.calls.push(chunks.length), writev(chunks, cb))
  sock._write = (c, e, cb) => (seen.calls.push(1), write(c, e, cb))
  return seen
}

describe('coalesceWrites', () => {
  it('six packets written in one turn leave in one writev, in order; the next turn starts a new batch', async () => {
    const { client, received } = await pair()
    const seen = countWrites(client)
    coalesceWrites(client)
    for (let i = 1; i <= 6; i++) client.write(`packet${i};`)
    expect(seen.calls).toEqual([]) // held until the check phase of this turn
    await new Promise((r) => setImmediate(r))
    expect(seen.calls).toEqual([6])
    client.write('later;')
    await new Promise((r) => setImmediate(r))
    expect(seen.calls).toEqual([6, 1])
    for (let i = 0; i < 200 && received().length < 'packet1;'.length * 6 + 'later;'.length; i++) await new Promise((r) => setTimeout(r, 5))
    expect(received()).toBe('packet1;packet2;packet3;packet4;packet5;packet6;later;')
    client.destroy()
  })

  it('without it, the same six packets are six writes (what ssh2 does on its own)', async () => {
    const { client } = await pair()
    const seen = countWrites(client)
    for (let i = 1; i <= 6; i++) client.write(`packet${i};`)
    await new Promise((r) => setImmediate(r))
    expect(seen.calls).toEqual([1, 1, 1, 1, 1, 1])
    client.destroy()
  })

  it('end() in the same turn sends what is held at once (a closing connection still says goodbye)', async () => {
    const { client, received, closed } = await pair()
    coalesceWrites(client)
    client.write('disconnect;')
    client.end()
    await closed
    expect(received()).toBe('disconnect;')
  })
})
