/**
 * How a fleet run proceeds, from its flags: `--concurrency N`, `--canary N`, `--waves 10%,50%,100%`,
 * `--max-failures N|P%`. Parsed and resolved against the number of hosts before anything runs, and
 * told back in plain words, so the operator reads what will happen ("stops after the 3rd failed host
 * of 50") instead of guessing how a threshold rounds. Pure: no I/O.
 *
 * The failure budget is counted over the whole run (every host, every phase), and trips when the
 * number of failed hosts REACHES the threshold (Ansible trips only when a per-batch percentage is
 * exceeded; SSM only at N+1 errors). A percentage P of H hosts gives the smallest count that is at
 * least P% of H: ceil(P * H / 100), so `10%` of 25 hosts trips at the 3rd failure (12%), not the 2nd
 * (8%). `0` is refused: a budget of zero failures would stop before the first host.
 */
import { RunbookError } from '../errors.ts'

/** A cumulative wave size as written: a count of hosts or a percentage of them. */
export type WaveSize = { count: number } | { percent: number }

export interface FleetFlags {
  concurrency?: string | undefined
  canary?: string | undefined
  waves?: string | undefined
  maxFailures?: string | undefined
}

export interface FleetPolicy {
  /** Hosts running at once. */
  concurrency: number
  /** Hosts run first, alone in their batch; the rest only when they all end well. */
  canary: number
  /** Cumulative wave sizes as written (resolved per host list by `batches`). */
  waves: WaveSize[]
  /** The budget as written, or null: no budget (every host runs whatever happens). */
  maxFailures: { count: number } | { percent: number } | null
}

/** Defaults of a fleet run; RUNBOOK_FLEET_CONCURRENCY overrides the concurrency. */
export const FLEET_DEFAULTS = { concurrency: 10 }

const positiveInt = (flag: string, text: string, min: number): number => {
  if (!/^\d+$/.test(text.trim())) throw new RunbookError('RB_USAGE', `--${flag}: '${text}' is not a whole number`)
  const n = Number(text)
  if (n < min) throw new RunbookError('RB_USAGE', `--${flag}: must be at least ${min} (got ${n})`)
  return n
}

function parseSize(flag: string, text: string): { count: number } | { percent: number } {
  const t = text.trim()
  const pct = /^(\d+)%$/.exec(t)
  if (pct) {
    const p = Number(pct[1])
    if (p < 1 || p > 100) throw new RunbookError('RB_USAGE', `--${flag}: a percentage must be between 1% and 100% (got ${t})`)
    return { percent: p }
  }
  if (/^\d+$/.test(t)) {
    const n = Number(t)
    if (n < 1) {
      const why =
        flag === 'max-failures' ? ': a budget of 0 failures would stop before the first host; use 1 to stop at the first failed host' : ''
      throw new RunbookError('RB_USAGE', `--${flag}: must be at least 1 (got ${t})${why}`)
    }
    return { count: n }
  }
  throw new RunbookError('RB_USAGE', `--${flag}: '${t}' is neither a number of hosts (3) nor a percentage (10%)`)
}

/**
 * Flags → policy. Throws RB_USAGE naming the flag.
 *
 * @example
 * parsePolicy({ canary: '1', waves: '10%,50%,100%', maxFailures: '5%' }, process.env)
 */
export function parsePolicy(flags: FleetFlags, env: NodeJS.ProcessEnv = {}): FleetPolicy {
  const envConc = env.RUNBOOK_FLEET_CONCURRENCY
  const concurrency =
    flags.concurrency !== undefined
      ? positiveInt('concurrency', flags.concurrency, 1)
      : envConc !== undefined && /^\d+$/.test(envConc) && Number(envConc) >= 1
        ? Number(envConc)
        : FLEET_DEFAULTS.concurrency
  const canary = flags.canary !== undefined ? positiveInt('canary', flags.canary, 1) : 0
  const waves = flags.waves !== undefined ? flags.waves.split(',').map((w) => parseSize('waves', w)) : []
  if (waves.length > 0) {
    const last = waves[waves.length - 1]!
    if (!('percent' in last && last.percent === 100)) {
      throw new RunbookError(
        'RB_USAGE',
        `--waves: the last wave must be 100% (got '${flags.waves}'), so that no host is left out silently; e.g. --waves 10%,50%,100%`,
      )
    }
    for (let i = 1; i < waves.length; i++) {
      const a = waves[i - 1]!
      const b = waves[i]!
      if ('percent' in a && 'percent' in b && b.percent <= a.percent)
        throw new RunbookError('RB_USAGE', `--waves: waves are cumulative and must grow (${a.percent}% then ${b.percent}%)`)
      if ('count' in a && 'count' in b && b.count <= a.count)
        throw new RunbookError('RB_USAGE', `--waves: waves are cumulative and must grow (${a.count} then ${b.count} hosts)`)
    }
  }
  const maxFailures = flags.maxFailures !== undefined ? parseSize('max-failures', flags.maxFailures) : null
  return { concurrency, canary, waves, maxFailures }
}

/** Cumulative size of a wave for `total` hosts: a percentage rounds up (a wave is never empty). */
export function waveCount(size: WaveSize, total: number): number {
  return 'count' in size ? Math.min(size.count, total) : Math.min(total, Math.ceil((size.percent * total) / 100))
}

/**
 * The failed-host count at which the budget trips for a fleet of `total` hosts, or null (no budget).
 * A percentage gives ceil(P * total / 100), at least 1.
 */
export function failureThreshold(policy: Pick<FleetPolicy, 'maxFailures'>, total: number): number | null {
  const m = policy.maxFailures
  if (m === null) return null
  if ('count' in m) return m.count
  return Math.max(1, Math.ceil((m.percent * total) / 100))
}

/** The hosts a fleet run starts at once: the first batch, up to the concurrency. */
export function firstToStart<T>(hosts: readonly T[], policy: Pick<FleetPolicy, 'concurrency' | 'canary' | 'waves'>): T[] {
  return (batches(hosts, policy)[0] ?? []).slice(0, policy.concurrency)
}

/**
 * Hosts in batches, in order, with a barrier between batches: the canary batch first (if any), then
 * one batch per wave holding the hosts the wave adds to the previous ones. Waves that add no host
 * are dropped. Without waves the hosts after the canary form one batch.
 */
export function batches<T>(hosts: readonly T[], policy: Pick<FleetPolicy, 'canary' | 'waves'>): T[][] {
  const out: T[][] = []
  const canary = Math.min(policy.canary, hosts.length)
  if (canary > 0) out.push(hosts.slice(0, canary))
  let done = canary
  const cuts = policy.waves.length > 0 ? policy.waves.map((w) => waveCount(w, hosts.length)) : [hosts.length]
  for (const cut of cuts) {
    if (cut <= done) continue
    out.push(hosts.slice(done, cut))
    done = cut
  }
  return out
}

const ordinal = (n: number): string => {
  const mod100 = n % 100
  const suffix = mod100 >= 11 && mod100 <= 13 ? 'th' : (({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th')
  return `${n}${suffix}`
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`

/** The budget in plain words: "stops after the 3rd failed host of 50". */
export function describeBudget(policy: Pick<FleetPolicy, 'maxFailures'>, total: number): string {
  const threshold = failureThreshold(policy, total)
  if (threshold === null) return `no failure budget: every one of the ${plural(total, 'host')} runs, whatever happens to the others`
  const m = policy.maxFailures!
  const how =
    'percent' in m
      ? ` (--max-failures ${m.percent}% of ${total} = ${((m.percent * total) / 100).toFixed(2).replace(/\.?0+$/, '')}, rounded up)`
      : ''
  if (threshold > total) return `failure budget: ${threshold} failed hosts${how}, more than the ${total} selected: it cannot trip`
  return `stops after the ${ordinal(threshold)} failed host of ${total}${how}: then no new host starts, running hosts finish, and the hosts never started are listed`
}

/** The whole plan in plain words, one line each, for the start of a fleet run. */
export function describePolicy(policy: FleetPolicy, hosts: readonly string[], options: { apply: boolean }): string[] {
  const total = hosts.length
  const lines = [`${plural(total, 'host')}: ${hosts.join(', ')}`, `at most ${policy.concurrency} at a time`]
  const b = batches(hosts, policy)
  if (policy.canary > 0) {
    const canary = b[0]!
    lines.push(
      `canary: ${canary.join(', ')} first; the others only if ${canary.length === 1 ? 'it ends' : 'they all end'} well${options.apply ? ' (a fix group: after its canary was fixed and verified, and your confirmation unless --yes)' : ''}`,
    )
  }
  if (policy.waves.length > 0) {
    const sizes = policy.waves.map((w) => `${waveCount(w, total)}${'percent' in w ? ` (${w.percent}%)` : ''}`)
    lines.push(`waves (cumulative, each starts when the previous one has finished): ${sizes.join(', ')} hosts`)
  }
  lines.push(describeBudget(policy, total))
  if (options.apply)
    lines.push(
      'apply: every host is diagnosed first (dry-run); hosts with identical fix plans form a group with one plan hash and one approval; groups are applied one after the other, each with the canary and waves above',
    )
  return lines
}
