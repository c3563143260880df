/**
 * Draws a RunModel as a tree of steps (live or final) and the outcome block. Pure: lines in,
 * lines out; the live view decides when to redraw, the replay renderer just prints them.
 */
import type { FixPhase, RunStatus, Severity } from '../types.ts'
import { formatDuration, renderLine, tail, type Segment, type Style, labelled } from './ansi.ts'
import { lockUpkeep } from '../shared/lock-upkeep.ts'
import { intentText } from '../shared/plan-text.ts'
import { pendingFix, type CommandNode, type ProbeNode, type RunModel, type StepDisplay, type StepNode } from './model.ts'

export interface TreeOptions {
  width: number
  color: boolean
  verbose: boolean
  /** Spinner frame; only meaningful while steps are running. */
  frame?: number
  /** Clock for running durations (live view); finished nodes carry their own. */
  now?: number
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']

const GLYPH: Readonly<Record<Exclude<StepDisplay, 'running'>, Segment>> = {
  ok: ['✓', 'green'],
  failed: ['✗', 'red'],
  error: ['✗', 'red'],
  timeout: ['⏱', 'yellow'],
  branch: ['•', 'blue'],
  proposed: ['!', 'yellow'],
  declined: ['⊘', 'yellow'],
  unfinished: ['?', 'magenta'],
}

const SEVERITY_STYLE: Readonly<Record<Severity, Style>> = { ok: 'green', info: 'blue', warning: 'yellow', critical: 'red' }

/** The exit status in words, for the last line an on-call engineer reads. */
export const STATUS_WORDS: Readonly<Record<RunStatus, string>> = {
  healthy: 'healthy, nothing to do',
  problem: 'a problem was diagnosed; no fix was proposed',
  'fix-proposed': 'a fix was proposed; nothing was changed',
  'fix-applied': 'the fix was applied and verified',
  'fix-rolled-back': 'the fix failed verification and was rolled back',
  'fix-unverified': 'the fix was applied but not verified, and it declares no rollback: nothing was undone; the host needs a human now',
  'rollback-failed': 'the fix failed and so did its rollback: the host needs a human now',
  refused: 'the fix was refused (a dry-run: would be refused) before it changed anything',
  incomplete: 'the run could not finish',
}

const PHASE_LABEL: Readonly<Record<FixPhase, string>> = { check: 'check   ', apply: 'apply   ', verify: 'verify  ', rollback: 'rollback' }

/**
 * One line with a flexible middle: prefix and suffix stay whole, the middle gives way. Keeps the
 * exit code and duration visible when a long command is cut to the terminal width.
 */
function fit(prefix: Segment[], flex: Segment, suffix: Segment[], o: TreeOptions): string {
  const len = (segs: Segment[]): number => segs.reduce((n, [t]) => n + [...t].length, 0)
  const room = o.width - len(prefix) - len(suffix)
  const [text, style] = flex
  const chars = [...text]
  const cut = chars.length > room ? chars.slice(0, Math.max(8, room - 1)).join('') + '…' : text
  return renderLine([...prefix, [cut, style], ...suffix], o.width, o.color)
}

function runningFor(startedAt: number, o: TreeOptions): string {
  return o.now !== undefined ? formatDuration(Math.max(0, o.now - startedAt)) : ''
}

function spinner(o: TreeOptions): Segment {
  return [SPINNER[(o.frame ?? 0) % SPINNER.length] ?? '*', 'cyan']
}

/** ` → exit 0 (12 ms)`, ` → exit 127 (command not found)`, ` → refused: ...`. */
export function commandSuffix(c: CommandNode, o: TreeOptions): Segment[] {
  const r = c.result
  const took: Segment = [r ? ` (${formatDuration(r.durationMs)})` : '', 'dim']
  switch (c.status) {
    case 'running':
      // Without a clock this is a static picture (final tree, replay): the command never finished.
      if (o.now === undefined) return [[' → did not finish', 'magenta']]
      return [[' '], spinner(o), [` ${runningFor(c.startedAt, o)}`, 'dim']]
    case 'ok':
      return [[' → exit 0', 'green'], took]
    case 'failed':
      return [[` → ${r?.signal ? `killed by SIG${r.signal}` : `exit ${r?.exitCode ?? '?'}`}`, 'red'], took]
    case 'timeout':
      return [[` → timed out after ${formatDuration(c.spec.timeoutMs)}`, 'yellow'], took]
    case 'error':
      return [[` → ${c.error?.kind ?? 'error'}: ${c.error?.message ?? ''}`, 'red']]
  }
}

function outputLines(c: CommandNode, indent: string, o: TreeOptions): string[] {
  const r = c.result
  if (!r) return []
  // Without --verbose a failed command still shows why (its last stderr lines); output stays hidden.
  const out = o.verbose ? tail(r.stdout, 3) : []
  const err = o.verbose || c.status !== 'ok' ? tail(r.stderr, o.verbose ? 3 : 2) : []
  return [
    ...out.map((l) =>
      renderLine(
        [
          [indent + '  ', 'dim'],
          [l, 'dim'],
        ],
        o.width,
        o.color,
      ),
    ),
    ...err.map((l) =>
      renderLine(
        [
          [indent + '  ', 'dim'],
          [l, 'red'],
        ],
        o.width,
        o.color,
      ),
    ),
  ]
}

function probeLine(p: ProbeNode, head: string, o: TreeOptions): string {
  const what = p.spec.kind === 'http' ? p.spec.url : `${p.spec.kind} ${p.spec.host}${p.spec.kind === 'tcp' ? `:${p.spec.port}` : ''}`
  const res: Segment = p.result.ok ? [' → ok', 'green'] : [` → failed${p.result.error ? `: ${p.result.error.message}` : ''}`, 'red']
  return fit(
    [[head, 'dim'], ...(p.sub ? [[`${p.sub}  `, 'cyan'] as Segment] : [])],
    [what],
    [res, [` (${formatDuration(p.result.durationMs)})`, 'dim']],
    o,
  )
}

function commandLine(c: CommandNode, head: string, cont: string, o: TreeOptions): string[] {
  const label: Segment[] = c.phase ? [[`${PHASE_LABEL[c.phase]} `, 'magenta']] : c.sub ? [[`${c.sub}  `, 'cyan']] : []
  return [fit([[head, 'dim'], ...label, ['$ ', 'dim']], [c.spec.command], commandSuffix(c, o), o), ...outputLines(c, cont, o)]
}

/** Commands and probes of a run/probe/parallel step, as children of the step. */
function childLines(step: StepNode, o: TreeOptions): string[] {
  const children: ((head: string, cont: string) => string[])[] = [
    ...step.probes.map((p) => (head: string) => [probeLine(p, head, o)]),
    ...step.commands.filter((c) => !c.phase).map((c) => (head: string, cont: string) => commandLine(c, head, cont, o)),
  ]
  return children.flatMap((draw, i) => (i === children.length - 1 ? draw('  └─ ', '     ') : draw('  ├─ ', '  │  ')))
}

/** A fix step reads in lifecycle order: check, plan, approval, apply, verify, rollback. */
function fixLines(step: StepNode, o: TreeOptions): string[] {
  const f = step.fix
  const pad = '     '
  const line = (segs: Segment[]): string => renderLine([[pad], ...segs], o.width, o.color)
  // The host lock's lease is the engine's housekeeping: shown with --verbose (and in --json), or when it failed.
  const shown = (c: CommandNode): boolean => o.verbose || c.status !== 'ok' || lockUpkeep(c.spec.command) === undefined
  const phase = (p: FixPhase): string[] =>
    step.commands.filter((c) => c.phase === p && shown(c)).flatMap((c) => commandLine(c, pad, pad, o))
  const lines = phase('check')
  if (!f) return [...lines, ...phase('apply'), ...phase('verify'), ...phase('rollback')]
  if (f.notNeeded) lines.push(line([['✓ not needed: ', 'green'], [f.summary]]))
  if (f.plan) {
    // Intent first: the action and its inputs, then the commands.
    if (f.intent) lines.push(fit([[pad], ['does     ', 'magenta']], [intentText(f.intent)], [], o))
    lines.push(
      line([
        ['plan     ', 'magenta'],
        [`on ${f.plan.host}${f.plan.sudo ? ' (sudo)' : ''}, plan ${f.plan.hash.slice(0, 12)}`, 'dim'],
      ]),
    )
    // Compact in the tree: the first line of each command (the full plan comes with the outcome).
    const first = (c: string) => {
      const [head = '', ...more] = c.trim().split('\n')
      return more.length ? `${head} … (+${more.length} lines)` : head
    }
    for (const c of f.plan.apply) lines.push(fit([[pad + '  apply:    ', 'dim']], [first(c)], [], o))
    for (const c of f.plan.rollback) lines.push(fit([[pad + '  rollback: ', 'dim']], [first(c)], [], o))
    for (const file of f.plan.files) {
      lines.push(fit([[pad + '  file:     ', 'dim']], [file.path], [], o))
      for (const l of file.diff.split('\n').filter((x) => /^[-+@ ]/.test(x) && !/^(---|\+\+\+) /.test(x)))
        lines.push(fit([[pad + '    ', 'dim']], [l, l.startsWith('+') ? 'green' : l.startsWith('-') ? 'red' : 'dim'], [], o))
    }
    for (const v of f.plan.vouched ?? [])
      lines.push(fit([[pad + "  read-only by the author's word: ", 'dim']], [`${first(v.command)} (${v.reason})`], [], o))
    if (f.plan.access)
      lines.push(
        line([
          ['access   ', 'magenta'],
          [`commit-confirmed: reverts by itself within ${formatDuration(f.plan.access.confirmWithinMs)} unless verified`, 'yellow'],
        ]),
      )
  }
  for (const n of f.notes)
    lines.push(
      line([
        ['safety   ', 'magenta'],
        [n, 'dim'],
      ]),
    )
  const d = f.decision
  if (d)
    lines.push(
      line([
        ['approval ', 'magenta'],
        d.approved ? [`✓ approved by ${d.by}`, 'green'] : [`⊘ declined by ${d.by}: ${d.reason ?? ''}`, 'yellow'],
      ]),
    )
  else if (f.plan && !f.notNeeded && step.status === 'proposed')
    lines.push(
      line([
        ['approval ', 'magenta'],
        ['not asked (dry-run)', 'yellow'],
      ]),
    )
  else if (f.plan && !f.notNeeded && step.status === 'running')
    lines.push(
      line([
        ['approval ', 'magenta'],
        ['waiting…', 'yellow'],
      ]),
    )
  lines.push(...phase('apply'), ...phase('verify'))
  if (f.verified !== undefined) lines.push(line([['verified ', 'magenta'], f.verified ? ['✓ yes', 'green'] : ['✗ no', 'red']]))
  lines.push(...phase('rollback'))
  if (f.rolledBack !== undefined)
    lines.push(line([['rollback ', 'magenta'], f.rolledBack ? ['✓ rolled back', 'yellow'] : ['✗ ROLLBACK FAILED', 'red']]))
  return lines
}

function stepLines(s: StepNode, o: TreeOptions): string[] {
  const glyph: Segment = s.status === 'running' ? spinner(o) : GLYPH[s.status]
  const took = s.status === 'running' ? runningFor(s.startedAt, o) : s.durationMs !== undefined ? formatDuration(s.durationMs) : ''
  const title = s.title ?? s.fix?.summary ?? ''
  const head = fit([glyph, [' '], [s.id, 'bold'], [title ? '  ' : '']], [title, 'dim'], [[took ? `  ${took}` : '', 'dim']], o)
  const lines = [head]
  if (s.error) lines.push(renderLine([['     '], [`${s.error.kind}: ${s.error.message}`, 'red']], o.width, o.color))
  lines.push(...childLines(s, o))
  if (s.kind === 'fix' || s.fix) lines.push(...fixLines(s, o))
  if (s.next)
    lines.push(
      fit(
        [
          ['  → ', 'dim'],
          [s.next.to, 'bold'],
        ],
        [s.next.via === 'default' ? '' : `  (${s.next.via})`, 'dim'],
        [],
        o,
      ),
    )
  return lines
}

/** Header plus every step: the live view redraws it, the final view prints it once. */
export function treeLines(m: RunModel, o: TreeOptions): string[] {
  const head: Segment[] = [
    [`runbook ${m.runbook ?? '?'}`, 'bold'],
    [` · ${m.mode ?? '?'}`, m.mode === 'apply' ? 'red' : 'cyan'],
  ]
  if (m.targets.length > 0) head.push([` · on ${m.targets.join(', ')}`, 'dim'])
  return [renderLine(head, o.width, o.color), ...m.steps.flatMap((s) => stepLines(s, o))]
}

/**
 * Severity, summary, evidence, the exact commands of a fix still to apply, and the exit status in
 * words. Never truncated: these are the lines someone copies into a terminal or a ticket.
 */
export function outcomeLines(m: RunModel, o: Pick<TreeOptions, 'color'> & { verbose?: boolean }): string[] {
  const line = (segs: Segment[]): string => renderLine(segs, Infinity, o.color)
  const lines: string[] = ['']
  const out = m.outcome
  if (out) {
    lines.push(line([[out.severity.toUpperCase(), SEVERITY_STYLE[out.severity]], ['  '], [out.summary, 'bold']]))
    if (out.evidence.some((x) => o.verbose || x.command === undefined || lockUpkeep(x.command) === undefined))
      lines.push(line([['  evidence:', 'dim']]))
    // Evidence the engine's lock upkeep left (its commands' output) is housekeeping: --verbose shows it.
    for (const ev of out.evidence.filter((x) => o.verbose || x.command === undefined || lockUpkeep(x.command) === undefined)) {
      if (ev.step || ev.command) lines.push(line([[`    ${ev.step ?? ''}${ev.command ? ` $ ${ev.command}` : ''}`, 'dim']]))
      const text = ev.text.trimEnd()
      if (text === '') lines.push(line([['      (no output)', 'dim']]))
      for (const t of text === '' ? [] : text.split('\n')) lines.push(line([[`      ${t}`]]))
    }
    if (out.see?.length) lines.push(line([['  see also: ', 'dim'], [out.see.map((r) => `runbook show ${r}`).join(', ')]]))
  } else {
    lines.push(line([['NO OUTCOME', 'red'], ['  the run reached no outcome']]))
  }
  const pending = pendingFix(m)
  if (pending) {
    const { plan, decision } = pending.fix
    lines.push('', line([[`Proposed fix (${pending.step}): `, 'bold'], [pending.fix.summary]]))
    if (pending.fix.intent) lines.push(line([['  does:     ', 'dim'], [intentText(pending.fix.intent)]]))
    lines.push(line([[`  on ${plan.host}${plan.sudo ? ' with sudo' : ''}, plan ${plan.hash.slice(0, 12)}`, 'dim']]))
    for (const [label, cmds] of [
      ['apply:   ', plan.apply],
      ['verify:  ', plan.verify],
      ['rollback:', plan.rollback],
    ] as const) {
      for (const c of cmds)
        for (const l of labelled(`  ${label} `, c)) lines.push(line([[l.slice(0, label.length + 3), 'dim'], [l.slice(label.length + 3)]]))
    }
    for (const file of plan.files) {
      lines.push(line([['  file:     ', 'dim'], [file.path]]))
      for (const l of file.diff.split('\n').filter((x) => /^[-+@ ]/.test(x) && !/^(---|\+\+\+) /.test(x)))
        lines.push(line([[`    ${l}`, l.startsWith('+') ? 'green' : l.startsWith('-') ? 'red' : 'dim']]))
    }
    if (plan.access)
      lines.push(
        line([
          [
            `  access:   commit-confirmed: the host reverts by itself within ${formatDuration(plan.access.confirmWithinMs)} unless verified`,
            'yellow',
          ],
        ]),
      )
    if (decision && !decision.approved) lines.push(line([[`  declined by ${decision.by}: ${decision.reason ?? ''}`, 'yellow']]))
    const refused = m.finished?.status === 'refused'
    lines.push(
      line([
        [
          refused
            ? '  Nothing was changed, and --apply would refuse this fix: its pre-flight check fails.'
            : '  Nothing was changed: run again with --apply to apply.',
          refused ? 'red' : 'yellow',
        ],
      ]),
    )
  }
  const f = m.finished
  lines.push('')
  if (f) {
    const words = `${STATUS_WORDS[f.status]}${f.error ? `: ${f.error.code} ${f.error.message}` : ''}`
    const style: Style =
      f.exitCode === 0
        ? 'green'
        : f.status === 'incomplete' || f.status === 'rollback-failed' || f.status === 'fix-unverified'
          ? 'red'
          : 'yellow'
    lines.push(line([[`Exit ${f.exitCode} (${f.status}): `, style], [words], [`  in ${formatDuration(f.durationMs)}`, 'dim']]))
  } else {
    lines.push(line([['Unfinished: ', 'red'], ['the record ends before run.finished (interrupted or crashed)']]))
  }
  return lines
}
