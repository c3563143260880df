/**
 * A real PostgreSQL for tests and `npm run bench:fleet` (Debian's `postgresql`, installed by
 * `npm run system-deps`): initdb into a temporary directory, `postgres` listening on 127.0.0.1 only (and a Unix socket in that
 * directory), trust auth for the one role `runbook`. initdb refuses to run as root, so as root both
 * run as the `postgres` system user (spawn's uid/gid: no su, no sudo, the PID is postgres's own).
 * `stop()` ends it by PID (SIGINT: fast shutdown) and removes the directory.
 */
import { spawnSync } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync } from 'node:fs'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { freePort, spawnDaemon, waitReady, type Daemon } from './daemon.ts'

export interface TestPostgres {
  /** postgres://runbook@127.0.0.1:<port>/postgres */
  readonly url: string
  readonly pid: number
  readonly daemon: Daemon
  /** A new empty database; returns its URL. */
  createDatabase(name?: string): Promise<string>
  stop(): Promise<void>
}

/** The newest /usr/lib/postgresql/<version>/bin, or undefined when postgresql is not installed. */
export function postgresBin(): string | undefined {
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return undefined
  const version = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a))[0]
  return version === undefined ? undefined : join(root, version, 'bin')
}

/** uid/gid to run postgres as: the `postgres` user when we are root, else ourselves. */
function runAs(): { uid: number; gid: number } | undefined {
  if (userInfo().uid !== 0) return undefined
  const r = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' })
  const g = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' })
  if (r.status !== 0 || g.status !== 0)
    throw new Error('running as root and there is no `postgres` user to run postgres as (install postgresql: npm run system-deps)')
  return { uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) }
}

let databases = 0

export async function startPostgres(): Promise<TestPostgres> {
  const bin = postgresBin()
  if (!bin) throw new Error('postgresql is not installed (npm run system-deps)')
  const dir = mkdtempSync(join(tmpdir(), 'rb-pg-'))
  const as = runAs()
  if (as) chownSync(dir, as.uid, as.gid)
  const data = join(dir, 'data')
  const init = spawnSync(
    join(bin, 'initdb'),
    ['-D', data, '-U', 'runbook', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions'],
    { encoding: 'utf8', cwd: dir, ...as },
  )
  if (init.status !== 0) {
    spawnSync('rm', ['-rf', dir])
    throw new Error(`initdb failed (${init.status}):\n${init.stdout}\n${init.stderr}`)
  }
  const port = await freePort()
  // fsync off: the data directory is thrown away; the durability under test is our process's, not the disk's.
  const daemon = spawnDaemon(
    join(bin, 'postgres'),
    [
      '-D',
      data,
      '-k',
      dir,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'fsync=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=200',
    ],
    {
      dir,
      stopSignal: 'SIGINT',
      spawn: { cwd: dir, ...as },
    },
  )
  const url = `postgres://runbook@127.0.0.1:${port}/postgres`
  const query = async (sql: string) => {
    const c = new pg.Client({ connectionString: url })
    await c.connect()
    try {
      await c.query(sql)
    } finally {
      await c.end()
    }
  }
  try {
    await waitReady(daemon, 'postgres', async () => (await query('select 1'), true))
  } catch (err) {
    await daemon.stop()
    throw err
  }
  return {
    url,
    pid: daemon.pid,
    daemon,
    async createDatabase(name = `t${process.pid}_${++databases}`) {
      await query(`create database ${name}`)
      return `postgres://runbook@127.0.0.1:${port}/${name}`
    },
    stop: () => daemon.stop(),
  }
}
