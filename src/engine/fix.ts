/**
 * A fix's lifecycle, safe by construction:
 *   check → plan (commands + file diffs read from the host, hashed) → pre-flight → approve (binds
 *   to the plan hash) → lock the host → re-check and re-plan (a changed host means a new plan and a
 *   new approval, never a stale one) → back up files → schedule the revert on the host (access
 *   fixes) → apply → verify (through a NEW connection for access fixes) → cancel the revert, or
 *   roll back → release the lock.
 * Every step is an event, so the transcript is the audit: who approved which plan hash, each
 * backup path, the revert schedule and its cancellation.
 */
import { createHash } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { createTwoFilesPatch } from 'diff'
import { scopeFor, type RunContext, type StepRecord } from '../compile/compile.ts'
import type { CompiledFix, CompiledFixStep } from '../compile/model.ts'
import { evaluateGuard, type ExprScope, type Template } from '../dsl/expr.ts'
import type { CommandSpec, Executor, FileChange, FixIntent, FixPlan, FixStatus, Mode } from '../types.ts'
import { planDigests, type PlanSeal } from './plan-hash.ts'
import {
  backupFiles,
  cancelRevert,
  LOCK_HELD,
  lockHolder,
  LOCK_NOT_OURS,
  lockAcquire,
  lockRelease,
  lockRenew,
  parseReadFile,
  readFile,
  restoreFiles,
  scheduleRevert,
  writeFile,
} from './host-ops.ts'
import type { StepRunner } from './steps.ts'
import { RunbookError } from '../errors.ts'
import { DEFAULTS } from '../shared/defaults.ts'

const MAX_REPLANS = 3

export interface FixDeps {
  runId: string
  operator: string
  mode: Mode
  /** Binds plan hashes to the run's secrets without revealing them (engine/plan-hash.ts). */
  seal: PlanSeal
  /**
   * The host lock is a lease: renewed while the run lives, so a run that dies frees its host within
   * the TTL (DEFAULTS.hostLock). Tests shorten it.
   */
  hostLock?: Partial<(typeof DEFAULTS)['hostLock']>
}

/**
 * What this run knows of its lease on a host: until when the host last confirmed it (measured from
 * when the confirming command was sent, on this machine's monotonic clock), and whether a renewal
 * found it taken by another run.
 */
interface Lease {
  validUntil: number
  lost: boolean
}

/** What a fix step carries from phase to phase (the step record's `result`). */
interface FixState {
  status: FixStatus
  check: unknown
  plan: FixPlan
  /** Names the fix's backups and scheduled revert on the host: from the redacted plan, so a replay reproduces it. */
  id: string
  summary: string
  /** Content of each planned file before the fix (null: did not exist). */
  before: Array<string | null>
  backups?: Array<{ path: string; backup: string | null; existed: boolean }>
  revert?: string
  preflight?: { ok: boolean; message: string }
  verify?: unknown
  /** Set when nothing could undo the fix: which phase failed. */
  failedAt?: 'apply' | 'verify'
  /** The service stopped during an apply command (service resume): only verify can tell whether it ran. */
  inDoubt?: boolean
}

const sha = (text: string) => createHash('sha256').update(text).digest('hex')

export class FixRunner {
  /** Fixes left applied without verification because they declare no rollback: the host needs a human. */
  readonly unverified: string[] = []
  /** Locks this run holds: host → token. Released when the fix ends, and by releaseAll() at run end. */
  readonly #locks = new Map<string, { step: string; sudo: boolean; renew: NodeJS.Timeout; lease: Lease }>()
  /** The intent (action and inputs) of each proposed fix, by step, for the approver. */
  readonly #intents = new Map<string, FixIntent>()

  constructor(
    readonly steps: StepRunner,
    readonly deps: FixDeps,
  ) {}

  get #emit() {
    return this.steps.deps.emitter.emit.bind(this.steps.deps.emitter)
  }

  get #token(): string {
    return `${this.deps.runId}`
  }

  get #lease(): (typeof DEFAULTS)['hostLock'] {
    return { ...DEFAULTS.hostLock, ...this.deps.hostLock }
  }

  // --- check & plan -----------------------------------------------------------------------------

  async check(step: CompiledFixStep, context: RunContext): Promise<StepRecord> {
    const fix = step.fix
    const base = scopeFor(context, step.name, undefined)
    const checked = await this.#runCheck(step, base)
    if ('record' in checked) return checked.record
    if (!checked.needed) {
      this.#emit({ type: 'fix.not_needed', step: step.name, summary: fix.summary.render({ ...base, result: checked.result }, 'text') })
      return {
        status: 'ok',
        result: { status: 'not_needed' satisfies FixStatus, check: checked.result },
        ...(checked.output ? { output: checked.output } : {}),
      }
    }
    const scope = { ...base, result: checked.result }
    const { plan, id, before } = await this.plan(step, scope)
    const summary = fix.summary.render(scope, 'text')
    const intent = fix.action
      ? { action: fix.action.id, inputs: fix.action.inputs.map((i) => ({ name: i.name, value: shown(i.value, scope) })) }
      : undefined
    if (intent) this.#intents.set(step.name, intent)
    this.#emit({ type: 'fix.proposed', step: step.name, summary, plan, ...(intent ? { intent } : {}) })
    const preflight = await this.#preflight(step, scope, plan)
    const state: FixState = { status: 'needed', check: checked.result, plan, id, summary, before, preflight }
    if (!preflight.ok && this.deps.mode === 'apply') {
      this.#emit({ type: 'fix.refused', step: step.name, reason: preflight.message })
      state.status = 'refused'
    }
    return { status: 'ok', result: state, ...(checked.output ? { output: checked.output } : {}) }
  }

  async #runCheck(
    step: CompiledFixStep,
    scope: ExprScope,
  ): Promise<{ record: StepRecord } | { needed: boolean; result: unknown; output?: StepRecord['output'] }> {
    const fix = step.fix
    if (!fix.check) return { needed: true, result: null }
    const check = await this.steps.run(step.name, undefined, fix.check.run, scope, 'check', false)
    if (check.status !== 'ok') return { record: { ...check, result: { status: 'check-failed' satisfies FixStatus, check: check.result } } }
    const needed = evaluateGuard(fix.check.neededIf, { ...scope, result: check.result })
    return { needed, result: check.result, ...(check.output ? { output: check.output } : {}) }
  }

  /** Render the plan. File changes are diffed against what the host has now (read-only reads). */
  async plan(step: CompiledFixStep, scope: ExprScope): Promise<{ plan: FixPlan; id: string; before: Array<string | null> }> {
    const fix = step.fix
    const host = this.steps.host(fix.host, scope)
    const render = (ts: Template[]) => ts.map((t) => t.render(scope, 'shell'))
    const verify = fix.verify
      ? [
          fix.verify.command.kind === 'run'
            ? fix.verify.command.run.render(scope, 'shell')
            : `probe ${fix.verify.command.probe} ${fix.verify.command.target.render(scope, 'text')}`,
        ]
      : []
    const before: Array<string | null> = []
    const files: FileChange[] = []
    for (const f of fix.files) {
      const path = f.path.render(scope, 'text')
      const after = f.content.render(scope, 'text')
      const read = await this.steps.raw(step.name, 'check', {
        host,
        command: readFile(path),
        sudo: fix.sudo,
        timeoutMs: fix.timeoutMs,
        mutating: false,
      })
      const current = read.result?.exitCode === 0 ? parseReadFile(read.result.stdout) : undefined
      if (current === undefined)
        throw new Error(`could not read ${path} on ${host} to plan the fix: ${read.error?.message ?? read.result?.stderr ?? ''}`)
      before.push(current)
      // The diff is for showing: made from redacted text, as a diff cuts a multi-line secret into
      // `+`-prefixed lines that no longer contain it whole. `before` digests the redacted content
      // too: a sha of the raw content would let the transcript confirm a guessed secret in it.
      const shown = this.deps.seal.redactor
      files.push({
        path,
        before: current === null ? null : sha(shown.canonical(current)),
        after,
        diff: createTwoFilesPatch(
          path,
          path,
          shown.text(current ?? ''),
          shown.text(after),
          current === null ? '(absent)' : 'now',
          'after the fix',
        ),
      })
    }
    // Read-only commands the author vouched for are shown with the reason, for the approver to weigh.
    const vouched = [fix.check?.run, fix.verify?.command, ...fix.preflight.map((p) => p.run)].flatMap((c) =>
      c?.kind === 'run' && c.readonly !== undefined ? [{ command: c.run.render(scope, 'shell'), reason: c.readonly }] : [],
    )
    const body = {
      host,
      sudo: fix.sudo,
      check: fix.check ? [fix.check.run.run.render(scope, 'shell')] : [],
      apply: render(fix.apply),
      verify,
      rollback: render(fix.rollback),
      files,
      access: fix.access,
      ...(vouched.length > 0 ? { vouched } : {}),
    }
    const { hash, id } = planDigests(body, this.deps.seal)
    return { plan: { ...body, hash }, id, before }
  }

  async #preflight(step: CompiledFixStep, scope: ExprScope, plan: FixPlan): Promise<{ ok: boolean; message: string }> {
    const fix = step.fix
    if (fix.preflight.length === 0) return { ok: true, message: '' }
    const checks: Array<{ command: string; ok: boolean; message: string }> = []
    for (const p of fix.preflight) {
      const r = await this.steps.run(
        step.name,
        undefined,
        { ...p.run, host: null, sudo: plan.sudo },
        { ...scope },
        'check',
        false,
        this.steps.deps.executors.executor(plan.host),
      )
      const ok = r.status !== 'error' && r.status !== 'timeout' && evaluateGuard(p.expect, { ...scope, result: r.result })
      checks.push({
        command: p.run.run.render(scope, 'shell'),
        ok,
        message: ok ? '' : p.message.render({ ...scope, result: r.result }, 'text'),
      })
    }
    const ok = checks.every((c) => c.ok)
    this.#emit({ type: 'fix.preflight', step: step.name, ok, checks })
    return {
      ok,
      message: checks
        .filter((c) => !c.ok)
        .map((c) => c.message)
        .join('; '),
    }
  }

  // --- approve ----------------------------------------------------------------------------------

  async approve(step: CompiledFixStep, context: RunContext): Promise<StepRecord> {
    const prev = context.steps[step.name]!
    const state = prev.result as FixState
    const approved = await this.#ask(step, state.plan, state.summary)
    return { ...prev, result: { ...state, status: approved ? 'approved' : 'declined' } }
  }

  async #ask(step: CompiledFixStep, plan: FixPlan, summary: string): Promise<boolean> {
    // The approver shows the plan (a terminal, a chat): the redacted one. The hash is unchanged by it.
    const redactor = this.steps.deps.emitter.redactor
    const intent = this.#intents.get(step.name)
    const d = await this.steps.deps.approver.approve(
      {
        runbook: this.steps.deps.runbook,
        step: step.name,
        summary: redactor.text(summary),
        plan: { ...redactor.value(plan), hash: plan.hash },
        ...(intent ? { intent: redactor.value(intent) } : {}),
      },
      this.steps.deps.signal,
    )
    if (d.approved) this.#emit({ type: 'fix.approved', step: step.name, planHash: plan.hash, by: d.by })
    else this.#emit({ type: 'fix.declined', step: step.name, planHash: plan.hash, by: d.by, reason: d.reason ?? 'declined' })
    return d.approved
  }

  // --- apply ------------------------------------------------------------------------------------

  async apply(step: CompiledFixStep, context: RunContext): Promise<StepRecord> {
    const prev = context.steps[step.name]!
    let state = prev.result as FixState
    const fix = step.fix
    const done = (status: FixStatus, ok = true, extra: Partial<FixState> = {}): StepRecord => ({
      ...prev,
      status: ok ? 'ok' : 'failed',
      result: { ...state, ...extra, status },
    })
    // Before the first change a failure must not lead to a rollback (rolling back what was never
    // applied can do harm, e.g. re-add a firewall block): it refuses the fix instead.
    const refuse = async (reason: string): Promise<StepRecord> => {
      this.#emit({ type: 'fix.refused', step: step.name, reason })
      await this.#release(state.plan.host)
      return done('refused')
    }

    // 1. Nobody else may change this host while we do.
    const locked = await this.#lock(step, state.plan, fix)
    if (!locked.ok) {
      this.#emit({ type: 'fix.refused', step: step.name, reason: `another run holds ${state.plan.host}: ${locked.holder}` })
      return done('refused')
    }

    // 2. The host may have changed since the plan was approved: re-check, re-plan, re-approve.
    for (let round = 0; ; round++) {
      const base = scopeFor(context, step.name, undefined)
      const checked = await this.#runCheck(step, base)
      if ('record' in checked)
        return refuse(`the check failed when re-run before applying: ${checked.record.error?.message ?? `status ${checked.record.status}`}`)
      if (!checked.needed) {
        this.#emit({ type: 'fix.not_needed', step: step.name, summary: state.summary })
        await this.#release(state.plan.host)
        return done('not_needed')
      }
      const scope = { ...base, result: checked.result }
      const fresh = await this.plan(step, scope)
      if (fresh.plan.hash === state.plan.hash) break
      this.#emit({ type: 'fix.replanned', step: step.name, from: state.plan.hash, to: fresh.plan.hash, plan: fresh.plan })
      const summary = fix.summary.render(scope, 'text')
      state = { ...state, check: checked.result, plan: fresh.plan, id: fresh.id, before: fresh.before, summary }
      if (round + 1 >= MAX_REPLANS || !(await this.#ask(step, fresh.plan, summary))) {
        await this.#release(state.plan.host)
        return done('declined')
      }
    }

    const plan = state.plan
    const planId = state.id
    const spec = (command: string, mutating = true): CommandSpec => ({
      host: plan.host,
      command,
      sudo: plan.sudo,
      timeoutMs: fix.timeoutMs,
      mutating,
    })
    // The transcript names the action an apply command comes from (unless the step wrote its own apply).
    const fromAction = fix.action && !fix.action.overrides.includes('apply') ? { action: fix.action.id } : {}
    const applyCommands = new Set(plan.apply)

    // The lock may have run out while the fix waited (a re-approval, an unreachable host, a server
    // restart): the host confirms it is still ours before the first change.
    const lost = await this.#stillLocked(plan.host, true)
    if (lost) return refuse(lost)

    // 3. Back up every file the fix writes.
    let backups: FixState['backups'] = []
    if (plan.files.length > 0) {
      const r = await this.steps.raw(step.name, 'apply', {
        ...spec(
          backupFiles(
            planId,
            plan.files.map((f) => f.path),
          ),
        ),
        engine: 'files.backup',
      })
      if (r.result?.exitCode !== 0)
        return refuse(`could not back up the files it changes: ${r.error?.message ?? r.result?.stderr.trim() ?? ''}`)
      const lines = r.result.stdout.trim().split('\n')
      backups = plan.files.map((f, i) => {
        const line = lines[i] ?? ''
        return {
          path: f.path,
          existed: line.startsWith('present '),
          backup: line.startsWith('present ') ? line.slice('present '.length) : null,
        }
      })
      this.#emit({ type: 'fix.backup', step: step.name, host: plan.host, files: backups })
    }
    const restore = restoreFiles(planId, backups)

    // 4. Commit-confirmed: the host reverts by itself unless we confirm in time.
    let revert: string | undefined
    if (plan.access) {
      const windowS = Math.ceil(plan.access.confirmWithinMs / 1000)
      // If this run dies now, its revert fires at the end of the window and frees the lock: the lease
      // must last until then, or another run could take the host and have the revert undo the host
      // under it. Housekeeping, like every renewal: recordings stay as they were.
      const held = this.#locks.get(plan.host)
      if (!held || !(await this.#renew(plan.host, plan.sudo, held.lease, windowS + this.#lease.ttlS)))
        return refuse(`could not extend the lock on ${plan.host} over the ${windowS} s revert window`)
      // Reverting by itself means the run is gone: the revert frees the host's lock too.
      const script = [...restore, ...plan.rollback, lockRelease(this.#token)].join('\n')
      // One id per run, not per plan: two runs of the same plan must never cancel each other's revert.
      const revertId = `${planId}-${this.#token}`
      const r = await this.steps.raw(step.name, 'apply', { ...spec(scheduleRevert(revertId, windowS, script)), engine: 'revert.schedule' })
      // Maybe armed, maybe not (the service stopped while scheduling): disarm it, as nothing was applied.
      if (r.error?.kind === 'in-doubt')
        await this.steps.raw(step.name, 'apply', { ...spec(cancelRevert(revertId)), engine: 'revert.cancel', repeatable: true })
      if (r.result?.exitCode !== 0)
        return refuse(`could not schedule the automatic revert on ${plan.host}: ${r.error?.message ?? r.result?.stderr.trim() ?? ''}`)
      revert = revertId
      const mechanism = r.result.stdout.includes('systemd-run') ? 'systemd-run' : 'background'
      this.#emit({
        type: 'fix.revert_scheduled',
        step: step.name,
        host: plan.host,
        id: revertId,
        mechanism,
        windowMs: windowS * 1000,
        at: new Date(this.steps.deps.clock.now() + windowS * 1000).toISOString(),
      })
    }

    // 5. Apply: files first, then commands; stop at the first failure. A command left unfinished
    // by a stopped service is never run again: the fix goes to verify "in doubt", nothing after it runs.
    let ok = true
    let inDoubt = false
    const commands = [...plan.files.map((f, i) => writeFile(f.path, f.after, fix.files[i]!.mode)), ...plan.apply]
    for (const [i, command] of commands.entries()) {
      const lost = await this.#stillLocked(plan.host)
      if (lost && i === 0) {
        // Nothing applied yet: disarm our own revert (it would run the rollback under another run's lock).
        if (revert) await this.steps.raw(step.name, 'apply', { ...spec(cancelRevert(revert)), engine: 'revert.cancel', repeatable: true })
        return refuse(lost)
      }
      if (lost) {
        // Rolling back now would change the host under another run's lock: stop, and say what was done.
        throw new RunbookError(
          'RB_STEP_FAILED',
          `stopped applying ${step.name} on ${plan.host} after ${i} of ${commands.length} changes: ${lost}. Nothing was rolled back${revert ? ' (the scheduled revert stays armed)' : ''}; check the host by hand`,
        )
      }
      const r = await this.steps.raw(step.name, 'apply', { ...spec(command), ...(applyCommands.has(command) ? fromAction : {}) })
      if (r.error?.kind === 'in-doubt') {
        inDoubt = true
        this.#emit({ type: 'fix.in_doubt', step: step.name, planHash: plan.hash, command, reason: r.error.message })
        break
      }
      if (r.result?.exitCode !== 0 || r.result.timedOut) {
        ok = false
        break
      }
    }
    if (ok && !inDoubt) this.#emit({ type: 'fix.applied', step: step.name, planHash: plan.hash })
    return done(inDoubt ? 'in-doubt' : ok ? 'applied' : 'apply-failed', ok, {
      backups,
      ...(revert ? { revert } : {}),
      ...(inDoubt ? { inDoubt } : {}),
    })
  }

  // --- verify -----------------------------------------------------------------------------------

  async verify(step: CompiledFixStep, context: RunContext): Promise<StepRecord> {
    const prev = context.steps[step.name]!
    const state = prev.result as FixState
    const fix = step.fix
    const plan = state.plan
    const scope = { ...scopeFor(context, step.name, undefined), result: state.check }
    // Access fixes: only a NEW login proves the operator can still get in.
    const fresh: Executor | undefined = plan.access
      ? (this.steps.deps.executors.fresh?.(plan.host) ?? this.steps.deps.executors.executor(plan.host))
      : undefined
    // In doubt, only a declared verify can tell whether the fix is in place: without one it is not verified.
    let ok = !(state.inDoubt && !fix.verify)
    let last: StepRecord | undefined
    try {
      if (fresh) {
        const login = await this.steps.raw(
          step.name,
          'verify',
          {
            host: plan.host,
            command: 'true',
            sudo: false,
            timeoutMs: Math.min(fix.timeoutMs, DEFAULTS.housekeepingTimeoutMs),
            mutating: false,
          },
          fresh,
        )
        ok = login.result?.exitCode === 0
      }
      const v = fix.verify
      // 1 + retries attempts, `interval` apart (on the run's clock: a replay does not wait), until one passes.
      for (let attempt = 0; ok && v; attempt++) {
        if (attempt > 0) await this.#wait(v.intervalMs)
        last =
          v.command.kind === 'run'
            ? await this.steps.run(step.name, undefined, { ...v.command, sudo: plan.sudo }, scope, 'verify', false, fresh)
            : await this.steps.probe(step.name, undefined, v.command, scope)
        if (last.status === 'ok' && evaluateGuard(v.expect, { ...scope, result: last.result })) break
        if (attempt >= v.retries) ok = false
      }
    } finally {
      if (fresh && fresh !== this.steps.deps.executors.executor(plan.host)) await fresh.close()
    }
    if (ok && state.revert) await this.#cancelRevert(step, plan, state.revert)
    this.#emit({ type: 'fix.verified', step: step.name, ok })
    if (ok) await this.#release(plan.host)
    return {
      ...prev,
      status: ok ? 'ok' : 'failed',
      result: { ...state, status: ok ? 'verified' : 'verify-failed', verify: last?.result ?? null },
    }
  }

  async #wait(ms: number): Promise<void> {
    const { clock, signal } = this.steps.deps
    try {
      await clock.sleep(ms, signal)
    } catch (err) {
      if (signal.aborted) throw new RunbookError('RB_USAGE', 'run interrupted', { cause: err })
      throw err
    }
  }

  // --- rollback ---------------------------------------------------------------------------------

  async rollback(step: CompiledFixStep, context: RunContext): Promise<StepRecord> {
    const prev = context.steps[step.name]!
    const state = prev.result as FixState
    const plan = state.plan
    const commands = [...restoreFiles(state.id, state.backups ?? []), ...plan.rollback]
    const declared = new Set(plan.rollback)
    const fromAction = step.fix.action && !step.fix.action.overrides.includes('rollback') ? { action: step.fix.action.id } : {}
    if (commands.length === 0) {
      // Nothing declared to undo the fix with: nothing was rolled back, and no event may say so.
      this.unverified.push(step.name)
      await this.#release(plan.host)
      return {
        ...prev,
        status: 'ok',
        result: { ...state, status: 'not-rolled-back', failedAt: state.status === 'apply-failed' ? 'apply' : 'verify' },
      }
    }
    const lost = await this.#stillLocked(plan.host, true)
    if (lost)
      throw new RunbookError(
        'RB_STEP_FAILED',
        `did not roll back ${step.name} on ${plan.host}: ${lost}. The fix stays as it is${state.revert ? ' (the scheduled revert stays armed)' : ''}; check the host by hand`,
      )
    let ok = true
    // Every rollback command runs even when one fails: restore as much as can be restored.
    for (const command of commands) {
      const r = await this.steps.raw(step.name, 'rollback', {
        host: plan.host,
        command,
        sudo: plan.sudo,
        timeoutMs: step.fix.timeoutMs,
        mutating: true,
        ...(declared.has(command) ? fromAction : {}),
      })
      if (r.result?.exitCode !== 0) ok = false
    }
    // Reverted by us: the scheduled revert is no longer needed. If we failed, leave it armed.
    if (ok && state.revert) await this.#cancelRevert(step, plan, state.revert)
    this.#emit({ type: 'fix.rolled_back', step: step.name, ok })
    await this.#release(plan.host)
    return { ...prev, status: ok ? 'ok' : 'failed', result: { ...state, status: ok ? 'rolled_back' : 'rollback-failed' } }
  }

  async #cancelRevert(step: CompiledFixStep, plan: FixPlan, id: string): Promise<void> {
    const r = await this.steps.raw(step.name, 'verify', {
      host: plan.host,
      command: cancelRevert(id),
      engine: 'revert.cancel',
      sudo: plan.sudo,
      timeoutMs: DEFAULTS.housekeepingTimeoutMs,
      mutating: true,
      repeatable: true,
    })
    if (r.result?.exitCode === 0) this.#emit({ type: 'fix.revert_cancelled', step: step.name, host: plan.host, id })
  }

  // --- lock -------------------------------------------------------------------------------------

  async #lock(step: CompiledFixStep, plan: FixPlan, fix: CompiledFix): Promise<{ ok: true } | { ok: false; holder: string }> {
    if (this.#locks.has(plan.host)) return { ok: true }
    const { ttlS, renewMs } = this.#lease
    const sent = performance.now()
    const owner = `${this.deps.operator}, runbook ${this.steps.deps.runbook} (fix ${step.name}, run ${this.deps.runId})`
    const acquire: CommandSpec = {
      host: plan.host,
      command: lockAcquire(this.#token, owner, ttlS),
      engine: 'lock.acquire',
      sudo: plan.sudo,
      timeoutMs: DEFAULTS.housekeepingTimeoutMs,
      mutating: true,
    }
    let r = await this.steps.raw(step.name, 'apply', acquire)
    // The server stopped while this run was taking the lock (service resume): the lock may be ours
    // already. Renewing succeeds only on our own lease; if it is not ours, taking it is safe again.
    for (let attempt = 0; r.error?.kind === 'in-doubt' && attempt < 3; attempt++) {
      const mine = await this.steps.raw(step.name, 'apply', {
        ...acquire,
        command: lockRenew(this.#token, ttlS),
        engine: 'lock.renew',
        repeatable: true,
      })
      if (mine.result?.exitCode === 0) {
        r = { result: { ...mine.result, stdout: 'lock (ours since before the server restarted)\n' } }
        break
      }
      r = await this.steps.raw(step.name, 'apply', acquire)
    }
    if (r.result?.exitCode === 0) {
      const lease: Lease = { validUntil: sent + ttlS * 1000, lost: false }
      // Renewals are housekeeping: not part of the recorded story, so replays stay deterministic.
      const renew = setInterval(() => void this.#renew(plan.host, plan.sudo, lease), renewMs)
      renew.unref()
      this.#locks.set(plan.host, { step: step.name, sudo: plan.sudo, renew, lease })
      this.steps.deps.emitter.emit({
        type: 'lock.acquired',
        host: plan.host,
        lock: r.result.stdout.trim(),
        owner,
        expiresInMs: ttlS * 1000,
      })
      return { ok: true }
    }
    const holder =
      r.result?.exitCode === LOCK_HELD
        ? lockHolder(r.result.stdout)
        : `could not take the lock: ${r.error?.message ?? r.result?.stderr.trim() ?? 'unknown error'}`
    this.steps.deps.emitter.emit({ type: 'lock.refused', host: plan.host, lock: 'host', holder })
    return { ok: false, holder }
  }

  /**
   * Extend the lease on the host (to `ttlS` from now, never shorter than it is); what the host
   * answers updates what this run knows of it. True when the host confirmed it.
   */
  async #renew(host: string, sudo: boolean, lease: Lease, ttlS = this.#lease.ttlS): Promise<boolean> {
    const sent = performance.now()
    // Through the step runner: bounded by its timeout, and by the run's end (an aborted run waits for no renewal).
    const r = await this.steps
      .exec({
        host,
        command: lockRenew(this.#token, ttlS),
        engine: 'lock.renew',
        sudo,
        timeoutMs: Math.min(10_000, this.#lease.renewMs),
        mutating: true,
        repeatable: true,
        housekeeping: true,
      })
      .catch(() => null)
    if (r?.exitCode === 0 && !r.timedOut) {
      lease.validUntil = Math.max(lease.validUntil, sent + ttlS * 1000)
      return true
    }
    if (r?.exitCode === LOCK_NOT_OURS) lease.lost = true
    return false
  }

  /**
   * Before each change to a host: is its lock still this run's? A lease the renewals kept fresh is
   * (no command). One they could not renew (the host unreachable longer than a renewal period, a
   * stalled process) may have run out, and another run may have taken the host since: the host is
   * asked at once. `ask`: ask the host anyway (before a fix's first change, and before a rollback:
   * a run resumed from its journal knows nothing of the time that passed). Returns why the change
   * must not start, or null.
   */
  async #stillLocked(host: string, ask = false): Promise<string | null> {
    const held = this.#locks.get(host)
    if (!held) return `this run does not hold the lock on ${host}`
    const { lease } = held
    if (!ask && !lease.lost && performance.now() < lease.validUntil - this.#lease.confirmBeforeMs) return null
    if (!lease.lost) await this.#renew(host, held.sudo, lease)
    if (lease.lost)
      return `the lock on ${host} is no longer this run's: its lease ran out while it could not be renewed, and another run took the host`
    if (performance.now() >= lease.validUntil)
      return `could not confirm this run still holds the lock on ${host}: its lease may have run out`
    return null
  }

  async #release(host: string): Promise<void> {
    const held = this.#locks.get(host)
    if (!held) return
    clearInterval(held.renew)
    this.#locks.delete(host)
    await this.steps.raw(held.step, 'apply', {
      host,
      command: lockRelease(this.#token),
      engine: 'lock.release',
      sudo: held.sudo,
      timeoutMs: DEFAULTS.housekeepingTimeoutMs,
      mutating: true,
      repeatable: true,
    })
    this.steps.deps.emitter.emit({ type: 'lock.released', host, lock: 'host' })
  }

  /** At the end of a run, whatever happened: no lock outlives its run. */
  async releaseAll(): Promise<void> {
    for (const host of [...this.#locks.keys()]) {
      try {
        await this.#release(host)
      } catch {
        // The lease expires by itself.
      }
    }
  }
}

/** An input's value for the plan's intent line; showing it never fails the plan (the commands are what run). */
function shown(value: Template, scope: ExprScope): string {
  try {
    return value.render(scope, 'text')
  } catch {
    return value.source
  }
}
