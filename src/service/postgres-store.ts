/**
 * The Store on PostgreSQL (`runbook serve --database postgres://...`, `runbook worker`): the same
 * tables as the embedded SQLite store (sqlite-store.ts), shared by every serve and worker process,
 * so host locks, job claims and trigger slots hold across machines. The only file that imports `pg`.
 *
 * appendEvent stays synchronous (the engine's sink is): it checks the order at once, queues the
 * insert behind the run's previous ones, and `flush(runId)` resolves when they are committed. The
 * service awaits it before every command, probe and approval (RunOptions.beforeCommand), so the
 * journal holds each event before the step it announces has any effect.
 */
import pg from 'pg'
import { RunbookError } from '../errors.ts'
import type { RunEvent } from '../types.ts'
import {
  JournalConflict,
  LIVE_STATUSES,
  type AlertRunRecord,
  type ApprovalRecord,
  type ApprovalRequestRecord,
  type ChatMessageRecord,
  type RefusalRecord,
  type RunFilter,
  type RunNote,
  type RunPatch,
  type RunRecord,
  type Store,
  type StoredEvent,
  type TriggerSlot,
} from './store.ts'
import { toAlertRun, toRun, type AlertRunRow, type RunRow } from './run-row.ts'

// The SQLite schema, with Postgres types: times (ms) are bigint, the plan key bytea, and an `ord`
// column stands for SQLite's rowid where rows are ordered by insertion.
const SCHEMA = `
create table if not exists runs (
  id text primary key, runbook text not null, file text not null, host text, mode text not null,
  params text not null, requested_by text not null, status text not null, exit_code integer,
  outcome text, error text, created_at bigint not null, started_at bigint, finished_at bigint,
  plan_key bytea not null, ord bigserial
);
create index if not exists runs_created on runs (created_at desc, ord desc);
create table if not exists events (
  run_id text not null references runs (id), seq integer not null, json text not null,
  primary key (run_id, seq)
);
create table if not exists approval_requests (
  run_id text primary key references runs (id), step text not null, plan_hash text not null,
  required integer not null, requested_at bigint not null, expires_at bigint not null, state text not null
);
create table if not exists approvals (
  id bigserial primary key, run_id text not null references runs (id), step text not null,
  plan_hash text not null, identity text not null, decision text not null, at bigint not null,
  voided integer not null default 0
);
create table if not exists refusals (
  id bigserial primary key, at bigint not null, identity text not null, action text not null,
  run_id text, code text not null, reason text not null
);
create table if not exists host_locks (host text primary key, run_id text not null, at bigint not null);
create table if not exists jobs (run_id text primary key references runs (id), enqueued_at bigint not null, ord bigserial);
create table if not exists trigger_slots (
  key text primary key, rule text not null, runbook text not null, host text, run_id text,
  claimed_at bigint not null, cool_down_until bigint not null
);
create table if not exists alert_runs (
  run_id text primary key references runs (id), source text not null, fingerprint text not null,
  alert_name text not null, rule text not null, incident_id text, channel text, started_at bigint not null,
  resolved_at bigint, notified_at bigint, ord bigserial
);
create index if not exists alert_runs_alert on alert_runs (source, fingerprint);
create table if not exists run_notes (
  id bigserial primary key, run_id text not null references runs (id), at bigint not null,
  source text not null, text text not null
);
create table if not exists webhook_deliveries (
  source text not null, id text not null, received_at bigint not null, primary key (source, id)
);
create table if not exists chat_messages (
  run_id text not null references runs (id), kind text not null, channel text not null, ts text not null,
  primary key (run_id, kind)
);
create table if not exists once_keys (key text primary key, at bigint not null);
create index if not exists once_keys_at on once_keys (at);
`

/** Serializes schema creation across processes starting at once (create-if-not-exists races in Postgres). */
const SCHEMA_LOCK = 0x72756e62 // "runb"
/** The advisory lock of `claim`: exclusive for a sole serve, shared by serve --queue and the workers. */
const OWNER_LOCK = 0x72756e6f // "runo"

// bigint (int8) columns hold ms timestamps: well inside Number's exact range.
const INT8 = 20
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 && format !== 'binary'
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format as 'text')) as pg.CustomTypesConfig['getTypeParser'],
}

/** A Store with the flush a network store needs: appendEvent queues, flush commits. */
export interface FlushingStore extends Store {
  flush(runId?: string): Promise<void>
}

/** The run's pending inserts, in order; the first failure sticks (the run's journal is broken from there). */
interface EventChain {
  last: number
  tail: Promise<void>
  failure?: Error
}

export interface PostgresStoreOptions {
  /** Pool size per process (default 10). */
  max?: number
}

/**
 * Connects, creates the tables if missing, and returns the store.
 *
 * @example
 * const store = await openPostgresStore('postgres://runbook@db.internal/runbook')
 */
export async function openPostgresStore(url: string, o: PostgresStoreOptions = {}): Promise<FlushingStore> {
  const pool = new pg.Pool({ connectionString: url, max: o.max ?? 10, types })
  // An idle client losing its server (a restart) must not crash the process: the next query reconnects.
  pool.on('error', () => {})
  const client = await pool.connect()
  try {
    await client.query('select pg_advisory_lock($1)', [SCHEMA_LOCK])
    await client.query(SCHEMA)
    await client.query('select pg_advisory_unlock($1)', [SCHEMA_LOCK])
  } finally {
    client.release()
  }

  /** The session holding `claim`'s advisory lock. */
  let owner: pg.Client | undefined
  let closing = false

  /** The owner lock on a session of its own, or RB_STORE_IN_USE naming who holds it. */
  const takeOwnerLock = async (mode: 'sole' | 'shared'): Promise<pg.Client> => {
    // A connection of its own, outside the pool: the lock lives as long as this session.
    const c = new pg.Client({ connectionString: url, types })
    c.on('error', () => {}) // its end is handled by keepOwnerLock
    await c.connect()
    const fn = mode === 'sole' ? 'pg_try_advisory_lock' : 'pg_try_advisory_lock_shared'
    const got = await c.query<{ got: boolean }>(`select ${fn}($1) as got`, [OWNER_LOCK]).then(
      (r) => r.rows[0]?.got === true,
      async (err: unknown) => {
        await c.end().catch(() => {})
        throw err
      },
    )
    if (got) return c
    // Who holds it, for the message: pg_locks shows the holders' pids (objid is the key's low half).
    const holders = (
      await c
        .query<{ pid: number; mode: string }>(
          `select l.pid, l.mode from pg_locks l
           where l.locktype = 'advisory' and l.objid = $1 and l.granted
             and l.database = (select oid from pg_database where datname = current_database())`,
          [OWNER_LOCK],
        )
        .catch(() => ({ rows: [] as Array<{ pid: number; mode: string }> }))
    ).rows
    await c.end().catch(() => {})
    const sole = holders.some((h) => h.mode === 'ExclusiveLock')
    const who = sole
      ? 'a runbook serve without --queue (it runs the runs itself)'
      : `${holders.length > 0 ? holders.length : 'other'} process(es) sharing it (runbook serve --queue or runbook worker)`
    throw new RunbookError(
      'RB_STORE_IN_USE',
      mode === 'sole'
        ? `${who} already use${sole ? 's' : ''} this database: a serve without --queue takes every host lock back and resumes every live run at start, so it must be alone; start it with --queue to share the database with workers`
        : `${who} already uses this database: it would take this process's host locks and run its runs a second time; restart it with --queue`,
    )
  }

  /**
   * When the lock's session ends while the store is open (the server restarted, the session was
   * killed), take the lock again as soon as the server answers (every second); if another process
   * took it meanwhile, say so to `onLost`.
   */
  const keepOwnerLock = (c: pg.Client, mode: 'sole' | 'shared', onLost?: (err: Error) => void): void => {
    c.once('end', () => {
      if (closing || owner !== c) return
      owner = undefined
      void (async () => {
        while (!closing) {
          await new Promise((r) => setTimeout(r, 1000))
          if (closing) return
          try {
            const again = await takeOwnerLock(mode)
            if (closing) return void (await again.end().catch(() => {}))
            owner = again
            keepOwnerLock(again, mode, onLost)
            return
          } catch (err) {
            if (!(err instanceof RunbookError && err.code === 'RB_STORE_IN_USE')) continue // the server does not answer yet
            onLost?.(new RunbookError('RB_STORE_IN_USE', `lost the claim on the database (its session ended) and ${err.message}`))
            return
          }
        }
      })()
    })
  }
  const q = async <R extends object = Record<string, unknown>>(sql: string, args: unknown[] = []) => pool.query<R>(sql, args)
  /** One transaction on one client: BEGIN, fn, COMMIT (ROLLBACK on error). */
  const tx = async <T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> => {
    const c = await pool.connect()
    try {
      await c.query('begin')
      const out = await fn(c)
      await c.query('commit')
      return out
    } catch (err) {
      await c.query('rollback').catch(() => {})
      throw err
    } finally {
      c.release()
    }
  }

  const chains = new Map<string, EventChain>()
  const flush = async (runId?: string) => {
    const list = runId === undefined ? [...chains.values()] : [chains.get(runId)].filter((c): c is EventChain => c !== undefined)
    await Promise.all(list.map((c) => c.tail))
    const failed = list.find((c) => c.failure)
    if (failed) throw failed.failure
  }
  const getRun = async (id: string) => {
    const { rows } = await q<RunRow>('select * from runs where id = $1', [id])
    return rows[0] ? toRun(rows[0]) : undefined
  }
  const events = async (runId: string, afterSeq = 0): Promise<StoredEvent[]> => {
    // What this process appended is read back: its inserts land first (a failed one is not there).
    await chains.get(runId)?.tail
    return (await q<StoredEvent>('select seq, json from events where run_id = $1 and seq > $2 order by seq', [runId, afterSeq])).rows
  }
  const columns: Record<keyof RunPatch, string> = {
    status: 'status',
    exitCode: 'exit_code',
    outcome: 'outcome',
    error: 'error',
    startedAt: 'started_at',
    finishedAt: 'finished_at',
  }

  return {
    async createRun(run) {
      await tx(async (c) => {
        await c.query(
          `insert into runs (id, runbook, file, host, mode, params, requested_by, status, created_at, plan_key)
           values ($1, $2, $3, $4, $5, $6, $7, 'queued', $8, $9)`,
          [
            run.id,
            run.runbook,
            run.file,
            run.host,
            run.mode,
            JSON.stringify(run.params),
            run.requestedBy,
            run.createdAt,
            Buffer.from(run.planKey),
          ],
        )
        await c.query('insert into jobs (run_id, enqueued_at) values ($1, $2)', [run.id, run.createdAt])
      })
      return (await getRun(run.id))!
    },
    getRun,
    async listRuns(filter: RunFilter) {
      const where: string[] = []
      const args: unknown[] = []
      for (const k of ['runbook', 'host', 'status'] as const) {
        if (filter[k] !== undefined) {
          args.push(filter[k])
          where.push(`${k} = $${args.length}`)
        }
      }
      args.push(filter.limit ?? 50)
      const sql = `select * from runs ${where.length ? `where ${where.join(' and ')}` : ''} order by created_at desc, ord desc limit $${args.length}`
      return (await q<RunRow>(sql, args)).rows.map(toRun)
    },
    async updateRun(id, patch) {
      const keys = (Object.keys(patch) as Array<keyof RunPatch>).filter((k) => patch[k] !== undefined)
      if (keys.length === 0) return
      const values = keys.map((k) => (k === 'outcome' ? JSON.stringify(patch[k]) : patch[k]))
      await q(`update runs set ${keys.map((k, i) => `${columns[k]} = $${i + 1}`).join(', ')} where id = $${keys.length + 1}`, [
        ...values,
        id,
      ])
    },
    async countByStatus() {
      const { rows } = await q<{ status: string; n: number }>('select status, count(*)::int as n from runs group by status')
      return Object.fromEntries(rows.map((r) => [r.status, r.n]))
    },
    appendEvent(runId, event) {
      const chain = chains.get(runId) ?? { last: 0, tail: Promise.resolve() }
      chains.set(runId, chain)
      if (chain.failure) throw chain.failure
      // What SQLite's primary key refuses at once is refused here at once too (the insert would fail later).
      if (event.seq <= chain.last) throw new Error(`event ${event.seq} of run ${runId} is not after event ${chain.last}`)
      chain.last = event.seq
      const json = JSON.stringify(event)
      chain.tail = chain.tail.then(async () => {
        if (chain.failure) return
        try {
          await q('insert into events (run_id, seq, json) values ($1, $2, $3)', [runId, event.seq, json])
        } catch (err) {
          // unique_violation on (run_id, seq): another process writes this run.
          chain.failure =
            (err as { code?: string }).code === '23505'
              ? new JournalConflict(runId, event.seq, { cause: err })
              : err instanceof Error
                ? err
                : new Error(String(err))
        }
      })
    },
    flush,
    events,
    async exportTranscript(runId) {
      return (await events(runId)).map((e) => e.json + '\n').join('')
    },
    async openApprovalRequest(r) {
      await q(
        `insert into approval_requests (run_id, step, plan_hash, required, requested_at, expires_at, state)
         values ($1, $2, $3, $4, $5, $6, 'open')
         on conflict (run_id) do update set step = excluded.step, plan_hash = excluded.plan_hash, required = excluded.required,
           requested_at = excluded.requested_at, expires_at = excluded.expires_at, state = 'open'`,
        [r.runId, r.step, r.planHash, r.required, r.requestedAt, r.expiresAt],
      )
    },
    async approvalRequest(runId) {
      const r = (
        await q<{
          run_id: string
          step: string
          plan_hash: string
          required: number
          requested_at: number
          expires_at: number
          state: string
        }>('select * from approval_requests where run_id = $1', [runId])
      ).rows[0]
      return (
        r && {
          runId: r.run_id,
          step: r.step,
          planHash: r.plan_hash,
          required: r.required,
          requestedAt: r.requested_at,
          expiresAt: r.expires_at,
          state: r.state as ApprovalRequestRecord['state'],
        }
      )
    },
    async closeApprovalRequest(runId, state) {
      await q("update approval_requests set state = $1 where run_id = $2 and state = 'open'", [state, runId])
    },
    async addApproval(a) {
      await q('insert into approvals (run_id, step, plan_hash, identity, decision, at) values ($1, $2, $3, $4, $5, $6)', [
        a.runId,
        a.step,
        a.planHash,
        a.identity,
        a.decision,
        a.at,
      ])
    },
    async approvals(runId) {
      const { rows } = await q<{
        run_id: string
        step: string
        plan_hash: string
        identity: string
        decision: string
        at: number
        voided: number
      }>('select * from approvals where run_id = $1 order by id', [runId])
      return rows.map((r): ApprovalRecord => ({
        runId: r.run_id,
        step: r.step,
        planHash: r.plan_hash,
        identity: r.identity,
        decision: r.decision as ApprovalRecord['decision'],
        at: r.at,
        voided: r.voided === 1,
      }))
    },
    async voidApprovals(runId, keepHash) {
      return (
        (await q('update approvals set voided = 1 where run_id = $1 and plan_hash <> $2 and voided = 0', [runId, keepHash])).rowCount ?? 0
      )
    },
    async recordRefusal(r) {
      await q('insert into refusals (at, identity, action, run_id, code, reason) values ($1, $2, $3, $4, $5, $6)', [
        r.at,
        r.identity,
        r.action,
        r.runId,
        r.code,
        r.reason,
      ])
    },
    async refusals(runId) {
      const { rows } =
        runId === undefined
          ? await q<RefusalRow>('select * from refusals order by id')
          : await q<RefusalRow>('select * from refusals where run_id = $1 order by id', [runId])
      return rows.map((r): RefusalRecord => ({
        at: r.at,
        identity: r.identity,
        action: r.action,
        runId: r.run_id,
        code: r.code,
        reason: r.reason,
      }))
    },
    async acquireHostLock(host, runId, at) {
      // One statement: the primary key decides between processes; the holder is read in the same snapshot.
      await q('insert into host_locks (host, run_id, at) values ($1, $2, $3) on conflict (host) do nothing', [host, runId, at])
      return (await q<{ run_id: string }>('select run_id from host_locks where host = $1', [host])).rows[0]?.run_id === runId
    },
    async releaseHostLock(host, runId) {
      await q('delete from host_locks where host = $1 and run_id = $2', [host, runId])
    },
    async hostLocks() {
      return (await q<{ host: string; runId: string; at: number }>('select host, run_id as "runId", at from host_locks order by host')).rows
    },
    async queuedJobs() {
      return (await q<{ run_id: string }>('select run_id from jobs order by enqueued_at, ord')).rows.map((r) => r.run_id)
    },
    async claimJob(runId) {
      return (await q('delete from jobs where run_id = $1', [runId])).rowCount === 1
    },
    async claimTrigger(c) {
      return tx(async (db) => {
        // Rows that do not exist yet cannot be locked: the key's advisory lock serializes claimers.
        await db.query('select pg_advisory_xact_lock(hashtext($1))', [c.key])
        const row = (
          await db.query<TriggerSlot & { status: string | null }>(
            `select s.key, s.rule, s.runbook, s.host, s.run_id as "runId", s.claimed_at as "claimedAt", s.cool_down_until as "coolDownUntil",
               r.status as status from trigger_slots s left join runs r on r.id = s.run_id where s.key = $1`,
            [c.key],
          )
        ).rows[0]
        if (row) {
          const { status, ...holder } = row
          if (holder.runId === null && c.at - holder.claimedAt < c.pendingTtlMs)
            return { claimed: false as const, holder, reason: 'pending' as const }
          if (holder.runId !== null && status !== null && (LIVE_STATUSES as readonly string[]).includes(status))
            return { claimed: false as const, holder, reason: 'active' as const }
          if (holder.runId !== null && c.at < holder.coolDownUntil) return { claimed: false as const, holder, reason: 'cool-down' as const }
        }
        await db.query(
          `insert into trigger_slots (key, rule, runbook, host, run_id, claimed_at, cool_down_until) values ($1, $2, $3, $4, null, $5, $6)
           on conflict (key) do update set rule = excluded.rule, runbook = excluded.runbook, host = excluded.host, run_id = null,
             claimed_at = excluded.claimed_at, cool_down_until = excluded.cool_down_until`,
          [c.key, c.rule, c.runbook, c.host, c.at, c.coolDownUntil],
        )
        return { claimed: true as const }
      })
    },
    async bindTrigger(key, runId) {
      await q('update trigger_slots set run_id = $1 where key = $2 and run_id is null', [runId, key])
    },
    async releaseTrigger(key) {
      await q('delete from trigger_slots where key = $1 and run_id is null', [key])
    },
    async recordAlertRun(r) {
      await q(
        `insert into alert_runs (run_id, source, fingerprint, alert_name, rule, incident_id, channel, started_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [r.runId, r.source, r.fingerprint, r.alertName, r.rule, r.incidentId, r.channel, r.startedAt],
      )
    },
    async alertRun(runId) {
      const row = (await q<AlertRunRow>('select * from alert_runs where run_id = $1', [runId])).rows[0]
      return row && toAlertRun(row)
    },
    async unnotifiedAlertRuns() {
      return (await q<AlertRunRow>('select * from alert_runs where notified_at is null order by started_at, ord')).rows.map(toAlertRun)
    },
    async resolveAlertRuns(source, fingerprint, at) {
      const { rows } = await q<AlertRunRow & { ord: number }>(
        'update alert_runs set resolved_at = $3 where source = $1 and fingerprint = $2 and resolved_at is null returning *',
        [source, fingerprint, at],
      )
      return rows.sort((a, b) => a.started_at - b.started_at || a.ord - b.ord).map(toAlertRun)
    },
    async claimNotification(runId, at) {
      return (await q('update alert_runs set notified_at = $1 where run_id = $2 and notified_at is null', [at, runId])).rowCount === 1
    },
    async addRunNote(n) {
      await q('insert into run_notes (run_id, at, source, text) values ($1, $2, $3, $4)', [n.runId, n.at, n.source, n.text])
    },
    async runNotes(runId) {
      return (await q<RunNote>('select run_id as "runId", at, source, text from run_notes where run_id = $1 order by id', [runId])).rows
    },
    async rememberDelivery(source, id, at) {
      return (
        (await q('insert into webhook_deliveries (source, id, received_at) values ($1, $2, $3) on conflict do nothing', [source, id, at]))
          .rowCount === 1
      )
    },
    async forgetDeliveries(before) {
      return (await q('delete from webhook_deliveries where received_at < $1', [before])).rowCount ?? 0
    },
    async saveChatMessage(m) {
      await q(
        `insert into chat_messages (run_id, kind, channel, ts) values ($1, $2, $3, $4)
         on conflict (run_id, kind) do update set channel = excluded.channel, ts = excluded.ts`,
        [m.runId, m.kind, m.channel, m.ts],
      )
    },
    async chatMessage(runId, kind) {
      const { rows } = await q<ChatMessageRecord>(
        'select run_id as "runId", kind, channel, ts from chat_messages where run_id = $1 and kind = $2',
        [runId, kind],
      )
      return rows[0]
    },
    async chatMessages(runId) {
      return (
        await q<ChatMessageRecord>('select run_id as "runId", kind, channel, ts from chat_messages where run_id = $1 order by kind', [
          runId,
        ])
      ).rows
    },
    async claimOnce(key, at, expireBefore) {
      if (expireBefore !== undefined) await q('delete from once_keys where at < $1', [expireBefore])
      return (await q('insert into once_keys (key, at) values ($1, $2) on conflict (key) do nothing', [key, at])).rowCount === 1
    },
    async claim(mode, onLost) {
      if (owner) return
      owner = await takeOwnerLock(mode)
      keepOwnerLock(owner, mode, onLost)
    },
    async close() {
      closing = true
      await flush().catch(() => {})
      await owner?.end().catch(() => {})
      owner = undefined
      await pool.end()
    },
  }
}

interface RefusalRow {
  at: number
  identity: string
  action: string
  run_id: string | null
  code: string
  reason: string
}
