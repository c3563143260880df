/**
 * The fleet view. On a TTY: one status line redrawn in place (counts by state, ETA), with a line
 * per finished host printed above it. Elsewhere: the same lines, append-only. At the end, hosts
 * grouped by outcome ("7 healthy (reachable): ...; 3 fix proposed (fix_sshguard): web3, web6, web9"),
 * each group's summary and evidence once. `--json`: one line per fleet event.
 */
import { escapeControls } from '../dsl/source-map.ts'
import type { OutcomeGroup } from '../fleet/group.ts'
import type { FleetEvent, NotStarted } from '../fleet/run.ts'
import type { Stop } from '../fleet/schedule.ts'
import { cursor, formatDuration, paint, type Style } from './ansi.ts'

export interface FleetView {
  sink(e: FleetEvent): void
  close(): void
}

type Out = NodeJS.WritableStream & { isTTY?: boolean; columns?: number }

const clean = (s: string): string => escapeControls(s)

const STATUS_STYLE: Record<string, Style> = {
  healthy: 'green',
  'fix-applied': 'green',
  problem: 'yellow',
  'fix-proposed': 'yellow',
  refused: 'red',
  'fix-rolled-back': 'red',
  incomplete: 'red',
  error: 'red',
  'fix-unverified': 'red',
  'rollback-failed': 'red',
}

const statusWords = (status: string): string => status.replace(/-/g, ' ')

/** What the fleet summary needs; `runbook replay` rebuilds it from a fleet index and its transcripts. */
export interface FleetSummary {
  runbook: string
  mode: string
  hosts: number
  durationMs: number
  groups: OutcomeGroup[]
  notStarted: NotStarted[]
  stop: Stop | null
  exitCode: number
  index?: string
}

/** The one-line headline: "7 healthy (reachable): web1, ...; 3 fix proposed (fix_sshguard): web3, web6, web9". */
export function headline(groups: readonly OutcomeGroup[]): string {
  return groups
    .map(
      (g) =>
        `${g.hosts.length} ${statusWords(g.status)} (${g.fixStep && g.outcomeId.startsWith('_') ? g.fixStep : g.outcomeId}): ${g.hosts.join(', ')}`,
    )
    .join('; ')
}

export function summaryLines(s: FleetSummary, options: { color?: boolean; verbose?: boolean } = {}): string[] {
  const color = options.color ?? false
  const lines = [
    '',
    paint(`fleet ${s.runbook} (${s.mode}): ${s.hosts} host${s.hosts === 1 ? '' : 's'} in ${formatDuration(s.durationMs)}`, 'bold', color),
  ]
  lines.push(clean(headline(s.groups)))
  for (const g of s.groups) {
    lines.push('', paint(`${g.hosts.length} × ${statusWords(g.status)}: ${g.hosts.join(', ')}`, STATUS_STYLE[g.status], color))
    lines.push(`  ${clean(g.summary)}`)
    if (g.planHash) lines.push(`  fix plan group ${g.planHash.slice(0, 12)} (one plan for all ${g.hosts.length}, host name as <host>)`)
    if (g.evidence.length > 0 && (g.status !== 'healthy' || options.verbose)) {
      lines.push(paint(`  evidence (from ${g.evidenceFrom}${g.hosts.length > 1 ? ', shown once for the group' : ''}):`, 'dim', color))
      for (const e of g.evidence) {
        if (e.command)
          lines.push(paint(`    $ ${clean(e.command.split('\n')[0] ?? '')}${e.command.includes('\n') ? ' …' : ''}`, 'dim', color))
        for (const l of e.text.split('\n')) lines.push(`    ${clean(l)}`)
      }
    }
  }
  if (s.stop) lines.push('', paint(`stopped: ${clean(s.stop.message)}`, 'red', color))
  const never = s.notStarted.filter((n) => n.phase === 'diagnose').map((n) => n.host)
  const notApplied = s.notStarted.filter((n) => n.phase === 'apply').map((n) => n.host)
  if (never.length > 0) lines.push(paint(`never started (${never.length}): ${never.join(', ')}`, 'red', color))
  if (notApplied.length > 0)
    lines.push(paint(`fix never started (${notApplied.length}, diagnosed only): ${notApplied.join(', ')}`, 'red', color))
  if (s.index) lines.push(`fleet index: ${s.index}`)
  lines.push(`exit ${s.exitCode}`)
  return lines
}

/**
 * @example
 * const view = createFleetView(process.stdout, { color: true })
 * await runFleet(compiled, { ...options, onEvent: view.sink })
 * view.close()
 */
export function createFleetView(
  out: Out,
  options: { color?: boolean; verbose?: boolean; index?: string; now?: () => number } = {},
): FleetView {
  const color = options.color ?? false
  const tty = out.isTTY === true
  const now = options.now ?? Date.now
  let runbook = ''
  let mode = ''
  let total = 0
  let concurrency = 1
  let phase = 'diagnose'
  let phaseHosts = 0
  let startedAt = 0
  const running = new Set<string>()
  const finished: number[] = [] // durations in this phase
  const counts = new Map<string, number>()
  let statusShown = false

  const status = (): string => {
    const done = finished.length
    const queued = Math.max(0, phaseHosts - done - running.size)
    const avg = done > 0 ? finished.reduce((a, b) => a + b, 0) / done : undefined
    const eta = avg === undefined ? '?' : formatDuration(avg * Math.ceil((queued + running.size) / Math.max(1, concurrency)))
    const byState = [...counts.entries()].map(([k, v]) => `${v} ${statusWords(k)}`).join(' · ')
    return `${phase}: ${done}/${phaseHosts} done · ${running.size} running · ${queued} queued${byState ? ` · ${byState}` : ''} · ETA ${eta}`
  }
  const print = (lines: string[]): void => {
    if (tty && statusShown) out.write(`\r${cursor.clearLine}`)
    if (lines.length > 0) out.write(lines.join('\n') + '\n')
    if (tty) {
      out.write(paint(status().slice(0, Math.max(20, (out.columns ?? 100) - 1)), 'dim', color))
      statusShown = true
    }
  }

  const handlers: { [K in FleetEvent['type']]: (e: Extract<FleetEvent, { type: K }>) => void } = {
    'fleet.started': (e) => {
      runbook = e.runbook
      mode = e.mode
      total = e.hosts.length
      concurrency = e.concurrency
      startedAt = e.at
      print([paint(`fleet ${e.runbook} (${e.mode})`, 'bold', color), ...e.plan.map((l) => `  ${l}`)])
    },
    'fleet.phase': (e) => {
      phase = e.phase === 'apply' && e.group ? `apply ${e.group.hash.slice(0, 12)}` : e.phase
      phaseHosts = e.hosts.length
      finished.length = 0
      counts.clear()
      print(
        e.group
          ? [paint(`apply fix group ${e.group.hash.slice(0, 12)} on ${e.hosts.length} host(s): ${e.hosts.join(', ')}`, 'bold', color)]
          : [],
      )
    },
    'fleet.group': (e) => {
      print([
        paint(`fix group ${e.hash.slice(0, 12)} (${e.step}) on ${e.hosts.length} host(s): ${e.hosts.join(', ')}`, 'bold', color),
        `  ${clean(e.summary)}`,
        e.approved
          ? paint(`  approved by ${clean(e.by)}`, 'green', color)
          : paint(`  not approved (${clean(e.reason ?? 'declined')}): not applied`, 'yellow', color),
      ])
    },
    'host.started': (e) => {
      running.add(e.host)
      print([])
    },
    'host.finished': (e) => {
      running.delete(e.host)
      finished.push(e.durationMs)
      counts.set(e.status, (counts.get(e.status) ?? 0) + 1)
      const text = `  ${e.host.padEnd(10)} ${paint(statusWords(e.status).padEnd(15), STATUS_STYLE[e.status], color)} ${formatDuration(e.durationMs).padStart(7)}  ${clean((e.outcome?.summary ?? '').split('\n')[0] ?? '')}`
      print([text])
    },
    'fleet.stopped': (e) => {
      // An interruption stops the running hosts too (each at its current step); the other stops let them finish.
      const running = e.reason === 'interrupted' ? 'running hosts stopped at their current step' : 'running hosts finish'
      print([paint(`stopping: ${clean(e.message)}; no new host starts, ${running}`, 'red', color)])
    },
    'fleet.finished': (e) => {
      if (tty && statusShown) out.write(`\r${cursor.clearLine}`)
      statusShown = false
      const lines = summaryLines(
        {
          runbook,
          mode,
          hosts: total,
          durationMs: e.durationMs || now() - startedAt,
          groups: e.groups,
          notStarted: e.notStarted,
          stop: e.stop,
          exitCode: e.exitCode,
          ...(options.index ? { index: options.index } : {}),
        },
        { color, verbose: options.verbose ?? false },
      )
      out.write(lines.join('\n') + '\n')
    },
  }
  return {
    sink: (e) => (handlers[e.type] as (x: FleetEvent) => void)(e),
    close: () => {
      if (tty && statusShown) out.write(`\r${cursor.clearLine}`)
      statusShown = false
    },
  }
}

/** `--json`: every fleet event as one line. */
export function createFleetJsonView(out: NodeJS.WritableStream): FleetView {
  return { sink: (e) => void out.write(JSON.stringify(e) + '\n'), close: () => {} }
}
