/**
 * What a run looks like so far, folded from its RunEvents. The live tree, the final tree and the
 * replay renderer all draw this model, so a past run reads exactly like a live one.
 */
import type {
  CommandSpec,
  ExecFailure,
  CommandResult,
  FixIntent,
  FixPhase,
  FixPlan,
  ProbeSpec,
  ProbeResult,
  RunEvent,
  RunEventType,
  RunStatus,
  Severity,
  StepKind,
  StepStatus,
  Evidence,
} from '../types.ts'

/**
 * One handler per event type. A mapped type rather than a switch: adding a member to RunEvent
 * makes every view that forgot it fail to compile.
 */
export type EventHandlers<R = void> = { [K in RunEventType]: (e: Extract<RunEvent, { type: K }>) => R }

export function dispatch<R>(handlers: EventHandlers<R>, e: RunEvent): R {
  // The mapped type guarantees the handler matches e.type; TS cannot correlate the two by itself.
  return (handlers[e.type] as (e: RunEvent) => R)(e)
}

/** What every view returns; `sink` is bound so it can be passed as `onEvent` directly. */
export interface View {
  sink(e: RunEvent): void
  close(): void
}

export type CommandStatus = 'running' | 'ok' | 'failed' | 'timeout' | 'error'

export interface CommandNode {
  sub?: string
  phase?: FixPhase
  spec: CommandSpec
  startedAt: number
  status: CommandStatus
  result?: CommandResult
  error?: ExecFailure
}

export interface ProbeNode {
  sub?: string
  spec: ProbeSpec
  result: ProbeResult
}

export interface FixState {
  summary: string
  plan?: FixPlan
  /** The action and inputs the fix comes from: what the plan means to do, shown before its commands. */
  intent?: FixIntent
  notNeeded?: boolean
  decision?: { approved: boolean; by: string; reason?: string }
  applied?: boolean
  verified?: boolean
  rolledBack?: boolean
  /** Safety steps around the fix, in order: pre-flight, re-plans, backups, revert schedule. */
  notes: string[]
}

/** `proposed`: a fix waiting for --apply; `unfinished`: the run ended (or the record stops) mid-step. */
export type StepDisplay = 'running' | StepStatus | 'branch' | 'proposed' | 'declined' | 'unfinished'

export interface StepNode {
  id: string
  kind: StepKind
  title?: string
  startedAt: number
  status: StepDisplay
  durationMs?: number
  error?: ExecFailure
  commands: CommandNode[]
  probes: ProbeNode[]
  parsed: { sub?: string; parser: string }[]
  fix?: FixState
  /** Where the run went from here (only transitions that leave the step). */
  next?: { to: string; via: string }
}

export interface RunModel {
  runbook?: string
  mode?: 'dry-run' | 'apply'
  hash?: string
  targets: string[]
  operator?: string
  steps: StepNode[]
  outcome?: { id: string; severity: Severity; summary: string; evidence: Evidence[]; see?: string[] }
  finished?: { status: RunStatus; exitCode: number; durationMs: number; error?: { code: string; message: string } }
  /** Time of the latest event, the clock for durations of steps the engine never closes. */
  lastAt: number
}

export function emptyModel(): RunModel {
  return { targets: [], steps: [], lastAt: 0 }
}

/** `archive_rotated.check` → `archive_rotated`: fix sub-states belong to their step. */
const stepOf = (state: string): string => state.split('.')[0] ?? state

function find(m: RunModel, step: string): StepNode | undefined {
  for (let i = m.steps.length - 1; i >= 0; i--) if (m.steps[i]?.id === step) return m.steps[i]
  return undefined
}

function commandOf(step: StepNode | undefined, e: { sub?: string; phase?: FixPhase; spec: CommandSpec }): CommandNode | undefined {
  // Latest running match: the same command may run twice (check, then verify) in one step.
  return step?.commands.findLast(
    (c) => c.status === 'running' && c.sub === e.sub && c.phase === e.phase && c.spec.command === e.spec.command,
  )
}

/**
 * The engine closes run/probe/parallel steps with step.finished, but a fix step ends with a
 * transition or the outcome; close it then, its status derived from what the fix did. A step of
 * another kind closed this way never finished (the run crashed or was interrupted in it).
 */
function closeStep(s: StepNode, at: number, end: { crashed?: boolean; runStatus?: RunStatus } = {}): void {
  if (s.status !== 'running') return
  s.durationMs = Math.max(0, at - s.startedAt)
  const f = s.fix
  if (end.crashed) s.status = 'error'
  else if (s.kind === 'branch') s.status = 'branch'
  else if (s.kind !== 'fix') s.status = 'unfinished'
  else if (f?.rolledBack !== undefined || f?.verified === false) s.status = 'failed'
  else if (f?.decision?.approved === false) s.status = 'declined'
  else if (f?.plan && !f.decision && !f.notNeeded) s.status = 'proposed'
  else if (end.runStatus === 'incomplete') s.status = 'unfinished'
  else s.status = 'ok'
}

/**
 * How many of a model's steps are closed for good: a step is only ever opened when it is pushed, so
 * closeAll need not revisit earlier ones (re-scanning every step at each step.started made drawing
 * a long run quadratic: a 117,000-step transcript took minutes to replay).
 */
const closedUpTo = new WeakMap<RunModel, number>()

function closeAll(m: RunModel, at: number, runStatus?: RunStatus): void {
  for (let i = closedUpTo.get(m) ?? 0; i < m.steps.length; i++) closeStep(m.steps[i]!, at, runStatus ? { runStatus } : {})
  closedUpTo.set(m, m.steps.length)
}

const ensureFix = (s: StepNode | undefined): FixState | undefined => {
  if (s && !s.fix) s.fix = { summary: '', notes: [] }
  return s?.fix
}

const reducers: EventHandlers<(m: RunModel, at: number) => void> = {
  'run.started': (e) => (m) => {
    Object.assign(m, { runbook: e.runbook, mode: e.mode, hash: e.hash, targets: e.targets, operator: e.operator })
  },
  'step.started': (e) => (m, at) => {
    closeAll(m, at) // steps run one at a time: a new one means the previous one is over
    m.steps.push({
      id: e.step,
      kind: e.kind,
      ...(e.title ? { title: e.title } : {}),
      startedAt: at,
      status: 'running',
      commands: [],
      probes: [],
      parsed: [],
    })
  },
  'command.started': (e) => (m, at) => {
    find(m, e.step)?.commands.push({
      ...(e.sub ? { sub: e.sub } : {}),
      ...(e.phase ? { phase: e.phase } : {}),
      spec: e.spec,
      startedAt: at,
      status: 'running',
    })
  },
  'command.finished': (e) => (m, at) => {
    const step = find(m, e.step)
    let c = commandOf(step, e)
    if (!c && step) {
      // A transcript may lack the started event (older recorder); show the command anyway.
      c = { ...(e.sub ? { sub: e.sub } : {}), ...(e.phase ? { phase: e.phase } : {}), spec: e.spec, startedAt: at, status: 'running' }
      step.commands.push(c)
    }
    if (!c) return
    if (e.result) c.result = e.result
    if (e.error) c.error = e.error
    c.status = e.error ? 'error' : e.result?.timedOut ? 'timeout' : e.result?.exitCode === 0 ? 'ok' : 'failed'
  },
  'probe.finished': (e) => (m) => {
    find(m, e.step)?.probes.push({ ...(e.sub ? { sub: e.sub } : {}), spec: e.spec, result: e.result })
  },
  'result.parsed': (e) => (m) => {
    find(m, e.step)?.parsed.push({ ...(e.sub ? { sub: e.sub } : {}), parser: e.parser })
  },
  'step.finished': (e) => (m) => {
    const s = find(m, e.step)
    if (!s) return
    s.status = s.kind === 'branch' && e.status === 'ok' ? 'branch' : e.status
    s.durationMs = e.durationMs
    if (e.error) s.error = e.error
  },
  transition: (e) => (m, at) => {
    const from = stepOf(e.from)
    if (from === stepOf(e.to)) return // a fix moving between its own phases
    const s = find(m, from)
    if (s) {
      s.next = { to: e.to, via: e.via }
      // `crash`: the engine's edge for a step that threw (interrupt, bug) with no handler.
      closeStep(s, at, { crashed: e.via === 'crash' })
    }
  },
  'fix.proposed': (e) => (m) => {
    const f = ensureFix(find(m, e.step))
    if (f) Object.assign(f, { summary: e.summary, plan: e.plan, ...(e.intent ? { intent: e.intent } : {}) })
  },
  'fix.not_needed': (e) => (m) => {
    const f = ensureFix(find(m, e.step))
    if (f) Object.assign(f, { summary: e.summary, notNeeded: true })
  },
  'fix.approved': (e) => (m) => {
    const f = ensureFix(find(m, e.step))
    if (f) f.decision = { approved: true, by: e.by }
  },
  'fix.preflight': (e) => (m) => {
    const f = ensureFix(find(m, e.step))
    if (f)
      f.notes.push(
        e.ok
          ? 'pre-flight checks pass'
          : `pre-flight FAILED: ${e.checks
              .filter((c) => !c.ok)
              .map((c) => c.message)
              .join('; ')}`,
      )
  },
  'fix.refused': (e) => (m) => {
    const f = ensureFix(find(m, e.step))
    if (f) f.notes.push(`refused: ${e.reason}`)
  },
  'fix.replanned': (e) => (m) => {
    const f = ensureFix(find(m, e.step))
    if (f) {
      f.notes.push(`the host changed since plan ${e.from.slice(0, 12)}: re-planned as ${e.to.slice(0, 12)}`)
      f.plan = e.plan
    }
  },
  'lock.acquired': () => () => {},
  'lock.refused': () => () => {},
  'lock.released': () => () => {},
  'fix.backup': (e) => (m) => {
    const f = ensureFix(find(m, e.step))
    if (f) for (const b of e.files) f.notes.push(b.backup ? `backed up ${b.path} to ${b.backup}` : `${b.path} is new (no backup needed)`)
  },
  'fix.revert_scheduled': (e) => (m) => {
    const f = ensureFix(find(m, e.step))
    if (f) f.notes.push(`revert scheduled on ${e.host} at ${e.at} (${e.mechanism}) unless verified`)
  },
  'fix.revert_cancelled': (e) => (m) => {
    const f = ensureFix(find(m, e.step))
    if (f) f.notes.push(`scheduled revert cancelled`)
  },
  'fix.declined': (e) => (m) => {
    const f = ensureFix(find(m, e.step))
    if (f) f.decision = { approved: false, by: e.by, reason: e.reason }
  },
  'fix.in_doubt': (e) => (m) => {
    const f = ensureFix(find(m, e.step))
    if (f) f.notes.push(`in doubt: ${e.reason}; verify decides`)
  },
  'fix.applied': (e) => (m) => {
    const f = ensureFix(find(m, e.step))
    if (f) f.applied = true
  },
  'fix.verified': (e) => (m) => {
    const f = ensureFix(find(m, e.step))
    if (f) f.verified = e.ok
  },
  'fix.rolled_back': (e) => (m) => {
    const f = ensureFix(find(m, e.step))
    if (f) f.rolledBack = e.ok
  },
  outcome: (e) => (m, at) => {
    m.outcome = { id: e.id, severity: e.severity, summary: e.summary, evidence: e.evidence, ...(e.see ? { see: e.see } : {}) }
    closeAll(m, at)
  },
  'run.finished': (e) => (m, at) => {
    m.finished = { status: e.status, exitCode: e.exitCode, durationMs: e.durationMs, ...(e.error ? { error: e.error } : {}) }
    closeAll(m, at, e.status)
  },
}

/** Fold one event into the model (mutates it: views keep one model per run). */
export function foldEvent(m: RunModel, e: RunEvent): RunModel {
  const at = Date.parse(e.at)
  const t = Number.isNaN(at) ? m.lastAt : at
  dispatch(reducers, e)(m, t)
  m.lastAt = Math.max(m.lastAt, t)
  return m
}

/**
 * The record stops here (interrupted run, truncated transcript): whatever is still running never
 * finished, and must not be drawn with a spinner.
 */
export function endModel(m: RunModel): RunModel {
  closeAll(m, m.lastAt, 'incomplete')
  return m
}

/** The run's plan still waiting for --apply, if the run ended with one. */
export function pendingFix(m: RunModel): { step: string; fix: FixState & { plan: FixPlan } } | undefined {
  for (const s of m.steps) {
    const f = s.fix
    if (f?.plan && !f.applied && !f.notNeeded && f.decision?.approved !== true) return { step: s.id, fix: { ...f, plan: f.plan } }
  }
  return undefined
}
