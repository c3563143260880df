/**
 * ValidRunbook → CompiledRunbook: one xstate state per step, an invoked actor per action, CEL guards
 * on transitions, final states for outcomes. Pure: actors and side-effect actions are placeholders
 * here; the engine provides their implementations (`machine.provide`). xstate is imported only in
 * compile/ and engine/.
 */
import { assign, fromPromise, setup, type AnyStateMachine } from 'xstate'
import {
  compileExpr,
  compileLets,
  compileTemplate,
  evaluateGuard,
  type Expr,
  type ExprScope,
  type Lets,
  type Template,
} from '../dsl/expr.ts'
import { sha256 } from '../dsl/load.ts'
import type { Command, Fix, Outcome, Probe, Step } from '../dsl/runbook.generated.ts'
import type { ValidRunbook } from '../dsl/validate.ts'
import { RunbookError } from '../errors.ts'
import type { ParserRegistry } from '../parsers/registry.ts'
import { DEFAULTS } from '../shared/defaults.ts'
import { parseDuration } from '../shared/duration.ts'
import type { ExecFailure, FixStatus, Mode, StepKind, StepStatus } from '../types.ts'
import {
  INTERNAL_FINALS,
  type CompiledCommand,
  type CompiledEvidence,
  type CompiledFix,
  type CompiledFixStep,
  type CompiledOutcome,
  type CompiledProbe,
  type CompiledRun,
  unhandledKind,
  type CompiledStep,
  type CompiledTransition,
  type EdgeInfo,
  type ParamDecls,
} from './model.ts'

/** A duration field of the runbook, in ms. Its format was checked by the schema (`^[0-9]+(ms|s|m|h)$`). */
function ms(text: string): number {
  const n = parseDuration(text)
  if (n === undefined) throw new RunbookError('RB_INTERNAL', `'${text}' passed the schema but is not a duration`)
  return n
}

/** What a step leaves behind, visible to later guards as `steps.<name>`. */
export interface StepRecord {
  status: StepStatus
  result: unknown
  /** The raw command outcome (run steps), also when a parser produced `result`. */
  output?: {
    exitCode: number | null
    signal: string | null
    stdout: string
    stderr: string
    lines: string[]
    durationMs: number
    timedOut: boolean
  }
  error?: ExecFailure
}

export interface RunContext {
  params: Record<string, unknown>
  steps: Record<string, StepRecord>
  facts: { mode: Mode } & Record<string, unknown>
}

export interface RunInput {
  params: Record<string, unknown>
  facts: RunContext['facts']
}

export interface ActorInput {
  step: string
  context: RunContext
}

export interface CompiledRunbook {
  name: string
  summary: string
  description: string | undefined
  file: string
  hash: string
  params: ParamDecls
  start: string
  steps: ReadonlyMap<string, CompiledStep>
  outcomes: ReadonlyMap<string, CompiledOutcome>
  /** Every transition of the machine, read back from the machine's state nodes. */
  edges: readonly EdgeInfo[]
  machine: AnyStateMachine
  valid: ValidRunbook
}

const notProvided = (name: string) =>
  fromPromise<StepRecord, ActorInput>(async () => {
    throw new RunbookError('RB_INTERNAL', `actor '${name}' is not provided: run compiled runbooks through the engine`)
  })

const ROOT = 'runbook'
const ref = (state: string) => `#${ROOT}.${state}`

export function compileRunbook(valid: ValidRunbook, parsers: ParserRegistry): CompiledRunbook {
  const rb = valid.runbook
  const defaults = {
    timeoutMs: rb.defaults?.timeout ? ms(rb.defaults.timeout) : DEFAULTS.commandTimeoutMs,
    sudo: rb.defaults?.sudo ?? false,
  }
  const parser = (name: string | undefined) => (name === undefined ? null : (parsers.get(name) ?? null))
  // Each let is compiled once here and evaluated where an expression reads it.
  const runbookLets = compileLets(valid.lets.runbook)
  let lets: Lets = runbookLets
  const template = (source: string) => compileTemplate(source, lets)

  const compileRun = (
    c: { run?: string; readonly?: string; host?: string; sudo?: boolean; timeout?: string; parse?: string; ok_exit?: Command['ok_exit'] },
    inherit: { sudo: boolean; timeoutMs: number; host: Template | null; readonly?: string },
  ): CompiledRun => ({
    kind: 'run',
    run: template(c.run!),
    host: c.host !== undefined ? template(c.host) : inherit.host,
    sudo: c.sudo ?? inherit.sudo,
    timeoutMs: c.timeout ? ms(c.timeout) : inherit.timeoutMs,
    parser: parser(c.parse),
    okExit: c.ok_exit ?? [0],
    ...((c.readonly ?? inherit.readonly) !== undefined ? { readonly: (c.readonly ?? inherit.readonly)! } : {}),
  })
  const compileProbe = (p: Probe): CompiledProbe => {
    const probe = p.tcp !== undefined ? 'tcp' : p.ping !== undefined ? 'ping' : 'http'
    return {
      kind: 'probe',
      probe,
      target: template((p[probe] as string)!),
      count: p.count ?? DEFAULTS.probeCount,
      timeoutMs: p.timeout ? ms(p.timeout) : DEFAULTS.probeTimeoutMs,
    }
  }
  const compileCommand = (
    c: Command | Step,
    inherit: { sudo: boolean; timeoutMs: number; host: Template | null; readonly?: string },
  ): CompiledCommand => (c.probe !== undefined ? compileProbe(c.probe) : compileRun(c, inherit))

  const steps = new Map<string, CompiledStep>()
  for (const name of valid.stepNames) {
    const s = (rb.steps as Record<string, Step>)[name]!
    lets = compileLets(valid.lets.steps.get(name) ?? [], runbookLets)
    const use = valid.uses.get(name)
    const inherit = {
      sudo: s.sudo ?? defaults.sudo,
      timeoutMs: s.timeout ? ms(s.timeout) : defaults.timeoutMs,
      host: s.host !== undefined ? template(s.host) : null,
      ...(s.readonly !== undefined ? { readonly: s.readonly } : {}),
    }
    const base = {
      name,
      title: s.title,
      next: compileNext(name, s.next, lets),
      onFailure: s.on_failure,
      onTimeout: s.on_timeout,
      onError: s.on_error,
      onRollback: s.on_rollback,
      action: use?.action,
    }
    const byKind = (kind: StepKind): CompiledStep => {
      switch (kind) {
        case 'run':
          return { ...base, kind, command: fromAction(compileRun(s, inherit), use?.action) }
        case 'probe':
          return { ...base, kind, command: compileProbe(s.probe!) }
        case 'parallel':
          return {
            ...base,
            kind,
            parallel: Object.entries(s.parallel ?? {}).map(
              ([sub, c]) => [sub, fromAction(compileCommand(c!, inherit), valid.uses.get(`${name}.${sub}`)?.action)] as const,
            ),
          }
        case 'fix':
          return {
            ...base,
            kind,
            fix: {
              ...compileFix(s.fix!, defaults, parser, lets),
              ...(use
                ? {
                    action: {
                      id: use.action,
                      overrides: use.overrides,
                      inputs: use.inputs.map((i) => ({ name: i.name, value: compileTemplate(`\${{ ${i.cel} }}`, lets) })),
                    },
                  }
                : {}),
            },
          }
        case 'branch':
          return { ...base, kind }
        default:
          return unhandledKind(kind)
      }
    }
    steps.set(name, byKind(valid.kindOf(name)))
  }
  lets = runbookLets
  const outcomes = new Map<string, CompiledOutcome>()
  for (const [name, o] of Object.entries(rb.outcomes as Record<string, Outcome>)) {
    outcomes.set(name, {
      name,
      severity: o.severity,
      summary: template(o.summary),
      evidence: (o.evidence ?? []).map((e): CompiledEvidence =>
        typeof e === 'string'
          ? { template: template(e) }
          : { step: e.step, contains: e.contains ? template(e.contains) : null, maxLines: e.max_lines ?? 20 },
      ),
      see: o.see ?? [],
    })
  }

  const machine = buildMachine(rb.name, valid.start, steps, outcomes)
  return {
    name: rb.name,
    summary: rb.summary,
    description: rb.description,
    file: valid.source.file,
    hash: runbookHash(valid),
    params: (rb.params ?? {}) as ParamDecls,
    start: valid.start,
    steps,
    outcomes,
    edges: machineEdges(machine),
    machine,
    valid,
  }
}

/** A run command expanded from an action says so (transcripts and views name the action). */
function fromAction<C extends CompiledCommand>(c: C, action: string | undefined): C {
  return action !== undefined && c.kind === 'run' ? { ...c, action } : c
}

/** The runbook file's hash; with actions, over the file and every action it uses (a changed action changes what runs). */
function runbookHash(valid: ValidRunbook): string {
  if (valid.uses.size === 0) return valid.source.hash
  const actions = [...new Set([...valid.uses.values()].map((u) => `${u.action} ${u.hash}`))].sort()
  return sha256([valid.source.hash, ...actions].join('\n'))
}

function compileNext(step: string, next: Step['next'], lets: Lets): CompiledTransition[] {
  if (next === undefined) return []
  if (typeof next === 'string') return [{ guard: null, to: next, edge: `${step}#0` }]
  return next.map((t, i) => ({ guard: t.if === undefined ? null : compileExpr(t.if, lets), to: t.goto, edge: `${step}#${i}` }))
}

function compileFix(
  f: Fix,
  defaults: { sudo: boolean; timeoutMs: number },
  parser: (n: string | undefined) => CompiledRun['parser'],
  lets: Lets,
): CompiledFix {
  const template = (source: string) => compileTemplate(source, lets)
  const expr = (source: string) => compileExpr(source, lets)
  const sudo = f.sudo ?? defaults.sudo
  const timeoutMs = f.timeout ? ms(f.timeout) : defaults.timeoutMs
  const host = f.host !== undefined ? template(f.host) : null
  const run = (cmd: string, parse?: string, vouched?: string): CompiledRun => ({
    kind: 'run',
    run: template(cmd),
    host,
    sudo,
    timeoutMs,
    parser: parser(parse),
    okExit: 'any',
    ...(vouched !== undefined ? { readonly: vouched } : {}),
  })
  const v = f.verify
  return {
    summary: template(f.summary!),
    host,
    sudo,
    timeoutMs,
    check: f.check
      ? { run: run(f.check.run!, f.check.parse, f.check.readonly), neededIf: expr(f.check.needed_if ?? 'result.exitCode == 0') }
      : null,
    apply: f.apply!.map((c) => template(c)),
    verify: v
      ? {
          command: v.probe
            ? {
                kind: 'probe',
                probe: v.probe.tcp !== undefined ? 'tcp' : v.probe.ping !== undefined ? 'ping' : 'http',
                target: template((v.probe.tcp ?? v.probe.ping ?? v.probe.http)!),
                count: v.probe.count ?? DEFAULTS.probeCount,
                timeoutMs: v.probe.timeout ? ms(v.probe.timeout) : DEFAULTS.probeTimeoutMs,
              }
            : run(v.run!, v.parse, v.readonly),
          expect: expr(v.expect ?? (v.probe ? 'result.ok' : 'result.exitCode == 0')),
          retries: v.retries ?? 0,
          intervalMs: v.interval ? ms(v.interval) : DEFAULTS.verifyIntervalMs,
        }
      : null,
    rollback: (f.rollback ?? []).map((c) => template(c)),
    access: f.access ? { confirmWithinMs: f.confirm_within ? ms(f.confirm_within) : DEFAULTS.confirmWithinMs } : null,
    preflight: (f.preflight ?? []).map((p) => ({
      run: run(p.run, p.parse, p.readonly),
      expect: expr(p.expect ?? 'result.exitCode == 0'),
      message: template(p.message),
    })),
    files: (f.files ?? []).map((file) => ({ path: template(file.path), content: template(file.content), mode: file.mode ?? '0644' })),
  }
}

// -----------------------------------------------------------------------------------------------
// The machine

/** Guard scope for a transition taken on an actor's output (the step's fresh record). */
export function scopeFor(context: RunContext, step: string, record: StepRecord | undefined): ExprScope {
  const steps = record ? { ...context.steps, [step]: record } : context.steps
  return { params: context.params, result: record?.result ?? null, steps, facts: context.facts }
}

function buildMachine(
  name: string,
  start: string,
  steps: ReadonlyMap<string, CompiledStep>,
  outcomes: ReadonlyMap<string, CompiledOutcome>,
): AnyStateMachine {
  const exprs = new Map<string, Expr>()
  const machineSetup = setup({
    types: {} as { context: RunContext; input: RunInput; output: { final: string } },
    actors: {
      step: notProvided('step'),
      fixCheck: notProvided('fixCheck'),
      approve: notProvided('approve'),
      fixApply: notProvided('fixApply'),
      fixVerify: notProvided('fixVerify'),
      fixRollback: notProvided('fixRollback'),
    },
    actions: {
      // Side effects (events) are the engine's: it provides these.
      enter: (_, _params: { step: string }) => {},
      finish: (_, _params: { final: string }) => {},
      /** First action of every transition: the engine records the edge taken (engine/run.ts). */
      transition: (_, _params: { edge: string }) => {},
      record: assign(({ context, event }, params: { step: string }) => ({
        steps: { ...context.steps, [params.step]: (event as unknown as { output: StepRecord }).output },
      })),
    },
    guards: {
      cel: ({ context, event }, params: { step: string; edge: string; fromOutput: boolean }) => {
        const record = params.fromOutput ? (event as unknown as { output: StepRecord }).output : context.steps[params.step]
        return evaluateGuard(exprs.get(params.edge)!, scopeFor(context, params.step, record))
      },
      status: ({ event }, params: { is: StepStatus[] }) => params.is.includes((event as unknown as { output: StepRecord }).output.status),
      resultStatus: ({ event }, params: { is: FixStatus }) =>
        ((event as unknown as { output: StepRecord }).output.result as { status?: FixStatus } | null)?.status === params.is,
      dryRun: ({ context }) => context.facts.mode === 'dry-run',
    },
  })

  const states: Record<string, unknown> = {}
  const recordAction = (step: string) => ({ type: 'record', params: { step } })
  const nextTransitions = (s: CompiledStep, fromOutput: boolean, prefix: string) =>
    s.next.map((t) => {
      if (t.guard) exprs.set(t.edge, t.guard)
      return {
        target: prefix + t.to,
        ...(t.guard ? { guard: { type: 'cel', params: { step: s.name, edge: t.edge, fromOutput } } } : {}),
        ...(fromOutput ? { actions: [recordAction(s.name)] } : {}),
        description: t.edge,
        meta: { via: t.guard?.source ?? 'default' },
      }
    })
  const crash = (edge: string) => ({ target: ref(INTERNAL_FINALS.aborted), description: edge, meta: { via: 'crash', internal: true } })

  for (const s of steps.values()) {
    const entry = [{ type: 'enter', params: { step: s.name } }]
    if (s.kind === 'branch') {
      states[s.name] = { entry, always: nextTransitions(s, false, ref('')) }
      continue
    }
    if (s.kind === 'fix') {
      states[s.name] = fixState(s, entry, nextTransitions(s, false, ref('')), crash)
      continue
    }
    const onDone: unknown[] = []
    const handler = (is: StepStatus[], to: string | undefined, name: string) => {
      if (to !== undefined)
        onDone.push({
          target: ref(to),
          guard: { type: 'status', params: { is } },
          actions: [recordAction(s.name)],
          description: `${s.name}~${name}`,
          meta: { via: name },
        })
    }
    handler(['timeout'], s.onTimeout, 'on_timeout')
    handler(s.onTimeout === undefined ? ['error', 'timeout'] : ['error'], s.onError, 'on_error')
    handler(['failed'], s.onFailure, 'on_failure')
    onDone.push({
      target: ref(INTERNAL_FINALS.aborted),
      guard: { type: 'status', params: { is: ['failed', 'timeout', 'error'] } },
      actions: [recordAction(s.name)],
      description: `${s.name}~unhandled`,
      meta: { via: 'unhandled failure', internal: true },
    })
    onDone.push(...nextTransitions(s, true, ref('')))
    states[s.name] = {
      entry,
      invoke: {
        src: 'step',
        input: ({ context }: { context: RunContext }) => ({ step: s.name, context }),
        onDone,
        onError: crash(`${s.name}~crash`),
      },
    }
  }
  for (const o of outcomes.values()) {
    states[o.name] = { type: 'final', entry: [{ type: 'finish', params: { final: o.name } }] }
  }
  for (const f of Object.values(INTERNAL_FINALS)) {
    states[f] = { type: 'final', entry: [{ type: 'finish', params: { final: f } }] }
  }
  announceTransitions(states)
  return machineSetup.createMachine({
    id: ROOT,
    initial: start,
    context: ({ input }: { input: RunInput }) => ({ params: input.params, facts: input.facts, steps: {} }),
    states,
  } as never) as unknown as AnyStateMachine
}

/**
 * Every transition (an object with a `target` and the edge id as its `description`, in `on`,
 * `onDone`, `onError` or `always`, at any depth) runs the `transition` action first, so the engine
 * learns each edge taken from the machine itself, not from xstate's inspection internals.
 */
function announceTransitions(config: unknown): void {
  if (Array.isArray(config)) {
    for (const c of config) announceTransitions(c)
    return
  }
  if (config === null || typeof config !== 'object') return
  const node = config as Record<string, unknown>
  if (typeof node.description === 'string' && 'target' in node) {
    const actions = node.actions === undefined ? [] : Array.isArray(node.actions) ? node.actions : [node.actions]
    node.actions = [{ type: 'transition', params: { edge: node.description } }, ...actions]
  }
  for (const [key, value] of Object.entries(node)) {
    // Guards, inputs and params hold no transitions.
    if (key !== 'guard' && key !== 'params' && key !== 'input') announceTransitions(value)
  }
}

function fixState(s: CompiledFixStep, entry: unknown[], next: unknown[], crash: (edge: string) => unknown): unknown {
  const n = s.name
  const input = ({ context }: { context: RunContext }) => ({ step: n, context })
  const record = [{ type: 'record', params: { step: n } }]
  const ok = { type: 'status', params: { is: ['ok'] } }
  /** Taken when the fix's phase ended in this status (typed: a misspelt status is a compile error). */
  const fixIs = (is: FixStatus) => ({ guard: { type: 'resultStatus', params: { is } } })
  const t = (target: string, edge: string, via: string, extra: Record<string, unknown> = {}, internal = false) => ({
    target,
    actions: record,
    description: `${n}.${edge}`,
    meta: internal ? { via, internal: true } : { via },
    ...extra,
  })
  const stage = (src: string, onDone: unknown[]) => ({ invoke: { src, input, onDone, onError: crash(`${n}.${src}~crash`) } })
  const errorTarget = s.onError !== undefined ? ref(s.onError) : ref(INTERNAL_FINALS.aborted)
  // Without rollback commands or files to restore, the rollback phase undoes nothing: say so.
  const undoable = s.fix.rollback.length > 0 || s.fix.files.length > 0
  const afterRollback =
    s.onRollback !== undefined ? ref(s.onRollback) : ref(undoable ? INTERNAL_FINALS.rolledBack : INTERNAL_FINALS.unverified)
  return {
    entry,
    initial: 'check',
    states: {
      check: stage('fixCheck', [
        t(ref(INTERNAL_FINALS.refused), 'check~refused', 'pre-flight failed', fixIs('refused'), true),
        t(
          errorTarget,
          'check~error',
          s.onError !== undefined ? 'on_error' : 'unhandled failure',
          { guard: { type: 'status', params: { is: ['failed', 'timeout', 'error'] } } },
          s.onError === undefined,
        ),
        t('done', 'check~not_needed', 'not needed', fixIs('not_needed')),
        t(ref(INTERNAL_FINALS.proposed), 'check~proposed', 'dry-run', { guard: 'dryRun' }),
        t('approve', 'check~needed', 'needed'),
      ]),
      approve: stage('approve', [
        t('apply', 'approve~approved', 'approved', fixIs('approved')),
        t(ref(INTERNAL_FINALS.declined), 'approve~declined', 'declined', {}, true),
      ]),
      apply: stage('fixApply', [
        t(ref(INTERNAL_FINALS.refused), 'apply~refused', 'host locked', fixIs('refused'), true),
        t(ref(INTERNAL_FINALS.declined), 'apply~declined', 're-planned and declined', fixIs('declined'), true),
        t('done', 'apply~not_needed', 'no longer needed', fixIs('not_needed'), true),
        t('verify', 'apply~ok', 'applied', { guard: ok }),
        t('rollback', 'apply~failed', 'apply failed', {}, true),
      ]),
      verify: stage('fixVerify', [t('done', 'verify~ok', 'verified', { guard: ok }), t('rollback', 'verify~failed', 'verify failed')]),
      rollback: stage('fixRollback', [
        t(afterRollback, 'rollback~ok', undoable ? 'rolled back' : 'not verified, no rollback declared', { guard: ok }),
        t(ref(INTERNAL_FINALS.rollbackFailed), 'rollback~failed', 'rollback failed', {}, true),
      ]),
      done: { always: next },
    },
  }
}

interface StateNodeLike {
  key: string
  path: string[]
  states: Record<string, StateNodeLike>
  transitions: Map<string, Array<{ description?: string; target?: StateNodeLike[]; meta?: { via?: string; internal?: boolean } }>>
  always?: Array<{ description?: string; target?: StateNodeLike[]; meta?: { via?: string; internal?: boolean } }>
}

/** Read every transition back from the machine's state nodes (the machine graph, not our config). */
export function machineEdges(machine: AnyStateMachine): EdgeInfo[] {
  const edges: EdgeInfo[] = []
  const walk = (node: StateNodeLike) => {
    const defs = [...[...node.transitions.values()].flat(), ...(node.always ?? [])]
    for (const d of defs) {
      if (!d.description) continue
      edges.push({
        id: d.description,
        from: node.path.join('.'),
        to: (d.target ?? []).map((t) => t.path.join('.')).join(',') || node.path.join('.'),
        via: d.meta?.via ?? '',
        internal: d.meta?.internal ?? false,
      })
    }
    for (const child of Object.values(node.states)) walk(child)
  }
  walk(machine.root as unknown as StateNodeLike)
  return edges
}
