/**
 * A row of the `runs` table as both SQL stores read it (snake_case columns, JSON text, the plan key
 * as bytes), and the RunRecord it stands for.
 */
import type { RunRecord } from './store.ts'

export interface RunRow {
  id: string
  runbook: string
  file: string
  host: string | null
  mode: string
  params: string
  requested_by: string
  status: string
  exit_code: number | null
  outcome: string | null
  error: string | null
  created_at: number
  started_at: number | null
  finished_at: number | null
  plan_key: Buffer
}

export const toRun = (r: RunRow): RunRecord => ({
  id: r.id,
  runbook: r.runbook,
  file: r.file,
  host: r.host,
  mode: r.mode as RunRecord['mode'],
  params: JSON.parse(r.params) as Record<string, unknown>,
  requestedBy: r.requested_by,
  status: r.status as RunRecord['status'],
  exitCode: r.exit_code,
  outcome: r.outcome === null ? null : JSON.parse(r.outcome),
  error: r.error,
  createdAt: r.created_at,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  planKey: new Uint8Array(r.plan_key),
})
