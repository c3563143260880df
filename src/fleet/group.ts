/**
 * Hosts that ended alike, and fix plans that are the same up to the host name. A host's name
 * (`web7`) is replaced by `<host>` wherever it stands as a whole word in summaries, evidence,
 * commands and diffs; two plans equal after that are one plan: one group hash, one approval.
 * Pure: no I/O.
 */
import { createHash } from 'node:crypto'
import type { Evidence, FixPlan, RunStatus } from '../types.ts'

export const HOST_TOKEN = '<host>'

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** `web1` in "sshguard on web1 blocks", not in "web10" nor "db-web1" nor "web1.example.com". */
export function normalizeHost(text: string, host: string): string {
  if (host === '') return text
  const re = new RegExp(`(?<![A-Za-z0-9_.@-])${escape(host)}(?![A-Za-z0-9_-]|\\.[A-Za-z0-9])`, 'g')
  return text.replace(re, HOST_TOKEN)
}

function normalizeDeep(value: unknown, host: string): unknown {
  if (typeof value === 'string') return normalizeHost(value, host)
  if (Array.isArray(value)) return value.map((v) => normalizeDeep(v, host))
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalizeDeep(v, host)]))
  return value
}

/** The plan with the host name taken out (and without its per-host hash). */
export function normalizePlan(plan: FixPlan, host: string): Omit<FixPlan, 'hash'> {
  const { hash: _hash, ...body } = plan
  return normalizeDeep({ ...body, host: HOST_TOKEN }, host) as Omit<FixPlan, 'hash'>
}

/** sha256 of the normalized plan plus the fix step: what a fleet group approval binds to. */
export function groupHash(step: string, plan: FixPlan, host: string): string {
  return createHash('sha256')
    .update(JSON.stringify({ step, plan: normalizePlan(plan, host) }))
    .digest('hex')
}

/** What the fleet keeps of one host's run. */
export interface HostRecord {
  host: string
  status: RunStatus | 'error'
  exitCode: number
  /** Counts against the failure budget. */
  failed: boolean
  outcome: { id: string; summary: string; evidence: Evidence[] } | null
  /** The last fix plan the run proposed (dry-run) or approved, with its fleet group hash. */
  fix?: { step: string; summary: string; plan: FixPlan; groupHash: string }
  durationMs: number
  /** Transcripts of this host, in phase order (diagnose, then apply). */
  transcripts: { phase: Phase; path: string }[]
}

export type Phase = 'diagnose' | 'apply'

/** Statuses that count against the failure budget and make a canary end badly. */
export const FAILED_STATUSES: ReadonlySet<HostRecord['status']> = new Set([
  'incomplete',
  'fix-rolled-back',
  'fix-unverified',
  'rollback-failed',
  'refused',
  'error',
])

export interface OutcomeGroup {
  key: string
  status: HostRecord['status']
  outcomeId: string
  /** The summary of the group's first host, host name replaced by `<host>`. */
  summary: string
  hosts: string[]
  /** Evidence of the first host (normalized), shown once for the whole group. */
  evidence: Evidence[]
  evidenceFrom: string
  exitCode: number
  failed: boolean
  /** Fleet group hash of the fix plan, and the fix step, when the hosts proposed or applied a fix. */
  planHash?: string
  fixStep?: string
}

/** Best first, worst last: the end of the terminal shows what needs attention. */
const RANK: Record<HostRecord['status'], number> = {
  healthy: 0,
  'fix-applied': 1,
  problem: 2,
  'fix-proposed': 3,
  refused: 4,
  'fix-rolled-back': 5,
  incomplete: 6,
  error: 7,
  'fix-unverified': 8,
  'rollback-failed': 9,
}

export function statusRank(status: HostRecord['status']): number {
  return RANK[status]
}

/**
 * Hosts grouped by outcome: same status, same outcome id and, for a fix, the same plan up to the
 * host name. Ordered best first; hosts keep the order given.
 */
export function groupOutcomes(records: readonly HostRecord[]): OutcomeGroup[] {
  const groups = new Map<string, OutcomeGroup>()
  for (const r of records) {
    const outcomeId = r.outcome?.id ?? r.status
    const planHash =
      r.fix && (r.status === 'fix-proposed' || r.status === 'fix-applied' || r.status === 'refused' || r.status === 'fix-rolled-back')
        ? r.fix.groupHash
        : undefined
    const key = `${r.status}|${outcomeId}|${planHash ?? ''}`
    const g = groups.get(key)
    if (g) {
      g.hosts.push(r.host)
      continue
    }
    groups.set(key, {
      key,
      status: r.status,
      outcomeId,
      summary: normalizeHost(r.outcome?.summary ?? r.status, r.host),
      hosts: [r.host],
      evidence: (r.outcome?.evidence ?? []).map((e) => ({
        ...e,
        text: normalizeHost(e.text, r.host),
        ...(e.command ? { command: normalizeHost(e.command, r.host) } : {}),
      })),
      evidenceFrom: r.host,
      exitCode: r.exitCode,
      failed: r.failed,
      ...(planHash ? { planHash, fixStep: r.fix!.step } : {}),
    })
  }
  return [...groups.values()].sort((a, b) => statusRank(a.status) - statusRank(b.status))
}
