/**
 * Alerts → diagnoses. Per alert: a resolved alert never starts anything (it annotates the runs
 * it started); a firing one is matched against every rule of triggers.yaml, and each matching
 * rule starts a dry-run of its runbook, unless the rule's (rule, runbook, host) slot is held: by
 * a run still queued / running / waiting, or within the rule's `once_within` cool-down. When an
 * alert-started run has finished, its result is posted once (Slack channel, PagerDuty note).
 *
 * Runs are submitted as the identity `alerts` (access.yaml may define it, to restrict what
 * alerts may run; otherwise a built-in one that may view and run, never apply) and always in
 * mode dry-run: there is no path from a hook to an apply.
 */
import { RunbookError, RunbookErrors } from '../../errors.ts'
import type { Alert, TriggerRule, Triggers } from '../../dsl/triggers.ts'
import type { RunEvent } from '../../types.ts'
import { ALERTS_ROLE, type AccessControl, type Identity } from '../access.ts'
import type { RunService } from '../service.ts'
import { LIVE_STATUSES, type AlertRunRecord } from '../store.ts'
import type { Notifier, RunResultNotice } from './notify.ts'

export type AlertAction =
  | { rule: string; action: 'started'; runId: string; host: string | null }
  | { rule: string; action: 'deduplicated'; runId: string | null; reason: string }
  | { rule: string; action: 'refused'; code: string; reason: string }
  | { rule: string; action: 'skipped'; reason: string }

export interface AlertResult {
  source: string
  fingerprint: string
  name: string
  status: Alert['status']
  actions: AlertAction[]
  /** Runs this (resolved) alert had started, now annotated. */
  annotated: string[]
}

export interface DispatcherOptions {
  service: RunService
  /** The rules in force (reloaded by the caller when the file changes); undefined: none. */
  triggers(): Triggers | undefined
  notifier: Notifier
  /** Public base URL of the server, for run links in messages (e.g. https://runbook.example.com). */
  publicUrl?: string
  now?(): number
  /** Operational messages (never secrets): a failed post, an evaluation error. */
  log?(message: string): void
}

/** A request that claimed a slot and died before submitting frees it after this. */
const PENDING_TTL_MS = 60_000

export function alertsIdentity(access: AccessControl): Identity {
  return access.policy.identities.find((i) => i.name === 'alerts') ?? { name: 'alerts', roles: [ALERTS_ROLE] }
}

export class AlertDispatcher {
  readonly #o: DispatcherOptions
  readonly #now: () => number
  readonly #identity: Identity
  readonly #inflight = new Set<Promise<void>>()
  readonly #unsubscribe = new Map<string, () => void>()

  constructor(o: DispatcherOptions) {
    this.#o = o
    this.#now = o.now ?? Date.now
    this.#identity = alertsIdentity(o.service.access)
  }

  /** After a restart: post the results of alert runs that finished unposted; follow the live ones. */
  async start(): Promise<void> {
    for (const rec of await this.#o.service.store.unnotifiedAlertRuns()) this.#follow(rec.runId)
  }

  /** Waits for the posts under way (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight])
  }

  async close(): Promise<void> {
    for (const off of this.#unsubscribe.values()) off()
    this.#unsubscribe.clear()
    await this.idle()
  }

  async handle(alerts: readonly Alert[]): Promise<AlertResult[]> {
    const out: AlertResult[] = []
    for (const alert of alerts) out.push(await this.#one(alert))
    return out
  }

  async #one(alert: Alert): Promise<AlertResult> {
    const result: AlertResult = {
      source: alert.source,
      fingerprint: alert.fingerprint,
      name: alert.name,
      status: alert.status,
      actions: [],
      annotated: [],
    }
    const store = this.#o.service.store
    if (alert.status === 'resolved') {
      const at = this.#now()
      for (const rec of await store.resolveAlertRuns(alert.source, alert.fingerprint, at)) {
        await store.addRunNote({
          runId: rec.runId,
          at,
          source: alert.source,
          text: `alert ${alert.name || alert.fingerprint} resolved${alert.endsAt && !alert.endsAt.startsWith('0001-') ? ` at ${alert.endsAt}` : ''}`,
        })
        result.annotated.push(rec.runId)
      }
      return result
    }
    for (const rule of this.#o.triggers()?.rules ?? []) {
      const action = await this.#apply(rule, alert)
      if (action) result.actions.push(action)
    }
    return result
  }

  async #apply(rule: TriggerRule, alert: Alert): Promise<AlertAction | undefined> {
    let matched: unknown
    try {
      matched = rule.when.evaluate({ alert })
    } catch (err) {
      // A label the rule reads is missing from this alert: not this rule's alert (rules of other
      // sources read other labels). Any other evaluation error is said in the reply.
      const message = (err as Error).message
      return /No such key/.test(message) ? undefined : { rule: rule.name, action: 'skipped', reason: message }
    }
    if (matched !== true) return undefined
    const params: Record<string, unknown> = {}
    try {
      for (const [name, value] of Object.entries(rule.params)) params[name] = typeof value === 'object' ? value.evaluate({ alert }) : value
    } catch (err) {
      const reason = `rule ${rule.name}: ${(err as Error).message}`
      await this.#refusal(alert, 'RB_CEL_EVAL', reason)
      return { rule: rule.name, action: 'refused', code: 'RB_CEL_EVAL', reason }
    }
    const host = typeof params.host === 'string' ? params.host : null
    const store = this.#o.service.store
    const key = JSON.stringify([rule.name, rule.runbook, host])
    const at = this.#now()
    const claim = await store.claimTrigger({
      key,
      rule: rule.name,
      runbook: rule.runbook,
      host,
      at,
      coolDownUntil: at + rule.onceWithinMs,
      pendingTtlMs: PENDING_TTL_MS,
    })
    if (!claim.claimed) {
      const reason =
        claim.reason === 'active'
          ? `run ${claim.holder.runId} of ${rule.runbook}${host ? ` on ${host}` : ''} is still ${(await store.getRun(claim.holder.runId!))?.status ?? 'live'}`
          : claim.reason === 'cool-down'
            ? `rule ${rule.name} started run ${claim.holder.runId} at ${new Date(claim.holder.claimedAt).toISOString()}; once_within lasts until ${new Date(claim.holder.coolDownUntil).toISOString()}`
            : 'another delivery of this alert is starting the run'
      return { rule: rule.name, action: 'deduplicated', runId: claim.holder.runId, reason }
    }
    let runId: string
    try {
      // Always a dry-run: a fix an alert finds waits for a human.
      runId = (await this.#o.service.submit(this.#identity, { runbook: rule.runbook, params, mode: 'dry-run' })).id
    } catch (err) {
      await store.releaseTrigger(key)
      const e = err instanceof RunbookError ? err : err instanceof RunbookErrors ? err.errors[0]! : undefined
      if (!e) throw err
      return { rule: rule.name, action: 'refused', code: e.code, reason: e.message }
    }
    // Followed at once: the worker cannot finish before the next I/O turn.
    this.#follow(runId)
    await store.bindTrigger(key, runId)
    await store.recordAlertRun({
      runId,
      source: alert.source,
      fingerprint: alert.fingerprint,
      alertName: alert.name,
      rule: rule.name,
      incidentId: alert.incident.id || null,
      channel: rule.slackChannel,
      startedAt: at,
    })
    this.#track(this.#finish(runId))
    return { rule: rule.name, action: 'started', runId, host }
  }

  async #refusal(alert: Alert, code: string, reason: string): Promise<void> {
    await this.#o.service.store.recordRefusal({
      at: this.#now(),
      identity: this.#identity.name,
      action: `alert ${alert.source}`,
      runId: null,
      code,
      reason,
    })
  }

  #track(p: Promise<void>): void {
    const tracked = p
      .catch((err: unknown) => this.#o.log?.(`alert run notification failed: ${(err as Error).message}`))
      .finally(() => this.#inflight.delete(tracked))
    this.#inflight.add(tracked)
  }

  #follow(runId: string): void {
    if (this.#unsubscribe.has(runId)) return
    const off = this.#o.service.subscribe(runId, (e) => {
      // null: the worker is done and the run's final status is stored.
      if (e === null) this.#track(this.#finish(runId))
    })
    this.#unsubscribe.set(runId, off)
    this.#track(this.#finish(runId))
  }

  /** Posts the result once, when the run has finished; otherwise does nothing (called again later). */
  async #finish(runId: string): Promise<void> {
    const store = this.#o.service.store
    const rec = await store.alertRun(runId)
    const run = await store.getRun(runId)
    if (!rec || !run || (LIVE_STATUSES as readonly string[]).includes(run.status)) return
    this.#unsubscribe.get(runId)?.()
    this.#unsubscribe.delete(runId)
    if (!(await store.claimNotification(runId, this.#now()))) return
    const notice = await this.#notice(rec, runId)
    try {
      await this.#o.notifier.notify(notice)
      const where = [
        notice.slackChannel ? `Slack ${notice.slackChannel}` : '',
        notice.incidentId ? `PagerDuty incident ${notice.incidentId}` : '',
      ].filter(Boolean)
      if (where.length > 0)
        await store.addRunNote({ runId, at: this.#now(), source: 'notify', text: `result posted to ${where.join(' and ')}` })
    } catch (err) {
      const text = `could not post the result: ${(err as Error).message}`
      await store.addRunNote({ runId, at: this.#now(), source: 'notify', text })
      this.#o.log?.(`run ${runId}: ${text}`)
    }
  }

  async #notice(rec: AlertRunRecord, runId: string): Promise<RunResultNotice> {
    const store = this.#o.service.store
    const run = (await store.getRun(runId))!
    let fixProposed: string | null = null
    for (const { json } of await store.events(runId)) {
      if (!json.includes('"fix.proposed"')) continue
      const e = JSON.parse(json) as RunEvent
      if (e.type === 'fix.proposed') fixProposed = e.summary
    }
    const outcome = run.outcome as RunResultNotice['outcome']
    return {
      runId,
      runbook: run.runbook,
      host: run.host,
      status: run.status,
      exitCode: run.exitCode,
      outcome,
      fixProposed,
      error: run.error,
      rule: rec.rule,
      alert: { source: rec.source, name: rec.alertName, fingerprint: rec.fingerprint },
      slackChannel: rec.channel,
      incidentId: rec.incidentId,
      runUrl: this.#o.publicUrl ? `${this.#o.publicUrl.replace(/\/$/, '')}/runs/${runId}` : null,
    }
  }
}
