/**
 * What `runbook serve` keeps: runs, their events (the journal: one row per RunEvent, in order, the
 * same JSON text the CLI's transcript writer writes), approvals, refusals, host locks and queued
 * jobs. One interface, so a Postgres store can replace the embedded SQLite one (sqlite-store.ts);
 * test/unit/service/store-suite.ts is the one suite every implementation must pass.
 */
import type { Mode, RunEvent, RunStatus } from '../types.ts'

/**
 * Another process has written this run's journal at the same place: this process is not (or no
 * longer) the run's executor, and must stop without recording anything more for it.
 */
export class JournalConflict extends Error {
  constructor(runId: string, seq: number, options?: { cause?: unknown }) {
    super(
      `run ${runId}: event ${seq} is already in the journal, written by another process: this one stops without recording more`,
      options,
    )
    this.name = 'JournalConflict'
  }
}

/** While a run lives: queued, running, waiting-approval. Then the CLI's final statuses. */
export type LiveStatus = 'queued' | 'running' | 'waiting-approval'
export type ServiceRunStatus = LiveStatus | RunStatus
export const LIVE_STATUSES: readonly LiveStatus[] = ['queued', 'running', 'waiting-approval']

export interface RunRequest {
  runbook: string
  /** The runbook file the run was resolved to when it was accepted. */
  file: string
  host: string | null
  mode: Mode
  /** As given (secrets included: needed to run after a restart; the store file is 0600). */
  params: Record<string, unknown>
  requestedBy: string
}

export interface RunRecord extends RunRequest {
  id: string
  status: ServiceRunStatus
  exitCode: number | null
  outcome: unknown
  error: string | null
  createdAt: number
  startedAt: number | null
  finishedAt: number | null
  /** engine/plan-hash.ts key: lets a resumed run reproduce its plan hashes. Never shown. */
  planKey: Uint8Array
}

export type RunPatch = Partial<Pick<RunRecord, 'status' | 'exitCode' | 'outcome' | 'error' | 'startedAt' | 'finishedAt'>>

export interface RunFilter {
  runbook?: string
  host?: string
  status?: ServiceRunStatus
  limit?: number
}

export interface StoredEvent {
  seq: number
  /** Exactly `JSON.stringify(event)`, as transcript/writer.ts writes it. */
  json: string
}

/** A fix waiting for approval: one per run at a time, bound to the plan hash shown. */
export interface ApprovalRequestRecord {
  runId: string
  step: string
  planHash: string
  required: number
  requestedAt: number
  expiresAt: number
  /** open until decided; then approved, declined, expired, cancelled. */
  state: 'open' | 'approved' | 'declined' | 'expired' | 'cancelled'
}

export interface ApprovalRecord {
  runId: string
  step: string
  planHash: string
  identity: string
  decision: 'approve' | 'decline'
  at: number
  /** A re-plan (new hash) voids the approvals given to the old one. */
  voided: boolean
}

export interface RefusalRecord {
  at: number
  identity: string
  /** What was refused: `run`, `approve`, `cancel`, `view`, ... */
  action: string
  runId: string | null
  code: string
  reason: string
}

/** A chat message a run owns (its thread's parent, its plan), so a restart edits it instead of posting again. */
export interface ChatMessageRecord {
  runId: string
  /** `parent`, or `plan:<hash>` for a plan message. */
  kind: string
  channel: string
  ts: string
}

export interface Store extends TriggerStore {
  /** Creates the run (status queued) and its queued job, atomically. */
  createRun(run: RunRequest & { id: string; createdAt: number; planKey: Uint8Array }): Promise<RunRecord>
  getRun(id: string): Promise<RunRecord | undefined>
  /** Newest first. */
  listRuns(filter: RunFilter): Promise<RunRecord[]>
  updateRun(id: string, patch: RunPatch): Promise<void>
  countByStatus(): Promise<Record<string, number>>

  /**
   * Commits one event. Synchronous on purpose: the engine's onEvent is synchronous, and the event
   * must be durable before the engine takes its next step. SQLite commits before returning; a
   * store over the network (Postgres) checks the order at once, queues the insert, and commits it
   * by `flush`, which the service awaits before each command, probe and approval
   * (RunOptions.beforeCommand). A wrong order throws at once in both.
   */
  appendEvent(runId: string, event: RunEvent): void
  /**
   * Resolves when every event appended so far (for `runId`, or all runs) is committed; rejects with
   * the first insert that failed. Absent when appendEvent commits synchronously.
   */
  flush?(runId?: string): Promise<void>
  /** Events with seq > afterSeq, in order. */
  events(runId: string, afterSeq?: number): Promise<StoredEvent[]>
  /** The JSONL transcript, byte-for-byte what `runbook run --transcript` writes for these events. */
  exportTranscript(runId: string): Promise<string>

  openApprovalRequest(request: Omit<ApprovalRequestRecord, 'state'>): Promise<void>
  approvalRequest(runId: string): Promise<ApprovalRequestRecord | undefined>
  closeApprovalRequest(runId: string, state: Exclude<ApprovalRequestRecord['state'], 'open'>): Promise<void>
  addApproval(approval: Omit<ApprovalRecord, 'voided'>): Promise<void>
  approvals(runId: string): Promise<ApprovalRecord[]>
  /** Voids the run's approvals given to any other plan hash. */
  voidApprovals(runId: string, keepHash: string): Promise<number>

  recordRefusal(refusal: RefusalRecord): Promise<void>
  refusals(runId?: string): Promise<RefusalRecord[]>

  /** Queue-level lock: one mutating run per host. False when another run holds it. */
  acquireHostLock(host: string, runId: string, at: number): Promise<boolean>
  releaseHostLock(host: string, runId: string): Promise<void>
  hostLocks(): Promise<Array<{ host: string; runId: string; at: number }>>

  /** Queued jobs not yet claimed by a worker, oldest first. */
  queuedJobs(): Promise<string[]>
  /** A worker takes the job: false if it was already taken (or cancelled). */
  claimJob(runId: string): Promise<boolean>

  /** Remembers (or moves) the message a run owns for this kind. */
  saveChatMessage(message: ChatMessageRecord): Promise<void>
  chatMessage(runId: string, kind: string): Promise<ChatMessageRecord | undefined>
  chatMessages(runId: string): Promise<ChatMessageRecord[]>
  /**
   * Once-only keys (a Slack trigger id, a request signature, `outcome:<run>`): true the first
   * time a key is claimed, false ever after. Keys older than `expireBefore` are forgotten.
   */
  claimOnce(key: string, at: number, expireBefore?: number): Promise<boolean>

  /**
   * Declares how this process uses the store, for as long as it stays open; throws
   * RB_STORE_IN_USE when that cannot hold. `sole`: `runbook serve` without a shared queue runs the
   * runs itself, so at start it takes every host lock back and resumes every live run: no other
   * process may use the store meanwhile, or it would take their locks and run their runs a second
   * time. `shared`: serve with --queue and the workers, any number of them, never beside a `sole`
   * one. The claim is held by the operating system (SQLite: a file lock) or the server (Postgres: an
   * advisory lock on a connection of its own): it ends with the process, even one killed -9.
   * On Postgres the session holding it may end while the process lives (a server restart): it is
   * taken again as soon as the server answers, and `onLost` is called if another process took it
   * meanwhile (the caller must then stop).
   */
  claim(mode: 'sole' | 'shared', onLost?: (err: Error) => void): Promise<void>

  close(): Promise<void>
}

/**
 * Alert triggers (service/hooks): one dedupe slot per (rule, runbook, host). A slot is held while
 * its run is queued, running or waiting, and for the rule's cool-down after the run was started.
 */
export interface TriggerSlot {
  key: string
  rule: string
  runbook: string
  host: string | null
  /** Null while the run is being submitted (a pending claim). */
  runId: string | null
  claimedAt: number
  coolDownUntil: number
}

export type TriggerClaimResult = { claimed: true } | { claimed: false; holder: TriggerSlot; reason: 'active' | 'cool-down' | 'pending' }

/** A run an alert started: where its result goes, and whether the alert has resolved since. */
export interface AlertRunRecord {
  runId: string
  source: string
  /** The alert's identity at its source: Alertmanager fingerprint, PagerDuty incident id, ... */
  fingerprint: string
  /** The alert's name (alertname, incident title), for messages. */
  alertName: string
  rule: string
  incidentId: string | null
  channel: string | null
  startedAt: number
  resolvedAt: number | null
  notifiedAt: number | null
}

/** A note about a run from outside its journal (an alert resolved, ...): never part of the transcript. */
export interface RunNote {
  runId: string
  at: number
  source: string
  text: string
}

export interface TriggerStore {
  /**
   * Takes the slot atomically, or says who holds it. A pending claim (no run yet) older than
   * `pendingTtlMs` is taken over: the request that made it died before submitting.
   */
  claimTrigger(claim: {
    key: string
    rule: string
    runbook: string
    host: string | null
    at: number
    coolDownUntil: number
    pendingTtlMs: number
  }): Promise<TriggerClaimResult>
  /** The run was queued: the slot now follows it. */
  bindTrigger(key: string, runId: string): Promise<void>
  /** The run was refused (RBAC, params): the pending claim is dropped. */
  releaseTrigger(key: string): Promise<void>
  recordAlertRun(record: Omit<AlertRunRecord, 'resolvedAt' | 'notifiedAt'>): Promise<void>
  alertRun(runId: string): Promise<AlertRunRecord | undefined>
  /** Alert runs whose result has not been posted yet, oldest first. */
  unnotifiedAlertRuns(): Promise<AlertRunRecord[]>
  /** Marks the runs this alert started as resolved; returns the ones not marked before. */
  resolveAlertRuns(source: string, fingerprint: string, at: number): Promise<AlertRunRecord[]>
  /** True exactly once per run: whoever gets true posts the result (no duplicate posts). */
  claimNotification(runId: string, at: number): Promise<boolean>
  addRunNote(note: RunNote): Promise<void>
  runNotes(runId: string): Promise<RunNote[]>
  /**
   * Webhook replay store: true the first time (source, id) is seen, false after. Ids are kept
   * until forgetDeliveries removes those received before a time.
   */
  rememberDelivery(source: string, id: string, at: number): Promise<boolean>
  forgetDeliveries(before: number): Promise<number>
}
