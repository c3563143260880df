/**
 * A real Redis for tests and `npm run bench:fleet` (Debian's `redis-server`, installed by
 * `npm run system-deps`): no config file, 127.0.0.1 only, no persistence, its working directory a temporary one. `stop()` ends it by
 * PID (SIGTERM) and removes the directory.
 */
import { existsSync, mkdtempSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, spawnDaemon, waitReady, type Daemon } from './daemon.ts'

export interface TestRedis {
  /** redis://127.0.0.1:<port> */
  readonly url: string
  readonly port: number
  readonly pid: number
  readonly daemon: Daemon
  stop(): Promise<void>
}

export const REDIS_SERVER = '/usr/bin/redis-server'

/** PING over a raw socket: true on +PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1')
    let got = ''
    const done = (ok: boolean) => {
      s.destroy()
      resolve(ok)
    }
    s.setTimeout(1000, () => done(false))
    s.on('error', () => done(false))
    s.on('connect', () => s.write('PING\r\n'))
    s.on('data', (b) => {
      got += b.toString()
      if (got.includes('\r\n')) done(got.startsWith('+PONG'))
    })
  })
}

export async function startRedis(): Promise<TestRedis> {
  if (!existsSync(REDIS_SERVER)) throw new Error('redis-server is not installed (npm run system-deps)')
  const dir = mkdtempSync(join(tmpdir(), 'rb-redis-'))
  const port = await freePort()
  // BullMQ wants noeviction: a queue must never lose keys to memory pressure.
  const daemon = spawnDaemon(
    REDIS_SERVER,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'no',
      '--maxmemory-policy',
      'noeviction',
      '--protected-mode',
      'yes',
    ],
    {
      dir,
      stopSignal: 'SIGTERM',
      spawn: { cwd: dir },
    },
  )
  try {
    await waitReady(daemon, 'redis-server', () => ping(port))
  } catch (err) {
    await daemon.stop()
    throw err
  }
  return { url: `redis://127.0.0.1:${port}`, port, pid: daemon.pid, daemon, stop: () => daemon.stop() }
}
