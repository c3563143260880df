/**
 * ChatOps over the run service: `/runbook` commands become runs (same intake, RBAC and param checks
 * as the API), each run gets one thread whose parent is edited in place (at most one edit a
 * second), a plan waits in the thread with Approve / Decline buttons bound to its hash, and the run
 * ends with its outcome. Knows Slack only through ChatPort (slack-app.ts is the Bolt adapter), so the
 * decisions here are tested without a network.
 *
 * @example
 * const chat = new ChatOps({ service, port, publicUrl: 'https://runbook.example.com' })
 * await chat.command({ user: 'U024BE7LH', channel: 'C0OPS', text: 'run unreachable-host host=web1', triggerId: '13345224609.738474920.8088930838d88f008e0' })
 */
import { RunbookError, RunbookErrors } from '../errors.ts'
import type { Identity } from '../service/access.ts'
import type { RunService } from '../service/service.ts'
import { LIVE_STATUSES, type RunRecord } from '../service/store.ts'
import type { FixIntent, FixPlan, RunEvent } from '../types.ts'
import { emptyModel, foldEvent, endModel, type RunModel } from '../views/model.ts'
import {
  ACTION_APPROVE,
  esc,
  outcomeMessage,
  parentMessage,
  parseButtonValue,
  planMessage,
  runUrl,
  type Block,
  type ClickLine,
  type Message,
  type PlanState,
  type RunInfo,
} from './blocks.ts'
import { parseCommandText, type ChatCommand } from './command-text.ts'
import { helpText, listText, statusText } from './queries.ts'

/** What ChatOps needs from Slack. */
export interface ChatPort {
  post(m: Message & { channel: string; threadTs?: string }): Promise<{ channel: string; ts: string }>
  update(m: Message & { channel: string; ts: string }): Promise<void>
  ephemeral(m: { channel: string; user: string; text: string; blocks?: Block[]; threadTs?: string }): Promise<void>
}

export interface SlashCommand {
  user: string
  channel: string
  text: string
  /** Unique per invocation: a retried delivery carries the same one. */
  triggerId: string
}

export interface ButtonClick {
  user: string
  channel: string
  actionId: string
  value: string
  triggerId: string
}

export interface ChatOpsOptions {
  service: RunService
  port: ChatPort
  /** Base URL of the run pages (RUNBOOK_PUBLIC_URL). */
  publicUrl?: string
  /** Least time between two edits of a thread's parent (default 1000 ms: Slack's chat.update tier). */
  editIntervalMs?: number
  now?(): number
  /** Where a failed Slack call is reported (it never stops a run). */
  log?(message: string): void
}

/** How long once-only keys (trigger ids) are remembered. */
const ONCE_TTL_MS = 24 * 3600_000

interface PlanPost {
  step: string
  summary: string
  plan: FixPlan
  intent?: FixIntent
  ts?: string
  closed?: string
}

/** One run followed in one thread. Every Slack call of a thread goes through `chain`, in order. */
interface Thread {
  run: RunRecord
  info: RunInfo
  channel: string
  model: RunModel
  lastSeq: number
  ready: boolean
  buffer: RunEvent[]
  parentTs?: string
  chain: Promise<void>
  lastEdit: number
  timer?: NodeJS.Timeout
  plans: PlanPost[]
  unsubscribe(): void
  done: boolean
}

export class ChatOps {
  readonly #threads = new Map<string, Thread>()
  readonly #now: () => number
  readonly #interval: number
  #closed = false

  constructor(readonly o: ChatOpsOptions) {
    this.#now = o.now ?? Date.now
    this.#interval = o.editIntervalMs ?? 1000
  }

  get following(): number {
    return this.#threads.size
  }

  #log(message: string): void {
    ;(this.o.log ?? ((m: string) => process.stderr.write(`runbook slack: ${m}\n`)))(message)
  }

  #identity(user: string): Identity | undefined {
    return this.o.service.access.bySlackUser(user)
  }

  #slackOf(identity: string): string | undefined {
    if (identity.startsWith('slack:')) return identity.slice(6)
    return this.o.service.access.policy.identities.find((i) => i.name === identity)?.slack
  }

  async #refuse(c: { user: string; channel: string }, text: string): Promise<void> {
    await this.o.port.ephemeral({ channel: c.channel, user: c.user, text })
  }

  /** Who the Slack user is and whether the channel is allowed; a refusal is recorded and said. */
  async #gate(c: { user: string; channel: string }, action: string, runId: string | null): Promise<Identity | undefined> {
    const { store, access } = this.o.service
    const identity = this.#identity(c.user)
    const refusal = identity
      ? access.slackChannelRefusal(c.channel)
      : `your Slack user ${c.user} is not in access.yaml: ask an admin to add \`slack: ${c.user}\` to your identity there`
    if (!refusal) return identity
    await store.recordRefusal({
      at: this.#now(),
      identity: identity?.name ?? `slack:${c.user}`,
      action,
      runId,
      code: 'RB_FORBIDDEN',
      reason: refusal,
    })
    await this.#refuse(c, `:no_entry: ${refusal}`)
    return undefined
  }

  /** A slash command, after Slack has been acknowledged. Never throws: errors go back as ephemeral messages. */
  async command(c: SlashCommand): Promise<void> {
    try {
      if (!(await this.o.service.store.claimOnce(`slack-trigger:${c.triggerId}`, this.#now(), this.#now() - ONCE_TTL_MS))) return
      let cmd: ChatCommand
      try {
        cmd = parseCommandText(c.text)
      } catch (err) {
        return await this.#refuse(c, `:x: ${esc((err as Error).message)}`)
      }
      if (cmd.verb === 'help') return await this.#refuse(c, await helpText(this.o.service, cmd.runbook))
      const identity = await this.#gate(c, cmd.verb === 'list' || cmd.verb === 'status' ? 'view' : 'run', null)
      if (!identity) return
      if (cmd.verb === 'list') return await this.#refuse(c, await listText(this.o.service, identity, this.o.publicUrl))
      if (cmd.verb === 'status') return await this.#refuse(c, await statusText(this.o.service, identity, cmd.id, this.o.publicUrl))
      let run: RunRecord
      try {
        run = await this.o.service.submit(identity, {
          runbook: cmd.runbook,
          ...(cmd.host !== undefined ? { host: cmd.host } : {}),
          params: cmd.params,
          mode: cmd.verb === 'run' ? 'apply' : 'dry-run',
        })
      } catch (err) {
        if (!(err instanceof RunbookError)) throw err
        const hint = err.code.startsWith('RB_PARAM')
          ? `\nType \`/runbook ${cmd.verb} ${cmd.runbook} host=H key=value …\`; \`/runbook help ${cmd.runbook}\` lists its params.`
          : err.code === 'RB_FORBIDDEN' && cmd.verb === 'run'
            ? '\n`/runbook plan …` (a dry-run) needs only the `run` verb.'
            : ''
        return await this.#refuse(c, `:x: ${esc(err.message)}${hint}`)
      }
      await this.follow(run, c.channel)
    } catch (err) {
      this.#log(`command ${JSON.stringify(c.text)} failed: ${(err as Error).stack ?? err}`)
      await this.#refuse(
        c,
        `:boom: runbook could not handle this command (a bug: ${esc((err as Error).message)}); the server log has the details`,
      ).catch(() => undefined)
    }
  }

  #info(run: RunRecord): RunInfo {
    const slack = this.#slackOf(run.requestedBy)
    const url = runUrl(this.o.publicUrl, run.id)
    return {
      id: run.id,
      runbook: run.runbook,
      host: run.host,
      mode: run.mode,
      requestedBy: run.requestedBy,
      ...(slack ? { requesterSlack: slack } : {}),
      ...(url ? { url } : {}),
    }
  }

  /**
   * After a restart: follows again every live run that has a thread (the service resumes the runs
   * themselves from their journal), so their threads go on being edited. Returns how many.
   */
  async resume(): Promise<number> {
    const { store } = this.o.service
    let n = 0
    for (const status of LIVE_STATUSES) {
      for (const run of await store.listRuns({ status, limit: 100_000 })) {
        const parent = await store.chatMessage(run.id, 'parent')
        if (!parent) continue
        await this.follow(run, parent.channel)
        n++
      }
    }
    return n
  }

  /**
   * Follows a run in a thread of `channel`: posts the parent (or finds the one posted before a
   * restart), then edits it as events are committed, until the run's worker is done.
   */
  async follow(run: RunRecord, channel: string): Promise<void> {
    if (this.#threads.has(run.id) || this.#closed) return
    const t: Thread = {
      run,
      info: this.#info(run),
      channel,
      model: emptyModel(),
      lastSeq: 0,
      ready: false,
      buffer: [],
      chain: Promise.resolve(),
      lastEdit: 0,
      plans: [],
      unsubscribe: () => {},
      done: false,
    }
    this.#threads.set(run.id, t)
    t.unsubscribe = this.o.service.subscribe(run.id, (e) => {
      if (e === null) this.#finish(t)
      else if (!t.ready) t.buffer.push(e.event)
      else this.#onEvent(t, e.event)
    })
    await this.#step(t, async () => {
      const { store } = this.o.service
      const known = await store.chatMessage(run.id, 'parent')
      if (known) {
        t.channel = known.channel
        t.parentTs = known.ts
      } else {
        const posted = await this.o.port.post({ channel, ...parentMessage(t.info, t.model, 'queued', this.#now()) })
        t.parentTs = posted.ts
        t.channel = posted.channel
        await store.saveChatMessage({ runId: run.id, kind: 'parent', channel: posted.channel, ts: posted.ts })
        t.lastEdit = this.#now()
      }
    })
    // Events committed before we subscribed, then those that came meanwhile, in order.
    for (const { json } of await this.o.service.store.events(run.id)) this.#onEvent(t, JSON.parse(json) as RunEvent, true)
    for (const e of t.buffer.splice(0)) this.#onEvent(t, e, true)
    t.ready = true
    this.#schedule(t)
    const now = await this.o.service.store.getRun(run.id)
    if (now && !LIVE_STATUSES.includes(now.status as never)) this.#finish(t)
  }

  /** Queues a Slack call on the thread: one at a time, in order; a failure is logged, not thrown. */
  #step(t: Thread, fn: () => Promise<void>): Promise<void> {
    t.chain = t.chain.then(fn).catch((err: unknown) => this.#log(`run ${t.run.id}: ${(err as Error).message}`))
    return t.chain
  }

  #onEvent(t: Thread, e: RunEvent, catchingUp = false): void {
    if (e.seq <= t.lastSeq) return
    t.lastSeq = e.seq
    foldEvent(t.model, e)
    if (e.type === 'fix.proposed' || e.type === 'fix.replanned') {
      const summary = e.type === 'fix.proposed' ? e.summary : (t.plans.findLast((p) => p.step === e.step)?.summary ?? e.step)
      for (const old of t.plans)
        if (old.step === e.step && !old.closed)
          old.closed = `Superseded: the host changed, and the run re-planned as \`${e.plan.hash.slice(0, 12)}\` (below). Approvals of this plan no longer count.`
      const intent = e.type === 'fix.proposed' ? e.intent : t.plans.findLast((p) => p.step === e.step)?.intent
      const post: PlanPost = { step: e.step, summary, plan: e.plan, ...(intent ? { intent } : {}) }
      t.plans.push(post)
      void this.#step(t, async () => {
        for (const old of t.plans) if (old !== post && old.ts && old.closed) await this.#updatePlan(t, old)
        await this.#postPlan(t, post)
      })
    }
    if (e.type === 'fix.approved' || e.type === 'fix.declined') {
      for (const p of t.plans) {
        if (p.step !== e.step || p.plan.hash !== e.planHash || p.closed) continue
        // The desk itself declines when the request expires or the run is cancelled: say that, not "declined by".
        p.closed =
          e.type === 'fix.approved'
            ? `Approved by ${e.by}: applying.`
            : e.by === 'runbook serve'
              ? `Not applied: ${e.reason}. Nothing was changed.`
              : `Declined by ${e.by}: ${e.reason}. Nothing was changed.`
        void this.#step(t, () => this.#updatePlan(t, p))
      }
    }
    if (!catchingUp) this.#schedule(t)
  }

  async #planState(t: Thread, p: PlanPost): Promise<PlanState> {
    if (p.closed) return { kind: 'closed', why: p.closed }
    if (t.run.mode !== 'apply') return { kind: 'dry-run' }
    const request = await this.o.service.store.approvalRequest(t.run.id)
    const expiresAt = request?.planHash === p.plan.hash && request.state === 'open' ? request.expiresAt : undefined
    return {
      kind: 'waiting',
      required: this.o.service.access.approvalsRequired(t.run.runbook, t.run.host),
      ...(expiresAt ? { expiresAt } : {}),
    }
  }

  /** Every click on this plan, as the store recorded it: approvals and declines, and refusals. */
  async #clicks(runId: string, hash: string): Promise<ClickLine[]> {
    const { store } = this.o.service
    const done = (await store.approvals(runId))
      .filter((a) => a.planHash === hash)
      .map((a): ClickLine => ({ identity: a.identity, ...this.#slackField(a.identity), decision: a.decision, ok: true, at: a.at }))
    const refused = (await store.refusals(runId))
      // A refusal has no plan hash: every refused click of the run shows on its plans.
      .filter((r) => r.action === 'approve' || r.action === 'decline')
      .map((r): ClickLine => ({
        identity: r.identity,
        ...this.#slackField(r.identity),
        decision: r.action as ClickLine['decision'],
        ok: false,
        reason: r.reason,
        at: r.at,
      }))
    return [...done, ...refused].sort((a, b) => a.at - b.at)
  }

  #slackField(identity: string): { slackUser?: string } {
    const s = this.#slackOf(identity)
    return s ? { slackUser: s } : {}
  }

  async #planMessage(t: Thread, p: PlanPost): Promise<Message> {
    return planMessage(t.info, p.step, p.summary, p.plan, await this.#planState(t, p), await this.#clicks(t.run.id, p.plan.hash), p.intent)
  }

  async #postPlan(t: Thread, p: PlanPost): Promise<void> {
    const { store } = this.o.service
    const kind = `plan:${p.plan.hash}`
    const known = await store.chatMessage(t.run.id, kind)
    if (known) {
      p.ts = known.ts
      return this.#updatePlan(t, p)
    }
    const posted = await this.o.port.post({ channel: t.channel, threadTs: t.parentTs!, ...(await this.#planMessage(t, p)) })
    p.ts = posted.ts
    await store.saveChatMessage({ runId: t.run.id, kind, channel: posted.channel, ts: posted.ts })
  }

  async #updatePlan(t: Thread, p: PlanPost): Promise<void> {
    if (!p.ts) return
    await this.o.port.update({ channel: t.channel, ts: p.ts, ...(await this.#planMessage(t, p)) })
  }

  /** At most one parent edit per interval: the latest state wins, intermediate ones are skipped. */
  #schedule(t: Thread): void {
    if (t.timer || t.done || !t.ready) return
    const wait = Math.max(0, t.lastEdit + this.#interval - this.#now())
    t.timer = setTimeout(() => {
      t.timer = undefined
      void this.#step(t, () => this.#editParent(t))
    }, wait)
  }

  async #editParent(t: Thread): Promise<void> {
    if (!t.parentTs) return
    // The last edit too keeps the pace: Slack rate-limits chat.update per message.
    const wait = t.lastEdit + this.#interval - this.#now()
    if (wait > 0) await new Promise((r) => setTimeout(r, wait))
    t.lastEdit = this.#now()
    const status = t.model.finished ? '' : ((await this.o.service.store.getRun(t.run.id))?.status ?? 'unknown')
    await this.o.port.update({
      channel: t.channel,
      ts: t.parentTs,
      ...parentMessage(
        t.info,
        t.model,
        status === 'waiting-approval' ? 'waiting for approval (the plan is in the thread)' : status,
        this.#now(),
      ),
    })
  }

  /** The run's worker is done: last edit, plans closed, the outcome posted once. */
  #finish(t: Thread): void {
    if (t.done) return
    t.done = true
    clearTimeout(t.timer)
    t.timer = undefined
    void this.#step(t, async () => {
      const { store } = this.o.service
      // One failed Slack call (rate limit, a message Slack refuses) must not cost the outcome.
      const safely = (what: string, fn: () => Promise<void>) =>
        fn().catch((err: unknown) => this.#log(`run ${t.run.id}: ${what}: ${(err as Error).message}`))
      // Events committed before the worker ended may still sit in the buffer of a follow() in progress.
      for (const { json } of await store.events(t.run.id, t.lastSeq)) this.#onEvent(t, JSON.parse(json) as RunEvent, true)
      if (!t.model.finished) endModel(t.model)
      const run = await store.getRun(t.run.id)
      for (const p of t.plans) {
        const fix = t.model.steps.findLast((s) => s.id === p.step)?.fix
        if (p.closed?.startsWith('Approved') && fix?.plan?.hash === p.plan.hash && fix.decision?.approved) {
          const result =
            fix.rolledBack !== undefined
              ? `Verification failed: ${fix.rolledBack ? 'rolled back' : 'the ROLLBACK FAILED'}.`
              : fix.verified
                ? 'Applied and verified.'
                : fix.applied
                  ? 'Applied, not verified.'
                  : 'Not applied.'
          p.closed = `Approved by ${fix.decision.by}. ${result}`
          await safely('closing the plan', () => this.#updatePlan(t, p))
        }
        // A dry-run's plan never waited: it stays as posted.
        if (p.closed || t.run.mode !== 'apply') continue
        p.closed = `No longer waiting: the run ended ${run?.status ?? ''}${run?.error ? ` (${run.error})` : ''}. Nothing was approved.`
        await safely('closing the plan', () => this.#updatePlan(t, p))
      }
      await safely('the last edit of the parent', () => this.#editParent(t))
      if (await store.claimOnce(`slack-outcome:${t.run.id}`, this.#now())) {
        const msg = outcomeMessage(t.info, t.model)
        if (run?.error && !t.model.finished)
          msg.blocks.splice(1, 0, { type: 'section', text: { type: 'mrkdwn', text: `:warning: ${esc(run.error).slice(0, 2900)}` } })
        await this.o.port.post({ channel: t.channel, threadTs: t.parentTs!, ...msg })
      }
    }).finally(() => {
      t.unsubscribe()
      this.#threads.delete(t.run.id)
    })
  }

  /** A click on Approve or Decline, after Slack has been acknowledged. Never throws. */
  async click(c: ButtonClick): Promise<void> {
    try {
      const { store } = this.o.service
      if (!(await store.claimOnce(`slack-trigger:${c.triggerId}`, this.#now(), this.#now() - ONCE_TTL_MS))) return
      const target = parseButtonValue(c.value)
      if (!target) return await this.#refuse(c, ":x: this button is not one of runbook's (its value must be <run id>:<plan hash>)")
      const decision = c.actionId === ACTION_APPROVE ? 'approve' : 'decline'
      const identity = await this.#gate(c, decision, (await store.getRun(target.runId)) ? target.runId : null)
      if (identity) {
        try {
          const r = await this.o.service.decide(identity, target.runId, target.planHash, decision)
          if (r.state === 'waiting') {
            const left = (await store.approvalRequest(target.runId))?.required ?? 1
            const given = r.approvals.filter((a) => !a.voided && a.planHash === target.planHash && a.decision === 'approve').length
            await this.#refuse(
              c,
              `:white_check_mark: Your approval of plan \`${target.planHash.slice(0, 12)}\` is recorded; ${Math.max(0, left - given)} more needed from other people.`,
            )
          }
        } catch (err) {
          if (!(err instanceof RunbookError || err instanceof RunbookErrors)) throw err
          await this.#refuse(c, `:no_entry: ${esc(err.message)}`)
        }
      }
      const t = this.#threads.get(target.runId)
      const p = t?.plans.find((x) => x.plan.hash === target.planHash)
      if (t && p) await this.#step(t, () => this.#updatePlan(t, p))
    } catch (err) {
      this.#log(`click ${c.actionId} failed: ${(err as Error).stack ?? err}`)
      await this.#refuse(c, `:boom: runbook could not handle this click (a bug: ${esc((err as Error).message)})`).catch(() => undefined)
    }
  }

  /** Stops following runs (they go on, or resume after a restart; resume() follows them again); waits for the Slack calls under way. */
  async close(): Promise<void> {
    this.#closed = true
    const threads = [...this.#threads.values()]
    // Stop listening first: the server stopping is not the end of these runs (they resume after a
    // restart, and resume() follows them again), so nothing may close their plans or post an outcome.
    for (const t of threads) {
      clearTimeout(t.timer)
      if (!t.done) t.unsubscribe()
    }
    await Promise.all(threads.map((t) => t.chain))
  }
}
