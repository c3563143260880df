/**
 * A fleet run: one runbook on many hosts. Each host is one `runRunbook` with its own transcript;
 * every host shares one ExecutorFactory, whose pool keeps one SSH connection per host (reused by
 * all of that host's steps, and by both phases).
 *
 *  - dry-run: one phase, `diagnose`, over every host under the policy (canary, waves, budget).
 *  - --apply: `diagnose` first (a dry-run: nothing changes); hosts whose fix plans are the same up
 *    to the host name form a group with one group hash; each group is approved once (the approver
 *    sees the plan once, with the group's hosts) and applied, group after group, each under the
 *    policy. Every host run takes its host's lock and runs access fixes commit-confirmed (engine).
 *    A host whose plan changed since the group approval is asked about again (that plan's group).
 *
 * The failure budget is one for the whole run: a host failed in `diagnose` counts as much as one
 * failed in `apply`. When it trips, no new host starts, in any phase.
 */
import { STATUS_EXIT, runRunbook, type RunSummary } from '../engine/run.ts'
import type { ApprovalDecision, ApprovalRequest, Approver } from '../engine/approval.ts'
import type { CompiledRunbook } from '../compile/compile.ts'
import { EXIT, RunbookError } from '../errors.ts'
import type { Clock, ExecutorFactory, FixPlan, Mode, RunEvent } from '../types.ts'
import {
  FAILED_STATUSES,
  groupHash,
  groupOutcomes,
  normalizeHost,
  normalizePlan,
  statusRank,
  type HostRecord,
  type OutcomeGroup,
  type Phase,
} from './group.ts'
import { checkFleetParams } from './params.ts'
import { describePolicy, failureThreshold, type FleetPolicy } from './policy.ts'
import { FailureBudget, schedule, type Stop } from './schedule.ts'

export type FleetEvent =
  | { type: 'fleet.started'; runbook: string; hash: string; mode: Mode; hosts: string[]; concurrency: number; plan: string[]; at: number }
  | { type: 'fleet.phase'; phase: Phase; hosts: string[]; group?: { hash: string; step: string; summary: string } }
  | { type: 'fleet.group'; hash: string; step: string; summary: string; hosts: string[]; approved: boolean; by: string; reason?: string }
  | { type: 'host.started'; host: string; phase: Phase; at: number }
  | {
      type: 'host.finished'
      host: string
      phase: Phase
      status: HostRecord['status']
      exitCode: number
      failed: boolean
      outcome: { id: string; summary: string } | null
      durationMs: number
      transcript?: string
      at: number
    }
  | { type: 'fleet.stopped'; reason: Stop['reason']; message: string; notStarted: NotStarted[] }
  | {
      type: 'fleet.finished'
      exitCode: number
      durationMs: number
      counts: Partial<Record<HostRecord['status'], number>>
      groups: OutcomeGroup[]
      notStarted: NotStarted[]
      stop: Stop | null
    }

export interface NotStarted {
  host: string
  /** `diagnose`: the host was never looked at; `apply`: diagnosed, its fix never applied. */
  phase: Phase
}

export interface HostTranscript {
  path: string
  write(e: RunEvent): void
  close(): void
}

/** What a fleet needs to know of one host's run. */
export type HostRun = Pick<RunSummary, 'status' | 'exitCode' | 'outcome' | 'interrupted'>

/**
 * Runs the runbook on one host and returns how it ended; every run event goes to `onEvent` as it
 * happens. The default runs `runRunbook` here on `executors`; `runbook run --server --hosts` passes
 * one that submits the host's run to `runbook serve` and follows it.
 */
export type HostRunner = (
  host: string,
  run: { params: Record<string, unknown>; mode: Mode; approver: Approver; onEvent(e: RunEvent): void; signal?: AbortSignal },
) => Promise<HostRun>

/** The parts of a runbook a fleet reads itself (a runbook on a server is known by these only). */
export type FleetRunbook = Pick<CompiledRunbook, 'name' | 'hash' | 'params'>

export interface FleetOptions {
  hosts: readonly string[]
  /** Params for every host; `host` is set per host. */
  params: Readonly<Record<string, unknown>>
  mode: Mode
  policy: FleetPolicy
  /** Where the default runner runs the hosts (one pool: one SSH connection per host). */
  executors?: ExecutorFactory
  /** Runs one host; default: `runRunbook` on `executors` (needs the whole compiled runbook). */
  runHost?: HostRunner
  /** Asked once per fix group (and for a plan no group approval covers). */
  approver: Approver
  /** Asked after a fix group's canary was fixed and verified; default: continue. */
  confirm?(question: string): Promise<boolean>
  /** Opens the transcript of one host run, on its first event. */
  transcript(host: string, phase: Phase): HostTranscript
  onEvent(e: FleetEvent): void
  /** Also sees every host's run events (the log). */
  onRunEvent?(host: string, phase: Phase, e: RunEvent): void
  /**
   * The fleet will not run `host` again: its diagnosis ended without a fix to apply (or the run is
   * a dry-run), or its apply ended. The CLI closes the host's connection then.
   */
  hostDone?(host: string): void
  operator?: string
  signal?: AbortSignal
  clock?: Clock
}

export interface FleetResult {
  exitCode: number
  records: HostRecord[]
  groups: OutcomeGroup[]
  notStarted: NotStarted[]
  stop: Stop | null
}

/**
 * Exit code of a fleet run, documented in README "Exit codes":
 *  130/143 interrupted; else 8 when any host needs a human (fix failed, nothing undid it); else 10
 *  when the fleet stopped early (failure budget, canary, not confirmed: some hosts never started);
 *  else the worst host's code, worst first: 7 incomplete, 6 rolled back, 9 refused, 4 fix proposed,
 *  3 problem, 5 fixed, 0 healthy.
 */
export function fleetExitCode(records: readonly HostRecord[], stop: Stop | null): number {
  if (stop?.reason === 'interrupted') return EXIT.INTERRUPTED
  if (records.some((r) => r.status === 'rollback-failed' || r.status === 'fix-unverified')) return EXIT.ROLLBACK_FAILED
  if (stop) return EXIT.FLEET_STOPPED
  let worst: HostRecord | undefined
  for (const r of records) if (!worst || statusRank(r.status) > statusRank(worst.status)) worst = r
  if (!worst) return EXIT.OK
  return worst.status === 'error' ? EXIT.INCOMPLETE : STATUS_EXIT[worst.status]
}

/** One approval per group hash; concurrent hosts with the same plan wait for the same answer. */
class GroupApprovals {
  readonly #decisions = new Map<string, Promise<ApprovalDecision>>()
  #queue: Promise<unknown> = Promise.resolve()
  constructor(
    private readonly underlying: Approver,
    private readonly signal: AbortSignal | undefined,
  ) {}

  /** Ask the underlying approver, one question at a time (a prompt cannot ask two at once). */
  ask(hash: string, request: ApprovalRequest): Promise<ApprovalDecision> {
    let d = this.#decisions.get(hash)
    if (!d) {
      d = this.#queue.then(() => this.underlying.approve(request, this.signal))
      this.#queue = d.catch(() => undefined)
      this.#decisions.set(hash, d)
    }
    return d
  }

  forHost(host: string): Approver {
    return {
      approve: async (req, signal) => {
        const hash = groupHash(req.step, req.plan, host)
        const known = this.#decisions.has(hash)
        const d = await this.ask(hash, req)
        if (signal?.aborted) return { approved: false, by: d.by, reason: 'interrupted' }
        return d.approved ? { approved: true, by: `${d.by}${known ? `, fleet group ${hash.slice(0, 12)}` : ''}` } : d
      },
    }
  }
}

/** The approval request of a whole group: the plan once, host name as `<host>`, the hosts listed. */
export function groupRequest(
  runbook: string,
  step: string,
  summary: string,
  plan: FixPlan,
  host: string,
  hosts: readonly string[],
  hash: string,
): ApprovalRequest {
  const body = normalizePlan(plan, host)
  return {
    runbook,
    step,
    summary: `${normalizeHost(summary, host)} [on ${hosts.length} host${hosts.length === 1 ? '' : 's'}: ${hosts.join(', ')}]`,
    plan: { ...body, host: `${hosts.join(', ')} (as <host>)`, hash },
  }
}

/** The default HostRunner: the engine, here, on the fleet's executors. */
function localRunner(compiled: FleetRunbook, options: FleetOptions): HostRunner {
  const isCompiled = (r: FleetRunbook): r is CompiledRunbook => 'machine' in r
  return (_host, run) => {
    if (!options.executors || !isCompiled(compiled))
      throw new RunbookError('RB_INTERNAL', 'runFleet: without runHost, a fleet needs executors and the compiled runbook')
    return runRunbook(compiled, {
      ...run,
      executors: options.executors,
      ...(options.operator ? { operator: options.operator } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
    })
  }
}

/**
 * @example
 * const r = await runFleet(compiled, { hosts, params, mode: 'dry-run', policy, executors, approver,
 *   transcript: (h) => openTranscript(`runs/${h}.jsonl`), onEvent: view.sink })
 * process.exitCode = r.exitCode
 */
export async function runFleet(compiled: FleetRunbook, options: FleetOptions): Promise<FleetResult> {
  const now = (): number => (options.clock ?? Date).now()
  const runOne = options.runHost ?? localRunner(compiled, options)
  const startedAt = now()
  const hosts = [...options.hosts]
  if (hosts.length === 0) throw new RunbookError('RB_USAGE', 'a fleet run needs at least one host')
  checkFleetParams(compiled, options.params)
  const budget = new FailureBudget(failureThreshold(options.policy, hosts.length))
  const records = new Map<string, HostRecord>()
  const notStarted: NotStarted[] = []
  let stop: Stop | null = null
  const emit = options.onEvent

  emit({
    type: 'fleet.started',
    runbook: compiled.name,
    hash: compiled.hash,
    mode: options.mode,
    hosts,
    concurrency: options.policy.concurrency,
    plan: describePolicy(options.policy, hosts, { apply: options.mode === 'apply' }),
    at: startedAt,
  })

  const runHost = async (host: string, phase: Phase, mode: Mode, approver: Approver): Promise<HostRecord> => {
    const began = now()
    emit({ type: 'host.started', host, phase, at: began })
    const prev = records.get(host)
    let transcript: HostTranscript | undefined
    let fix: HostRecord['fix']
    let record: HostRecord
    try {
      const summary = await runOne(host, {
        params: { ...options.params, host },
        mode,
        approver,
        ...(options.signal ? { signal: options.signal } : {}),
        onEvent: (e) => {
          transcript ??= options.transcript(host, phase)
          transcript.write(e)
          if (e.type === 'fix.proposed' || e.type === 'fix.replanned') {
            const summary = e.type === 'fix.proposed' ? e.summary : (fix?.summary ?? '')
            fix = { step: e.step, summary, plan: e.plan, groupHash: groupHash(e.step, e.plan, host) }
          }
          options.onRunEvent?.(host, phase, e)
        },
      })
      record = {
        host,
        status: summary.status,
        exitCode: summary.exitCode,
        failed: FAILED_STATUSES.has(summary.status) || summary.interrupted,
        outcome: summary.outcome ? { id: summary.outcome.id, summary: summary.outcome.summary, evidence: summary.outcome.evidence } : null,
        durationMs: 0,
        transcripts: [],
      }
    } catch (err) {
      // A host the engine refuses before it starts (a host name that fails its param type...).
      const e = err instanceof RunbookError ? err : new RunbookError('RB_INTERNAL', String(err), { cause: err })
      record = {
        host,
        status: 'error',
        exitCode: e.kind === 'user' ? EXIT.USAGE : EXIT.INTERNAL,
        failed: true,
        outcome: { id: '_error', summary: e.message, evidence: [] },
        durationMs: 0,
        transcripts: [],
      }
    } finally {
      transcript?.close()
    }
    record.durationMs = now() - began
    record.transcripts = [...(prev?.transcripts ?? []), ...(transcript ? [{ phase, path: transcript.path }] : [])]
    const kept = fix ?? prev?.fix
    if (kept) record.fix = kept
    records.set(host, record)
    emit({
      type: 'host.finished',
      host,
      phase,
      status: record.status,
      exitCode: record.exitCode,
      failed: record.failed,
      outcome: record.outcome ? { id: record.outcome.id, summary: record.outcome.summary } : null,
      durationMs: record.durationMs,
      ...(transcript ? { transcript: transcript.path } : {}),
      at: now(),
    })
    return record
  }

  const common = {
    policy: options.policy,
    budget,
    failed: (r: HostRecord) => r.failed,
    ...(options.signal ? { signal: options.signal } : {}),
  }

  // Phase 1: diagnose (the whole run in dry-run mode).
  emit({ type: 'fleet.phase', phase: 'diagnose', hosts })
  const diagnose = await schedule(hosts, {
    ...common,
    runHost: async (h) => {
      const r = await runHost(h, 'diagnose', 'dry-run', options.approver)
      if (options.mode === 'dry-run' || r.status !== 'fix-proposed') options.hostDone?.(h)
      return r
    },
  })
  stop = diagnose.stop
  notStarted.push(...diagnose.notStarted.map((host) => ({ host, phase: 'diagnose' as const })))

  // Phase 2: apply, group by group.
  if (options.mode === 'apply') {
    const approvals = new GroupApprovals(options.approver, options.signal)
    const groups = new Map<string, { step: string; summary: string; hosts: string[]; first: HostRecord }>()
    for (const h of hosts) {
      const r = records.get(h)
      if (r?.status !== 'fix-proposed' || !r.fix) continue
      const g = groups.get(r.fix.groupHash)
      if (g) g.hosts.push(h)
      else groups.set(r.fix.groupHash, { step: r.fix.step, summary: r.fix.summary, hosts: [h], first: r })
    }
    for (const [hash, g] of groups) {
      if (stop) {
        notStarted.push(...g.hosts.map((host) => ({ host, phase: 'apply' as const })))
        continue
      }
      const fix = g.first.fix!
      const request = groupRequest(compiled.name, g.step, g.summary, fix.plan, g.first.host, g.hosts, hash)
      const decision = await approvals.ask(hash, request)
      emit({
        type: 'fleet.group',
        hash,
        step: g.step,
        summary: request.summary,
        hosts: g.hosts,
        approved: decision.approved,
        by: decision.by,
        ...(decision.reason ? { reason: decision.reason } : {}),
      })
      if (!decision.approved) continue
      emit({ type: 'fleet.phase', phase: 'apply', hosts: g.hosts, group: { hash, step: g.step, summary: request.summary } })
      const applied = await schedule(g.hosts, {
        ...common,
        runHost: async (h) => {
          const r = await runHost(h, 'apply', 'apply', approvals.forHost(h))
          options.hostDone?.(h)
          return r
        },
        confirmAfterCanary: async (canary) => {
          const list = [...canary.entries()].map(([h, r]) => `${h}: ${r.status}`).join(', ')
          return options.confirm
            ? options.confirm(
                `Canary of fix group ${hash.slice(0, 12)} done (${list}). Continue with the other ${g.hosts.length - canary.size} host(s)?`,
              )
            : true
        },
      })
      stop = applied.stop
      notStarted.push(...applied.notStarted.map((host) => ({ host, phase: 'apply' as const })))
    }
  }

  const finalRecords = hosts.flatMap((h) => (records.has(h) ? [records.get(h)!] : []))
  if (stop) emit({ type: 'fleet.stopped', reason: stop.reason, message: stop.message, notStarted })
  const groups = groupOutcomes(finalRecords)
  const exitCode = fleetExitCode(finalRecords, stop)
  const counts: Partial<Record<HostRecord['status'], number>> = {}
  for (const r of finalRecords) counts[r.status] = (counts[r.status] ?? 0) + 1
  emit({ type: 'fleet.finished', exitCode, durationMs: now() - startedAt, counts, groups, notStarted, stop })
  return { exitCode, records: finalRecords, groups, notStarted, stop }
}
