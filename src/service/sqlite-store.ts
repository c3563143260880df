/**
 * The embedded store: SQLite through better-sqlite3 (the only file that imports it), WAL mode, in
 * the state dir. Writes are synchronous, so an event is committed when appendEvent returns.
 */
import Database from 'better-sqlite3'
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { RunbookError } from '../errors.ts'
import type { RunEvent } from '../types.ts'
import {
  LIVE_STATUSES,
  type AlertRunRecord,
  type ApprovalRecord,
  type ChatMessageRecord,
  type ApprovalRequestRecord,
  type RefusalRecord,
  type RunFilter,
  type RunNote,
  type RunPatch,
  type RunRecord,
  type RunRequest,
  type Store,
  type StoredEvent,
  type TriggerSlot,
} from './store.ts'
import { toAlertRun, toRun, type AlertRunRow, type RunRow } from './run-row.ts'

const SCHEMA = `
create table if not exists runs (
  id text primary key, runbook text not null, file text not null, host text, mode text not null,
  params text not null, requested_by text not null, status text not null, exit_code integer,
  outcome text, error text, created_at integer not null, started_at integer, finished_at integer,
  plan_key blob not null
);
create index if not exists runs_created on runs (created_at desc);
create table if not exists events (
  run_id text not null references runs (id), seq integer not null, json text not null,
  primary key (run_id, seq)
) without rowid;
create table if not exists approval_requests (
  run_id text primary key references runs (id), step text not null, plan_hash text not null,
  required integer not null, requested_at integer not null, expires_at integer not null, state text not null
);
create table if not exists approvals (
  id integer primary key, run_id text not null references runs (id), step text not null,
  plan_hash text not null, identity text not null, decision text not null, at integer not null,
  voided integer not null default 0
);
create table if not exists refusals (
  id integer primary key, at integer not null, identity text not null, action text not null,
  run_id text, code text not null, reason text not null
);
create table if not exists host_locks (host text primary key, run_id text not null, at integer not null);
create table if not exists jobs (run_id text primary key references runs (id), enqueued_at integer not null);
create table if not exists trigger_slots (
  key text primary key, rule text not null, runbook text not null, host text, run_id text,
  claimed_at integer not null, cool_down_until integer not null
);
create table if not exists alert_runs (
  run_id text primary key references runs (id), source text not null, fingerprint text not null,
  alert_name text not null, rule text not null, incident_id text, channel text, started_at integer not null,
  resolved_at integer, notified_at integer
);
create index if not exists alert_runs_alert on alert_runs (source, fingerprint);
create table if not exists run_notes (
  id integer primary key, run_id text not null references runs (id), at integer not null,
  source text not null, text text not null
);
create table if not exists webhook_deliveries (
  source text not null, id text not null, received_at integer not null, primary key (source, id)
) without rowid;
create table if not exists chat_messages (
  run_id text not null references runs (id), kind text not null, channel text not null, ts text not null,
  primary key (run_id, kind)
) without rowid;
create table if not exists once_keys (key text primary key, at integer not null) without rowid;
create index if not exists once_keys_at on once_keys (at);
`

/**
 * Node 24 with better-sqlite3 12: when V8 collects a Statement or Database object outside a JS
 * context (a GC run from an I/O callback), its destructor aborts the process (`Assertion failed:
 * (env) != nullptr` in node::RemoveEnvironmentCleanupHook; WiseLibs/better-sqlite3#1515, fixed by
 * the Node-API rewrite of better-sqlite3 13, which needs Node >= 22 while we support 20). So on
 * Node >= 24 no such object is ever collected: each database and every statement prepared on it,
 * pragmas and transactions included, stays reachable for the life of the process. They are few:
 * statements are prepared once per store, and dynamic SQL is cached by its text.
 */
const NEVER_COLLECTED: unknown[] = []
const PIN_NATIVE_OBJECTS = Number(process.versions.node.split('.')[0]) >= 24

function pinNativeObjects(db: Database.Database): void {
  NEVER_COLLECTED.push(db)
  for (const symbol of Object.getOwnPropertySymbols(db)) {
    const native = (db as unknown as Record<symbol, { prepare?: (...args: unknown[]) => unknown } | undefined>)[symbol]
    if (typeof native?.prepare !== 'function') continue
    const prepare = native.prepare.bind(native)
    native.prepare = (...args: unknown[]) => {
      const statement = prepare(...args)
      NEVER_COLLECTED.push(statement)
      return statement
    }
  }
}

/** Opens (creating if needed) `<stateDir>/runbook.db`; `:memory:` for a throwaway store. */
export function openSqliteStore(stateDir: string | ':memory:'): Store {
  let file = ':memory:'
  if (stateDir !== ':memory:') {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 })
    file = join(stateDir, 'runbook.db')
  }
  const fresh = file !== ':memory:' && !existsSync(file)
  const db = new Database(file)
  /** The lock `claim` holds until close. */
  let owner: Database.Database | undefined
  if (PIN_NATIVE_OBJECTS) pinNativeObjects(db)
  const cached = new Map<string, Database.Statement>()
  /** Dynamic SQL (filters, patches): one statement per distinct text. */
  const prepared = (sql: string) => {
    let s = cached.get(sql)
    if (!s) cached.set(sql, (s = db.prepare(sql)))
    return s
  }
  // Params may hold secrets: only the service's user reads the file.
  if (fresh) chmodSync(file, 0o600)
  db.pragma('journal_mode = WAL')
  // FULL: a committed event survives a power cut too, not only a crash of the process.
  db.pragma('synchronous = FULL')
  db.pragma('foreign_keys = ON')
  db.pragma('busy_timeout = 5000')
  db.exec(SCHEMA)

  const st = {
    insertRun: db.prepare(`insert into runs (id, runbook, file, host, mode, params, requested_by, status, created_at, plan_key)
      values (@id, @runbook, @file, @host, @mode, @params, @requestedBy, 'queued', @createdAt, @planKey)`),
    insertJob: db.prepare('insert into jobs (run_id, enqueued_at) values (?, ?)'),
    getRun: db.prepare('select * from runs where id = ?'),
    insertEvent: db.prepare('insert into events (run_id, seq, json) values (?, ?, ?)'),
    events: db.prepare('select seq, json from events where run_id = ? and seq > ? order by seq'),
    byStatus: db.prepare('select status, count(*) as n from runs group by status'),
    openRequest: db.prepare(`insert into approval_requests (run_id, step, plan_hash, required, requested_at, expires_at, state)
      values (@runId, @step, @planHash, @required, @requestedAt, @expiresAt, 'open')
      on conflict (run_id) do update set step = excluded.step, plan_hash = excluded.plan_hash, required = excluded.required,
        requested_at = excluded.requested_at, expires_at = excluded.expires_at, state = 'open'`),
    getRequest: db.prepare('select * from approval_requests where run_id = ?'),
    closeRequest: db.prepare("update approval_requests set state = ? where run_id = ? and state = 'open'"),
    addApproval: db.prepare(
      'insert into approvals (run_id, step, plan_hash, identity, decision, at) values (@runId, @step, @planHash, @identity, @decision, @at)',
    ),
    approvals: db.prepare('select * from approvals where run_id = ? order by id'),
    voidApprovals: db.prepare('update approvals set voided = 1 where run_id = ? and plan_hash <> ? and voided = 0'),
    addRefusal: db.prepare(
      'insert into refusals (at, identity, action, run_id, code, reason) values (@at, @identity, @action, @runId, @code, @reason)',
    ),
    refusals: db.prepare('select * from refusals order by id'),
    refusalsOf: db.prepare('select * from refusals where run_id = ? order by id'),
    lock: db.prepare('insert into host_locks (host, run_id, at) values (?, ?, ?) on conflict (host) do nothing'),
    lockHolder: db.prepare('select run_id from host_locks where host = ?'),
    unlock: db.prepare('delete from host_locks where host = ? and run_id = ?'),
    locks: db.prepare('select host, run_id as runId, at from host_locks order by host'),
    jobs: db.prepare('select run_id from jobs order by enqueued_at, rowid'),
    claim: db.prepare('delete from jobs where run_id = ?'),
    slot: db.prepare(`select s.key, s.rule, s.runbook, s.host, s.run_id as runId, s.claimed_at as claimedAt, s.cool_down_until as coolDownUntil,
      r.status as status from trigger_slots s left join runs r on r.id = s.run_id where s.key = ?`),
    putSlot:
      db.prepare(`insert into trigger_slots (key, rule, runbook, host, run_id, claimed_at, cool_down_until) values (@key, @rule, @runbook, @host, null, @at, @coolDownUntil)
      on conflict (key) do update set rule = excluded.rule, runbook = excluded.runbook, host = excluded.host, run_id = null, claimed_at = excluded.claimed_at, cool_down_until = excluded.cool_down_until`),
    bindSlot: db.prepare('update trigger_slots set run_id = ? where key = ? and run_id is null'),
    dropSlot: db.prepare('delete from trigger_slots where key = ? and run_id is null'),
    addAlertRun: db.prepare(`insert into alert_runs (run_id, source, fingerprint, alert_name, rule, incident_id, channel, started_at)
      values (@runId, @source, @fingerprint, @alertName, @rule, @incidentId, @channel, @startedAt)`),
    alertRun: db.prepare('select * from alert_runs where run_id = ?'),
    unnotified: db.prepare('select * from alert_runs where notified_at is null order by started_at, rowid'),
    unresolved: db.prepare(
      'select * from alert_runs where source = ? and fingerprint = ? and resolved_at is null order by started_at, rowid',
    ),
    resolve: db.prepare('update alert_runs set resolved_at = ? where run_id = ? and resolved_at is null'),
    notified: db.prepare('update alert_runs set notified_at = ? where run_id = ? and notified_at is null'),
    addNote: db.prepare('insert into run_notes (run_id, at, source, text) values (@runId, @at, @source, @text)'),
    notes: db.prepare('select run_id as runId, at, source, text from run_notes where run_id = ? order by id'),
    remember: db.prepare('insert into webhook_deliveries (source, id, received_at) values (?, ?, ?) on conflict do nothing'),
    forget: db.prepare('delete from webhook_deliveries where received_at < ?'),
    saveChat: db.prepare(`insert into chat_messages (run_id, kind, channel, ts) values (@runId, @kind, @channel, @ts)
      on conflict (run_id, kind) do update set channel = excluded.channel, ts = excluded.ts`),
    chat: db.prepare('select run_id as runId, kind, channel, ts from chat_messages where run_id = ? and kind = ?'),
    chats: db.prepare('select run_id as runId, kind, channel, ts from chat_messages where run_id = ? order by kind'),
    forgetOnce: db.prepare('delete from once_keys where at < ?'),
    claimOnce: db.prepare('insert into once_keys (key, at) values (?, ?) on conflict (key) do nothing'),
  }
  const createRun = db.transaction((run: RunRequest & { id: string; createdAt: number; planKey: Uint8Array }) => {
    st.insertRun.run({ ...run, params: JSON.stringify(run.params), planKey: Buffer.from(run.planKey) })
    st.insertJob.run(run.id, run.createdAt)
  })
  const getRun = (id: string) => {
    const row = st.getRun.get(id) as RunRow | undefined
    return row ? toRun(row) : undefined
  }
  const events = (runId: string, afterSeq = 0) => st.events.all(runId, afterSeq) as StoredEvent[]
  const claimTrigger = db.transaction(
    (c: { key: string; rule: string; runbook: string; host: string | null; at: number; coolDownUntil: number; pendingTtlMs: number }) => {
      const row = st.slot.get(c.key) as (TriggerSlot & { status: string | null }) | undefined
      if (row) {
        const { status, ...holder } = row
        if (holder.runId === null && c.at - holder.claimedAt < c.pendingTtlMs)
          return { claimed: false as const, holder, reason: 'pending' as const }
        if (holder.runId !== null && status !== null && (LIVE_STATUSES as readonly string[]).includes(status))
          return { claimed: false as const, holder, reason: 'active' as const }
        if (holder.runId !== null && c.at < holder.coolDownUntil) return { claimed: false as const, holder, reason: 'cool-down' as const }
      }
      st.putSlot.run({ key: c.key, rule: c.rule, runbook: c.runbook, host: c.host, at: c.at, coolDownUntil: c.coolDownUntil })
      return { claimed: true as const }
    },
  )
  const resolveAlertRuns = db.transaction((source: string, fingerprint: string, at: number) => {
    const rows = (st.unresolved.all(source, fingerprint) as AlertRunRow[]).map(toAlertRun)
    for (const r of rows) st.resolve.run(at, r.runId)
    return rows.map((r) => ({ ...r, resolvedAt: at }))
  })
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
      createRun(run)
      return getRun(run.id)!
    },
    async getRun(id) {
      return getRun(id)
    },
    async listRuns(filter: RunFilter) {
      const where: string[] = []
      const args: unknown[] = []
      for (const k of ['runbook', 'host', 'status'] as const) {
        if (filter[k] !== undefined) {
          where.push(`${k} = ?`)
          args.push(filter[k])
        }
      }
      const sql = `select * from runs ${where.length ? `where ${where.join(' and ')}` : ''} order by created_at desc, rowid desc limit ?`
      return (prepared(sql).all(...args, filter.limit ?? 50) as RunRow[]).map(toRun)
    },
    async updateRun(id, patch) {
      const keys = (Object.keys(patch) as Array<keyof RunPatch>).filter((k) => patch[k] !== undefined)
      if (keys.length === 0) return
      const values = keys.map((k) => (k === 'outcome' ? JSON.stringify(patch[k]) : patch[k]))
      prepared(`update runs set ${keys.map((k) => `${columns[k]} = ?`).join(', ')} where id = ?`).run(...(values as never[]), id)
    },
    async countByStatus() {
      return Object.fromEntries((st.byStatus.all() as Array<{ status: string; n: number }>).map((r) => [r.status, r.n]))
    },
    appendEvent(runId, event) {
      st.insertEvent.run(runId, event.seq, JSON.stringify(event))
    },
    async events(runId, afterSeq) {
      return events(runId, afterSeq)
    },
    async exportTranscript(runId) {
      return events(runId)
        .map((e) => e.json + '\n')
        .join('')
    },
    async openApprovalRequest(request) {
      st.openRequest.run(request)
    },
    async approvalRequest(runId) {
      const r = st.getRequest.get(runId) as
        | { run_id: string; step: string; plan_hash: string; required: number; requested_at: number; expires_at: number; state: string }
        | undefined
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
      st.closeRequest.run(state, runId)
    },
    async addApproval(a) {
      st.addApproval.run(a)
    },
    async approvals(runId) {
      return (
        st.approvals.all(runId) as Array<{
          run_id: string
          step: string
          plan_hash: string
          identity: string
          decision: string
          at: number
          voided: number
        }>
      ).map((r): ApprovalRecord => ({
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
      return st.voidApprovals.run(runId, keepHash).changes
    },
    async recordRefusal(r) {
      st.addRefusal.run(r)
    },
    async refusals(runId) {
      const rows = (runId === undefined ? st.refusals.all() : st.refusalsOf.all(runId)) as Array<{
        at: number
        identity: string
        action: string
        run_id: string | null
        code: string
        reason: string
      }>
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
      st.lock.run(host, runId, at)
      return (st.lockHolder.get(host) as { run_id: string } | undefined)?.run_id === runId
    },
    async releaseHostLock(host, runId) {
      st.unlock.run(host, runId)
    },
    async hostLocks() {
      return st.locks.all() as Array<{ host: string; runId: string; at: number }>
    },
    async queuedJobs() {
      return (st.jobs.all() as Array<{ run_id: string }>).map((r) => r.run_id)
    },
    async claimJob(runId) {
      return st.claim.run(runId).changes === 1
    },
    async claimTrigger(claim) {
      return claimTrigger(claim)
    },
    async bindTrigger(key, runId) {
      st.bindSlot.run(runId, key)
    },
    async releaseTrigger(key) {
      st.dropSlot.run(key)
    },
    async recordAlertRun(r) {
      st.addAlertRun.run(r)
    },
    async alertRun(runId) {
      const row = st.alertRun.get(runId) as AlertRunRow | undefined
      return row && toAlertRun(row)
    },
    async unnotifiedAlertRuns() {
      return (st.unnotified.all() as AlertRunRow[]).map(toAlertRun)
    },
    async resolveAlertRuns(source, fingerprint, at) {
      return resolveAlertRuns(source, fingerprint, at)
    },
    async claimNotification(runId, at) {
      return st.notified.run(at, runId).changes === 1
    },
    async addRunNote(note) {
      st.addNote.run(note)
    },
    async runNotes(runId) {
      return st.notes.all(runId) as RunNote[]
    },
    async rememberDelivery(source, id, at) {
      return st.remember.run(source, id, at).changes === 1
    },
    async forgetDeliveries(before) {
      return st.forget.run(before).changes
    },
    async saveChatMessage(m) {
      st.saveChat.run(m)
    },
    async chatMessage(runId, kind) {
      return st.chat.get(runId, kind) as ChatMessageRecord | undefined
    },
    async chatMessages(runId) {
      return st.chats.all(runId) as ChatMessageRecord[]
    },
    async claimOnce(key, at, expireBefore) {
      if (expireBefore !== undefined) st.forgetOnce.run(expireBefore)
      return st.claimOnce.run(key, at).changes === 1
    },
    async claim() {
      // One process at a time either way: no worker ever shares a SQLite file.
      if (file === ':memory:' || owner) return
      owner = claimStateDir(stateDir)
    },
    async close() {
      if (owner) {
        // The pid file names the holder only while it holds the lock (removed first: once the lock
        // is free, the next holder writes its own).
        rmSync(join(stateDir, 'serve.pid'), { force: true })
        owner.close()
        owner = undefined
      }
      db.close()
    },
  }
}

/**
 * The state dir's owner: an exclusive lock on `serve.lock` (a SQLite file of its own in exclusive
 * locking mode, so the lock is fcntl's: the kernel drops it when the process ends, however it
 * ends, and no stale lock file is ever left to clean). `serve.pid` says who holds it.
 */
function claimStateDir(stateDir: string): Database.Database {
  const lock = new Database(join(stateDir, 'serve.lock'))
  if (PIN_NATIVE_OBJECTS) pinNativeObjects(lock)
  try {
    lock.pragma('busy_timeout = 0')
    lock.pragma('locking_mode = EXCLUSIVE')
    // The first write takes the exclusive lock; exclusive locking mode keeps it until close.
    lock.exec('begin exclusive; create table if not exists owner (pid integer); delete from owner; insert into owner values (0); commit')
  } catch (err) {
    lock.close()
    if ((err as { code?: string }).code !== 'SQLITE_BUSY') throw err
    let who = 'another process'
    try {
      const pid = readFileSync(join(stateDir, 'serve.pid'), 'utf8').trim()
      if (/^\d+$/.test(pid)) who = `another runbook serve (pid ${pid})`
    } catch {
      // no pid file: the holder is an older runbook, or it has not written it yet
    }
    throw new RunbookError(
      'RB_STORE_IN_USE',
      `${who} already uses the state dir ${stateDir}: two servers on one store would each take the other's host locks and run its runs a second time`,
    )
  }
  writeFileSync(join(stateDir, 'serve.pid'), `${process.pid}\n`)
  return lock
}
