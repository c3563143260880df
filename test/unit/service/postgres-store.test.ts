/**
 * The Postgres store against a real PostgreSQL (test/helpers/postgres.ts): the one store suite, then
 * what only a store over the network has to prove: events appended synchronously are committed by
 * flush, in order; a failed insert breaks the run's journal loudly; two processes share host locks,
 * job claims and the events' order.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openPostgresStore } from '../../../src/service/postgres-store.ts'
import { JournalConflict } from '../../../src/service/store.ts'
import type { RunEvent } from '../../../src/types.ts'
import { startPostgres, type TestPostgres } from '../../helpers/postgres.ts'
import { storeSuite } from './store-suite.ts'

let server: TestPostgres
beforeAll(async () => {
  server = await startPostgres()
})
afterAll(async () => {
  await server?.stop()
})

storeSuite('postgres', async () => openPostgresStore(await server.createDatabase()))

const run = (id: string) => ({
  id,
  runbook: 'x',
  file: 'x.yaml',
  host: 'web1',
  mode: 'dry-run' as const,
  params: { a: 1 },
  requestedBy: 'a',
  createdAt: 1,
  planKey: new Uint8Array(randomBytes(32)),
})
const step = (seq: number): RunEvent => ({ seq, at: '2026-01-01T00:00:00.000Z', type: 'step.started', step: `s${seq}`, kind: 'run' })

describe('postgres store: who may use one database (claim)', () => {
  const refusal = (p: Promise<void>) =>
    p.then(
      () => null,
      (e: unknown) => e as { code?: string; message: string },
    )

  it('a sole claim (serve without --queue) stands alone: refused beside another sole one or shared ones, and the other way round', async () => {
    const url = await server.createDatabase()
    const [a, b, c] = [await openPostgresStore(url), await openPostgresStore(url), await openPostgresStore(url)]
    try {
      await a.claim('sole')
      const again = await refusal(b.claim('sole'))
      expect(again?.code).toBe('RB_STORE_IN_USE')
      expect(again?.message).toContain('a runbook serve without --queue (it runs the runs itself) already uses this database')
      const worker = await refusal(b.claim('shared'))
      expect(worker?.code).toBe('RB_STORE_IN_USE')
      expect(worker?.message).toContain('restart it with --queue')
      await a.close()
      // Once it is gone: any number of shared users (serve --queue, workers)...
      await b.claim('shared')
      await c.claim('shared')
      // ...and no sole one beside them.
      const d = await openPostgresStore(url)
      try {
        const sole = await refusal(d.claim('sole'))
        expect(sole?.code).toBe('RB_STORE_IN_USE')
        expect(sole?.message).toContain('2 process(es) sharing it (runbook serve --queue or runbook worker) already use this database')
      } finally {
        await d.close()
      }
    } finally {
      for (const s of [a, b, c]) await s.close().catch(() => {})
    }
  })

  /** Ends the sessions holding the owner lock, as a server restart or a killed backend would. */
  const killOwnerSessions = async (url: string): Promise<number[]> => {
    const c = new pg.Client({ connectionString: url })
    await c.connect()
    try {
      const { rows } = await c.query<{ pid: number }>(
        `select pg_terminate_backend(pid), pid from pg_locks where locktype = 'advisory' and objid = $1 and granted
           and database = (select oid from pg_database where datname = current_database())`,
        [0x72756e6f],
      )
      return rows.map((r) => r.pid)
    } finally {
      await c.end()
    }
  }
  const until = async (what: () => Promise<boolean> | boolean, ms = 8000): Promise<void> => {
    const end = Date.now() + ms
    while (!(await what())) {
      if (Date.now() > end) throw new Error('timed out')
      await new Promise((r) => setTimeout(r, 50))
    }
  }

  /** Two stores on a new database; `a` claims it alone, recording what it is told it lost. */
  const claimedBy = async () => {
    const url = await server.createDatabase()
    const [a, b] = [await openPostgresStore(url), await openPostgresStore(url)]
    const lost: Error[] = []
    await a.claim('sole', (e) => lost.push(e))
    return { url, a, b, lost }
  }

  it('the session holding the claim ends (a server restart): the claim is taken again, and still refuses a second serve', async () => {
    const { url, a, b, lost } = await claimedBy()
    try {
      const killed = await killOwnerSessions(url)
      expect(killed).toHaveLength(1)
      // Taken again on a new session.
      await until(async () => {
        const c = new pg.Client({ connectionString: url })
        await c.connect()
        const { rows } = await c.query<{ pid: number }>(
          "select pid from pg_locks where locktype = 'advisory' and objid = $1 and granted",
          [0x72756e6f],
        )
        await c.end()
        return rows.length === 1 && rows[0]!.pid !== killed[0]
      })
      expect((await b.claim('sole').catch((e: { code?: string }) => e)) as { code?: string }).toMatchObject({ code: 'RB_STORE_IN_USE' })
      expect(lost).toEqual([])
    } finally {
      await a.close()
      await b.close()
    }
  })

  it('the session ends and another serve claims the database first: the first one is told it lost its claim', async () => {
    const { url, a, b, lost } = await claimedBy()
    try {
      await killOwnerSessions(url)
      await until(
        async () =>
          await b.claim('sole').then(
            () => true,
            () => false,
          ),
      )
      await until(() => lost.length > 0)
      expect(lost[0]).toMatchObject({ code: 'RB_STORE_IN_USE' })
      expect(lost[0]!.message).toContain('lost the claim on the database (its session ended) and a runbook serve without --queue')
    } finally {
      await a.close()
      await b.close()
    }
  })

  it('another database on the same server is not concerned', async () => {
    const [a, b] = [await openPostgresStore(await server.createDatabase()), await openPostgresStore(await server.createDatabase())]
    try {
      await a.claim('sole')
      await b.claim('sole')
    } finally {
      await a.close()
      await b.close()
    }
  })
})

describe('postgres store', () => {
  it('appendEvent returns at once; flush commits every queued event in order, visible to another process', async () => {
    const url = await server.createDatabase()
    const writer = await openPostgresStore(url)
    const reader = await openPostgresStore(url)
    try {
      await writer.createRun(run('r1'))
      for (let seq = 1; seq <= 200; seq++) writer.appendEvent('r1', step(seq))
      await writer.flush('r1')
      // Another connection pool (another worker) sees all of them, in order, without waiting.
      expect((await reader.events('r1')).map((e) => e.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1))
    } finally {
      await writer.close()
      await reader.close()
    }
  })

  it('a failed insert breaks the run loudly: flush rejects and the next append throws', async () => {
    const url = await server.createDatabase()
    const a = await openPostgresStore(url)
    const b = await openPostgresStore(url)
    try {
      await a.createRun(run('r1'))
      a.appendEvent('r1', step(1))
      await a.flush('r1')
      // A second writer of the same run (another worker) gets the primary key's refusal, as a JournalConflict.
      b.appendEvent('r1', step(1))
      await expect(b.flush('r1')).rejects.toBeInstanceOf(JournalConflict)
      expect(() => b.appendEvent('r1', step(2))).toThrow(/event 1 is already in the journal, written by another process/)
      // Other runs of that store are not affected.
      await b.createRun(run('r2'))
      b.appendEvent('r2', step(1))
      await b.flush('r2')
      // flush() of every run still reports the broken one.
      await expect(b.flush()).rejects.toBeInstanceOf(JournalConflict)
      expect((await a.events('r2')).length).toBe(1)
    } finally {
      await a.close().catch(() => {})
      await b.close().catch(() => {})
    }
  })

  it('host locks and job claims hold across two processes racing for them', async () => {
    const url = await server.createDatabase()
    const a = await openPostgresStore(url)
    const b = await openPostgresStore(url)
    try {
      for (let i = 0; i < 10; i++) await a.createRun(run(`r${i}`))
      const claims = await Promise.all([...Array(10).keys()].flatMap((i) => [a.claimJob(`r${i}`), b.claimJob(`r${i}`)]))
      expect(claims.filter(Boolean)).toHaveLength(10)
      const locks = await Promise.all(
        [...Array(10).keys()].flatMap((i) => [a.acquireHostLock(`h${i}`, 'ra', 1), b.acquireHostLock(`h${i}`, 'rb', 1)]),
      )
      for (let i = 0; i < 10; i++) expect([locks[2 * i], locks[2 * i + 1]].filter(Boolean)).toHaveLength(1)
    } finally {
      await a.close()
      await b.close()
    }
  })
})
