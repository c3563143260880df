/**
 * A daemon the tests (and `npm run bench:fleet`) start for real (postgres, redis-server): an
 * ordinary child process on loopback with a temporary directory, stopped by its PID, and its directory removed, even when the
 * test fails or the test process exits early. Shared by postgres.ts and redis.ts.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { existsSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'

const SETPRIV = '/usr/bin/setpriv'

/** A TCP port free on 127.0.0.1 right now (the kernel picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address()
      srv.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

export interface Daemon {
  readonly pid: number
  readonly child: ChildProcess
  /** What it printed, for the error message when it does not come up. */
  output(): string
  /** Stops it (signal, then SIGKILL after `graceMs`) and removes its directory. Idempotent. */
  stop(): Promise<void>
}

// Daemons still running when the test process exits (a crash, a timeout) are killed by PID.
const alive = new Set<ChildProcess>()
let hooked = false
function hookExit(): void {
  if (hooked) return
  hooked = true
  process.on('exit', () => {
    for (const c of alive) if (c.pid !== undefined && c.exitCode === null && c.signalCode === null) process.kill(c.pid, 'SIGKILL')
  })
}

/**
 * Spawns `cmd` and returns at once; `stopSignal` is the daemon's fast clean shutdown (SIGINT for
 * postgres, SIGTERM for redis). `dir` is removed after the process is gone.
 */
export function spawnDaemon(
  cmd: string,
  args: string[],
  o: { dir: string; stopSignal: NodeJS.Signals; graceMs?: number; spawn?: SpawnOptions },
): Daemon {
  hookExit()
  // If the test process is killed outright (a vitest timeout kills its fork), the exit hook never
  // runs: setpriv makes the kernel SIGKILL the daemon when its parent dies (it execs, same PID).
  const [file, argv] = existsSync(SETPRIV) ? [SETPRIV, ['--pdeathsig', 'KILL', '--', cmd, ...args]] : [cmd, args]
  const child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'], ...o.spawn })
  if (child.pid === undefined) throw new Error(`could not start ${cmd}`)
  alive.add(child)
  let out = ''
  const keep = (b: Buffer) => (out = (out + b.toString()).slice(-8000))
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  exited.then(() => alive.delete(child))
  let stopping: Promise<void> | undefined
  return {
    pid: child.pid,
    child,
    output: () => out,
    stop: () =>
      (stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          process.kill(child.pid!, o.stopSignal)
          const timer = setTimeout(
            () => child.exitCode === null && child.signalCode === null && process.kill(child.pid!, 'SIGKILL'),
            o.graceMs ?? 5_000,
          )
          await exited
          clearTimeout(timer)
        }
        rmSync(o.dir, { recursive: true, force: true })
      })()),
  }
}

/** Polls `ready` until it resolves true; throws with the daemon's output after `timeoutMs` or if it exits. */
export async function waitReady(d: Daemon, what: string, ready: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs
  for (;;) {
    if (d.child.exitCode !== null || d.child.signalCode !== null)
      throw new Error(`${what} exited (${d.child.exitCode ?? d.child.signalCode}):\n${d.output()}`)
    if (await ready().catch(() => false)) return
    if (Date.now() > end) throw new Error(`${what} not ready after ${timeoutMs} ms:\n${d.output()}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}
