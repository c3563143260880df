/**
 * RunEvents as pino log lines: info tells the story (steps, transitions, fixes), warn flags what
 * failed, error marks a run that could not finish, debug carries command output. Full stdout never
 * goes out at info: a chatty `journalctl` must not flood the operator's log pipeline.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import pino, { type Level, type Logger } from 'pino'
import type { CommandResult, RunEvent, RunStatus } from '../types.ts'
import { tail } from './ansi.ts'
import { dispatch, type EventHandlers } from './model.ts'

/** What one event becomes: a level, a few fields, a short message. */
interface LogLine {
  level: Level
  fields: Record<string, unknown>
  msg: string
}

/** Output kept at debug: enough to diagnose, bounded so one command cannot make a 100 MB line. */
const DEBUG_OUTPUT_CHARS = 16 * 1024

const RUN_LEVEL: Readonly<Record<RunStatus, Level>> = {
  healthy: 'info',
  problem: 'info',
  'fix-proposed': 'info',
  'fix-applied': 'info',
  'fix-rolled-back': 'warn',
  'fix-unverified': 'error',
  'rollback-failed': 'error',
  refused: 'warn',
  incomplete: 'error',
}

const keepEnd = (s: string): string => (s.length > DEBUG_OUTPUT_CHARS ? `…${s.slice(-DEBUG_OUTPUT_CHARS)}` : s)

function failed(r: CommandResult | undefined): boolean {
  return r === undefined || r.timedOut || r.exitCode !== 0
}

const lines: EventHandlers<LogLine[]> = {
  'run.started': (e) => [
    {
      level: 'info',
      fields: { runbook: e.runbook, mode: e.mode, hash: e.hash, targets: e.targets, operator: e.operator, version: e.tool.version },
      msg: `run ${e.runbook} started (${e.mode})`,
    },
  ],
  'step.started': (e) => [{ level: 'info', fields: { step: e.step, kind: e.kind }, msg: `step ${e.step} started` }],
  'command.started': (e) => [
    {
      level: 'debug',
      fields: { step: e.step, sub: e.sub, phase: e.phase, host: e.spec.host, command: e.spec.command, sudo: e.spec.sudo },
      msg: `command started on ${e.spec.host}`,
    },
  ],
  'command.finished': (e) => {
    const r = e.result
    const base = { step: e.step, sub: e.sub, phase: e.phase, host: e.spec.host, command: e.spec.command }
    const bad = e.error !== undefined || failed(r)
    const summary: LogLine = {
      level: bad ? 'warn' : 'info',
      fields: {
        ...base,
        exitCode: r?.exitCode,
        signal: r?.signal ?? undefined,
        timedOut: r?.timedOut || undefined,
        durationMs: r?.durationMs,
        stdoutBytes: r ? Buffer.byteLength(r.stdout) : undefined,
        // The reason a command failed is usually its last stderr lines; a few are worth a warn.
        stderrTail: bad && r ? tail(r.stderr, 3) : undefined,
        error: e.error,
      },
      msg: e.error ? `command could not run: ${e.error.kind}` : bad ? 'command failed' : 'command finished',
    }
    const output: LogLine[] = r
      ? [{ level: 'debug', fields: { ...base, stdout: keepEnd(r.stdout), stderr: keepEnd(r.stderr) }, msg: 'command output' }]
      : []
    return [summary, ...output]
  },
  'probe.finished': (e) => [
    {
      level: 'info',
      fields: { step: e.step, sub: e.sub, probe: e.spec, ok: e.result.ok, durationMs: e.result.durationMs, error: e.result.error },
      msg: `probe ${e.spec.kind} ${e.result.ok ? 'ok' : 'failed'}`,
    },
  ],
  'result.parsed': (e) => [
    { level: 'debug', fields: { step: e.step, sub: e.sub, parser: e.parser, value: e.value }, msg: `parsed by ${e.parser}` },
  ],
  'step.finished': (e) => [
    {
      level: e.status === 'ok' ? 'info' : 'warn',
      fields: { step: e.step, status: e.status, durationMs: e.durationMs, error: e.error },
      msg: `step ${e.step} ${e.status}`,
    },
  ],
  transition: (e) => [{ level: 'info', fields: { from: e.from, to: e.to, via: e.via, edge: e.edge }, msg: `${e.from} → ${e.to}` }],
  'fix.proposed': (e) => [
    {
      level: 'info',
      fields: {
        step: e.step,
        summary: e.summary,
        host: e.plan.host,
        sudo: e.plan.sudo,
        planHash: e.plan.hash,
        apply: e.plan.apply,
        rollback: e.plan.rollback,
      },
      msg: `fix ${e.step} proposed`,
    },
  ],
  'fix.not_needed': (e) => [{ level: 'info', fields: { step: e.step, summary: e.summary }, msg: `fix ${e.step} not needed` }],
  'fix.approved': (e) => [{ level: 'info', fields: { step: e.step, planHash: e.planHash, by: e.by }, msg: `fix ${e.step} approved` }],
  'fix.declined': (e) => [
    { level: 'info', fields: { step: e.step, planHash: e.planHash, by: e.by, reason: e.reason }, msg: `fix ${e.step} declined` },
  ],
  'fix.applied': (e) => [{ level: 'info', fields: { step: e.step, planHash: e.planHash }, msg: `fix ${e.step} applied` }],
  'fix.preflight': (e) => [
    {
      level: e.ok ? 'info' : 'warn',
      fields: { step: e.step, ok: e.ok, checks: e.checks },
      msg: `fix ${e.step} pre-flight ${e.ok ? 'ok' : 'failed'}`,
    },
  ],
  'fix.refused': (e) => [{ level: 'warn', fields: { step: e.step, reason: e.reason }, msg: `fix ${e.step} refused` }],
  'fix.replanned': (e) => [{ level: 'warn', fields: { step: e.step, from: e.from, to: e.to }, msg: `fix ${e.step} re-planned` }],
  'lock.acquired': (e) => [{ level: 'info', fields: { host: e.host, lock: e.lock, owner: e.owner }, msg: `lock on ${e.host} taken` }],
  'lock.refused': (e) => [{ level: 'warn', fields: { host: e.host, holder: e.holder }, msg: `lock on ${e.host} held by another run` }],
  'lock.released': (e) => [{ level: 'info', fields: { host: e.host }, msg: `lock on ${e.host} released` }],
  'fix.backup': (e) => [
    { level: 'info', fields: { step: e.step, host: e.host, files: e.files }, msg: `fix ${e.step} backed up ${e.files.length} file(s)` },
  ],
  'fix.revert_scheduled': (e) => [
    {
      level: 'info',
      fields: { step: e.step, host: e.host, id: e.id, mechanism: e.mechanism, at: e.at },
      msg: `fix ${e.step} revert scheduled`,
    },
  ],
  'fix.revert_cancelled': (e) => [
    { level: 'info', fields: { step: e.step, host: e.host, id: e.id }, msg: `fix ${e.step} revert cancelled` },
  ],
  'fix.in_doubt': (e) => [
    { level: 'warn', fields: { step: e.step, planHash: e.planHash, command: e.command }, msg: `fix ${e.step} in doubt: ${e.reason}` },
  ],
  'fix.verified': (e) => [
    {
      level: e.ok ? 'info' : 'warn',
      fields: { step: e.step, ok: e.ok },
      msg: `fix ${e.step} ${e.ok ? 'verified' : 'failed verification'}`,
    },
  ],
  'fix.rolled_back': (e) => [
    {
      level: e.ok ? 'warn' : 'error',
      fields: { step: e.step, ok: e.ok },
      msg: e.ok ? `fix ${e.step} rolled back` : `fix ${e.step} rollback FAILED`,
    },
  ],
  outcome: (e) => [
    {
      level: e.severity === 'warning' || e.severity === 'critical' ? 'warn' : 'info',
      fields: { outcome: e.id, severity: e.severity, summary: e.summary, evidenceCount: e.evidence.length },
      msg: e.summary,
    },
  ],
  'run.finished': (e) => [
    {
      level: RUN_LEVEL[e.status],
      fields: { status: e.status, exitCode: e.exitCode, durationMs: e.durationMs, error: e.error },
      msg: `run finished: ${e.status}`,
    },
  ],
}

/** Events whose every line is at debug: at info (the default) they are skipped before any line is built. */
const DEBUG_ONLY: ReadonlySet<RunEvent['type']> = new Set(['command.started', 'result.parsed'])

/**
 * A sink that logs every event through `logger`. Each line carries `event` (the type) and `seq`,
 * so a log line can be matched to its transcript line.
 *
 * @example
 * const onEvent = createLogSink(pino({ level: 'info' }))
 */
export function createLogSink(logger: Logger): (e: RunEvent) => void {
  // pino does not merge keys: a field the caller already bound (a child logger with `runbook`)
  // would appear twice in one JSON line.
  const bound = new Set(Object.keys(logger.bindings()))
  return (e) => {
    if (DEBUG_ONLY.has(e.type) && !logger.isLevelEnabled('debug')) return
    for (const { level, fields, msg } of dispatch(lines, e)) {
      if (!logger.isLevelEnabled(level)) continue
      const own = Object.fromEntries(Object.entries(fields).filter(([k]) => !bound.has(k)))
      logger[level]({ event: e.type, seq: e.seq, ...own }, msg)
    }
  }
}

/**
 * The run log: pino JSON lines appended to `<stateDir>/runbook.log`, written synchronously (a crash
 * loses no line). Level from --log-level, else $RUNBOOK_LOG_LEVEL, else info.
 */
export function openRunLog(stateDir: string, level: string | undefined, env: NodeJS.ProcessEnv, base: Record<string, unknown>): Logger {
  mkdirSync(stateDir, { recursive: true })
  return pino(
    { level: level ?? env.RUNBOOK_LOG_LEVEL ?? 'info', base },
    pino.destination({ dest: join(stateDir, 'runbook.log'), append: true, sync: true }),
  )
}
