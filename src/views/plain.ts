/**
 * Append-only text for logs, pipes and CI: one line (or a short block) per meaningful event, no
 * escape codes, nothing redrawn, so `grep` and `tail -f` work on it.
 */
import type { CommandResult, ExecFailure, RunEvent } from '../types.ts'
import { formatDuration, renderLine, tail } from './ansi.ts'
import { dispatch, type EventHandlers, type RunModel } from './model.ts'
import { outcomeLines } from './tree.ts'
import { lockUpkeep } from '../shared/lock-upkeep.ts'
import { planLines } from '../shared/plan-text.ts'

export interface PlainOptions {
  verbose: boolean
}

/** `12:00:01` in the operator's local time: what they compare with their watch and their graphs. */
function clock(at: string): string {
  const d = new Date(at)
  if (Number.isNaN(d.getTime())) return '??:??:??'
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':')
}

function resultText(result: CommandResult | undefined, error: ExecFailure | undefined, timeoutMs: number): string {
  if (error) return `${error.kind}: ${error.message}`
  if (!result) return 'no result'
  const took = ` (${formatDuration(result.durationMs)})`
  if (result.timedOut) return `timed out after ${formatDuration(timeoutMs)}${took}`
  if (result.exitCode === null) return `killed${result.signal ? ` by SIG${result.signal}` : ''}${took}`
  return `exit ${result.exitCode}${took}${result.truncated ? ', output truncated' : ''}`
}

const indent = (prefix: string, lines: string[]): string[] => lines.map((l) => `${prefix}${l}`)

/**
 * Lines for one event. The model has already folded the event in: the outcome block is drawn from
 * it, so a plain log ends with the same summary as the terminal.
 */
export function plainLines(e: RunEvent, m: RunModel, o: PlainOptions): string[] {
  const ts = `[${clock(e.at)}]`
  const handlers: EventHandlers<string[]> = {
    'run.started': (e) => [
      `${ts} run ${e.runbook} (${e.mode}) on ${e.targets.join(', ') || 'no host'} by ${e.operator}, runbook ${e.hash.slice(0, 12)}`,
    ],
    'step.started': (e) => [`${ts} step ${e.step}: started${e.title ? ` (${e.title})` : ''}`],
    // The finished line carries everything; the start only matters to someone watching a slow command.
    'command.started': (e) => (o.verbose ? [`  ${label(e)}$ ${e.spec.command} ...`] : []),
    'command.finished': (e) => {
      // The host lock's lease is the engine's housekeeping, not the fix: --verbose and --json show it.
      if (!o.verbose && lockUpkeep(e.spec.command) && e.result?.exitCode === 0) return []
      const r = e.result
      const failed = e.error !== undefined || r?.exitCode !== 0
      return [
        `  ${label(e)}$ ${e.spec.command} → ${resultText(r, e.error, e.spec.timeoutMs)}`,
        ...indent('      ', o.verbose && r ? tail(r.stdout, 5) : []),
        ...indent('    ! ', r && (o.verbose || failed) ? tail(r.stderr, o.verbose ? 5 : 3) : []),
      ]
    },
    'probe.finished': (e) => {
      const s = e.spec
      const what = s.kind === 'http' ? s.url : `${s.kind} ${s.host}${s.kind === 'tcp' ? `:${s.port}` : ''}`
      const res = e.result.ok ? 'ok' : `failed${e.result.error ? `: ${e.result.error.kind}: ${e.result.error.message}` : ''}`
      return [`  ${e.sub ? `[${e.sub}] ` : ''}probe ${what} → ${res} (${formatDuration(e.result.durationMs)})`]
    },
    'result.parsed': (e) => (o.verbose ? [`  ${e.sub ? `[${e.sub}] ` : ''}parsed by ${e.parser}: ${preview(e.value)}`] : []),
    'step.finished': (e) => [
      `${ts} step ${e.step}: ${e.status} (${formatDuration(e.durationMs)})${e.error ? `: ${e.error.kind}: ${e.error.message}` : ''}`,
    ],
    // The guard in full is in the transcript; one line here is enough to follow the run.
    transition: (e) => [
      `transition ${e.from} → ${e.to}${e.via === 'default' ? '' : ` (${e.via.length > 100 ? `${e.via.slice(0, 99)}…` : e.via})`}`,
    ],
    // Intent first (the action and its inputs), then every command in full.
    'fix.proposed': (e) => [`${ts} fix ${e.step}: proposed: ${e.summary}`, ...planLines(e, '    ', formatDuration)],
    'fix.preflight': (e) => [
      `${ts} fix ${e.step}: pre-flight ${
        e.ok
          ? 'ok'
          : `FAILED: ${e.checks
              .filter((c) => !c.ok)
              .map((c) => c.message)
              .join('; ')}`
      }`,
    ],
    'fix.refused': (e) => [`${ts} fix ${e.step}: REFUSED: ${e.reason}`],
    'fix.replanned': (e) => [
      `${ts} fix ${e.step}: the host changed since plan ${e.from.slice(0, 12)}: re-planned as ${e.to.slice(0, 12)}, asking again`,
    ],
    'lock.acquired': (e) => (o.verbose ? [`${ts} lock on ${e.host} taken (${e.lock})`] : []),
    'lock.refused': (e) => [`${ts} lock on ${e.host} held by ${e.holder}`],
    'lock.released': (e) => (o.verbose ? [`${ts} lock on ${e.host} released`] : []),
    'fix.backup': (e) => e.files.map((b) => `${ts} fix ${e.step}: ${b.backup ? `backed up ${b.path} → ${b.backup}` : `${b.path} is new`}`),
    'fix.revert_scheduled': (e) => [`${ts} fix ${e.step}: revert scheduled on ${e.host} for ${e.at} (${e.mechanism}) unless verified`],
    'fix.revert_cancelled': (e) => [`${ts} fix ${e.step}: scheduled revert cancelled`],
    'fix.not_needed': (e) => [`${ts} fix ${e.step}: not needed: ${e.summary}`],
    'fix.approved': (e) => [`${ts} fix ${e.step}: approved by ${e.by}`],
    'fix.declined': (e) => [`${ts} fix ${e.step}: declined by ${e.by}: ${e.reason}`],
    'fix.applied': (e) => [`${ts} fix ${e.step}: applied`],
    'fix.in_doubt': (e) => [`${ts} fix ${e.step}: IN DOUBT: ${e.reason}; verify decides`],
    'fix.verified': (e) => [`${ts} fix ${e.step}: ${e.ok ? 'verified' : 'verification FAILED'}`],
    'fix.rolled_back': (e) => [`${ts} fix ${e.step}: ${e.ok ? 'rolled back' : 'ROLLBACK FAILED: the host needs a human now'}`],
    // The outcome block waits for run.finished, which adds the exit status to it.
    outcome: () => [],
    'run.finished': () => outcomeLines(m, { color: false, verbose: o.verbose }),
  }
  // Strip control characters a command or its output may carry: the log stays one record per line.
  return dispatch(handlers, e).map((l) => renderLine([[l]], Infinity, false))
}

function label(e: { sub?: string; phase?: string }): string {
  return e.phase ? `${e.phase} ` : e.sub ? `[${e.sub}] ` : ''
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? 'undefined'
  return text.length > 200 ? `${text.slice(0, 199)}…` : text
}
