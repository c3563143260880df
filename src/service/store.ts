/**
 * What `runbook serve` keeps: runs, their events (the journal: one row per RunEvent, in order, the
 * same JSON text the CLI's transcript writer writes), approvals, refusals, host locks and queued
 * jobs. One interface, so a Postgres store can replace the embedded SQLite one (sqlite-store.ts);
 * test/unit/service/store-suite.ts is the one suite every implementation must pass.
 */
import type { Mode, RunEvent, RunStatus } from '../types.ts'

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

export interface Store {
  /** Creates the run (status queued) and its queued job, atomically. */
  createRun(run: RunRequest & { id: string; createdAt: number; planKey: Uint8Array }): Promise<RunRecord>
  getRun(id: string): Promise<RunRecord | undefined>
  /** Newest first. */
  listRuns(filter: RunFilter): Promise<RunRecord[]>
  updateRun(id: string, patch: RunPatch): Promise<void>
  countByStatus(): Promise<Record<string, number>>

  /**
   * Commits one event. Synchronous on purpose: the engine's onEvent is synchronous, and the event
   * must be durable before the engine takes its next step. A store over the network (Postgres)
   * will need an engine hook that awaits the sink (a later issue).
   */
  appendEvent(runId: string, event: RunEvent): void
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

  close(): Promise<void>
}
