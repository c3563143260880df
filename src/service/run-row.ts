/**
 * Rows as both SQL stores read them (snake_case columns, JSON text, the plan key as bytes), and the
 * records they stand for: `runs` and `alert_runs`.
 */
import type { AlertRunRecord, RunRecord } from './store.ts'

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

export interface AlertRunRow {
  run_id: string
  source: string
  fingerprint: string
  alert_name: string
  rule: string
  incident_id: string | null
  channel: string | null
  started_at: number
  resolved_at: number | null
  notified_at: number | null
}

export const toAlertRun = (r: AlertRunRow): AlertRunRecord => ({
  runId: r.run_id,
  source: r.source,
  fingerprint: r.fingerprint,
  alertName: r.alert_name,
  rule: r.rule,
  incidentId: r.incident_id,
  channel: r.channel,
  startedAt: r.started_at,
  resolvedAt: r.resolved_at,
  notifiedAt: r.notified_at,
})
