/**
 * The fleet scheduler: runs hosts batch by batch (canary, then waves, a barrier between batches),
 * at most `concurrency` at a time, and stops starting hosts when the failure budget trips, the
 * canary does not end well, the operator does not confirm after the canary, or the run is
 * interrupted. Hosts already running always finish. Knows nothing of runbooks: `runHost` does the
 * work and `failed` judges its result, so the semantics are tested with fake hosts (unit tests).
 */
import { batches, type FleetPolicy } from './policy.ts'

/** Failed hosts, counted over a whole fleet run (shared by its phases and groups). */
export class FailureBudget {
  #failed: string[] = []
  #trippedAt: string | undefined
  /** @param threshold the failed-host count that trips it; null: never trips. */
  constructor(readonly threshold: number | null) {}

  record(host: string): void {
    this.#failed.push(host)
    if (this.threshold !== null && this.#trippedAt === undefined && this.#failed.length >= this.threshold) this.#trippedAt = host
  }

  get failed(): readonly string[] {
    return this.#failed
  }

  get tripped(): boolean {
    return this.#trippedAt !== undefined
  }

  /** The host whose failure reached the threshold. */
  get trippedAt(): string | undefined {
    return this.#trippedAt
  }
}

function budgetMessage(budget: FailureBudget): string {
  return `failure budget reached: ${budget.failed.length} failed host(s) (${budget.failed.join(', ')}), the budget trips at ${budget.threshold} (at ${budget.trippedAt ?? '?'})`
}

export type StopReason = 'budget' | 'canary' | 'not-confirmed' | 'interrupted'

export interface Stop {
  reason: StopReason
  /** Plain words: why no new host starts. */
  message: string
}

export interface ScheduleOptions<R> {
  policy: Pick<FleetPolicy, 'concurrency' | 'canary' | 'waves'>
  budget: FailureBudget
  runHost(host: string): Promise<R>
  /** Does this result count against the budget (and make a canary end badly)? */
  failed(result: R): boolean
  /** Asked once the canary batch ended well; false stops the fleet (`not-confirmed`). */
  confirmAfterCanary?(canary: ReadonlyMap<string, R>): Promise<boolean>
  signal?: AbortSignal
  /** Called as each host starts (views). */
  onStart?(host: string): void
}

export interface ScheduleResult<R> {
  /** Finished hosts, in the order they finished. */
  results: Map<string, R>
  /** Hosts never started, in their planned order. */
  notStarted: string[]
  stop: Stop | null
}

/**
 * Run `hosts` under the policy. Never rejects because of a host: a `runHost` that throws is a bug
 * in the caller (it must turn failures into results).
 *
 * @example
 * const budget = new FailureBudget(failureThreshold(policy, hosts.length))
 * const r = await schedule(hosts, { policy, budget, runHost, failed: (s) => s.failed })
 * if (r.stop) console.log(r.stop.message, 'never started:', r.notStarted)
 */
export async function schedule<R>(hosts: readonly string[], options: ScheduleOptions<R>): Promise<ScheduleResult<R>> {
  const { policy, budget, signal } = options
  const results = new Map<string, R>()
  const started = new Set<string>()
  let stop: Stop | null = null
  const checkStop = (): boolean => {
    if (stop) return true
    if (budget.tripped) {
      stop = { reason: 'budget', message: budgetMessage(budget) }
    } else if (signal?.aborted) stop = { reason: 'interrupted', message: 'interrupted' }
    return stop !== null
  }
  const plan = batches(hosts, policy)
  for (const [i, batch] of plan.entries()) {
    if (checkStop()) break
    let next = 0
    const worker = async (): Promise<void> => {
      for (;;) {
        if (checkStop()) return
        const host = batch[next++]
        if (host === undefined) return
        started.add(host)
        options.onStart?.(host)
        const result = await options.runHost(host)
        results.set(host, result)
        if (options.failed(result)) budget.record(host)
      }
    }
    await Promise.all(Array.from({ length: Math.max(1, Math.min(policy.concurrency, batch.length)) }, worker))
    if (i === 0 && policy.canary > 0 && !checkStop() && plan.length > 1) {
      const bad = batch.filter((h) => results.has(h) && options.failed(results.get(h)!))
      if (bad.length > 0) {
        stop = { reason: 'canary', message: `canary ${bad.join(', ')} did not end well: the other hosts were not started` }
      } else if (options.confirmAfterCanary && !(await options.confirmAfterCanary(new Map(batch.map((h) => [h, results.get(h)!]))))) {
        stop = {
          reason: 'not-confirmed',
          message: `not confirmed after the canary (${batch.join(', ')}): the other hosts were not started`,
        }
      }
    }
  }
  checkStop()
  // Said at the end: hosts still running when it tripped have finished, and may have failed too.
  if (stop && (stop as Stop).reason === 'budget') stop = { reason: 'budget', message: budgetMessage(budget) }
  return { results, notStarted: hosts.filter((h) => !started.has(h)), stop }
}
