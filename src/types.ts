/**
 * Shared domain types. No logic lives here: every module of the data flow
 * (dsl → compile → engine → views) speaks these shapes.
 */

/** A position in a runbook source file, 1-based like editors show it. */
export interface SourcePos {
  file: string
  line: number
  col: number
}

export type Mode = 'dry-run' | 'apply'

/** The engine's own operations on a host around a fix (engine/host-ops.ts builds their scripts). */
export type EngineOp = 'lock.acquire' | 'lock.renew' | 'lock.release' | 'revert.schedule' | 'revert.cancel' | 'files.backup'

/**
 * One command to run on one host. `command` is a complete POSIX shell command line: every value
 * interpolated into it has already been quoted by the engine (`shared/quote.ts`), so an executor
 * runs it as is (`sh -c command`), wrapped in `sudo -n` when `sudo` is set.
 */
export interface CommandSpec {
  /** Host name as the operator gave it (inventory name, alias, `user@host:port`) or `local`. */
  host: string
  command: string
  sudo: boolean
  timeoutMs: number
  /** True only for `fix.apply` and `fix.rollback` commands. Executors may refuse mutating commands. */
  mutating: boolean
  /**
   * Engine housekeeping that is not part of the run's story (renewing a lock lease): not recorded
   * in transcripts, and answered with success by the replay executor.
   */
  housekeeping?: boolean
  /**
   * Mutating, but safe to run again when a crash left it unfinished (cancelling a scheduled revert,
   * releasing the run's own lock). Other mutating commands left unfinished are never run again.
   */
  repeatable?: boolean
  /** The runbook author's reason why this diagnostic is read-only (`readonly:`), where the check could not prove it. */
  readonly?: string
  /** The action (`namespace/name@version`) whose body this command comes from, when its step says `uses:`. */
  action?: string
  /**
   * The engine's own host operation this command is (`lock.acquire`, `revert.schedule`... see
   * `EngineOp`). Replays and resumed runs match it by this name on its host,
   * not by its script, so a recording stays valid when a later version of runbook changes the script.
   */
  engine?: EngineOp
}

/**
 * What a finished command gave back. A command that ran and failed (non-zero exit, killed by its
 * timeout) is a normal result, not an exception: runbooks branch on it.
 */
export interface CommandResult {
  /** Exit status, or null when the command was killed by a signal or never exited (timeout). */
  exitCode: number | null
  /** Signal name (`KILL`, `TERM`, ...) when the command was killed by one. */
  signal: string | null
  stdout: string
  stderr: string
  durationMs: number
  /** The command ran past `timeoutMs` and was killed. */
  timedOut: boolean
  /** Output was cut at the executor's cap; the tail was dropped. */
  truncated?: boolean
}

/**
 * Why a command could not be run at all (as opposed to running and failing). Runbooks branch on
 * these kinds through `on_error` / `on_timeout` and `steps.<id>.error.kind`.
 */
export type ExecFailureKind =
  | 'dns'
  | 'refused'
  | 'timeout'
  | 'unreachable'
  | 'host-key-mismatch'
  | 'host-key-unknown'
  | 'auth-failed'
  | 'channel-failed'
  | 'command-timeout'
  | 'spawn-failed'
  | 'parse-failed'
  | 'aborted'
  /**
   * A mutating command that was started before the service stopped and whose end was never
   * recorded: it may or may not have run. Never run again (server resume, service/journal.ts).
   */
  | 'in-doubt'

export const EXEC_FAILURE_KINDS: readonly ExecFailureKind[] = [
  'dns',
  'refused',
  'timeout',
  'unreachable',
  'host-key-mismatch',
  'host-key-unknown',
  'auth-failed',
  'channel-failed',
  'command-timeout',
  'spawn-failed',
  'parse-failed',
  'aborted',
  'in-doubt',
]

/** The serialisable form of a failure, as it appears in step results and transcripts. */
export interface ExecFailure {
  kind: ExecFailureKind
  message: string
  /** Extra facts, e.g. `{ fingerprint: 'SHA256:...' }` for host-key errors. */
  detail?: Record<string, string>
}

/**
 * "Run this command there." Executors know nothing of runbooks.
 *
 * Contract: `exec` resolves with a CommandResult whenever the command was started (whatever its
 * exit code; a command killed by its timeout resolves with `timedOut: true`). It rejects with an
 * `ExecError` (src/errors.ts) only when the command could not be run: connection refused, DNS,
 * host key, authentication, channel refused. It must never hang: `spec.timeoutMs` and `signal`
 * both bound it.
 */
export interface Executor {
  exec(spec: CommandSpec, signal?: AbortSignal): Promise<CommandResult>
  close(): Promise<void>
}

/** Checks made from the operator's machine (never on the target). */
export type ProbeSpec =
  | { kind: 'tcp'; host: string; port: number; timeoutMs: number }
  | { kind: 'ping'; host: string; count: number; timeoutMs: number }
  | { kind: 'http'; url: string; timeoutMs: number }

export interface ProbeResult {
  /** tcp: connected; ping: at least one reply; http: got a response with a status < 500. */
  ok: boolean
  /** tcp only: same as ok. */
  open?: boolean
  /** http only. */
  status?: number
  /** ping only: replies received / sent, average round trip. */
  received?: number
  sent?: number
  rttMs?: number
  /** Why it failed, when it did. */
  error?: ExecFailure
  durationMs: number
}

export interface Prober {
  probe(spec: ProbeSpec, signal?: AbortSignal): Promise<ProbeResult>
}

/**
 * Where commands go. The engine asks for an executor per host; an implementation may pool
 * connections (one per host, reused by every step of a run).
 */
export interface ExecutorFactory {
  executor(host: string): Executor
  /**
   * An executor on a NEW connection, not the pooled one: commit-confirmed fixes verify that a fresh
   * login along the operator's own path still works. The caller closes it. Optional: factories
   * without connections (local, replay) may return their usual executor.
   */
  fresh?(host: string): Executor
  /** This machine's address as `host` would see a direct connection from us (param defaults: facts.operator_ip). */
  sourceAddress?(host: string): Promise<string | undefined>
  /** The hop commands to `host` go through (inventory bastion or ProxyJump), if any (facts.bastion). */
  bastionOf?(host: string): string | undefined
  /**
   * Start connecting to `host` now, before its first command asks (a fleet warms the hosts that
   * start first while it sets up). Never throws; a failed attempt is what that first command gets.
   */
  warm?(host: string): void
  /**
   * The caller is done with `host` for good (a fleet that will not run it again): its connection
   * may close now instead of at `close()`. Never throws; a later command would connect again.
   */
  release?(host: string): void
  prober: Prober
  close(): Promise<void>
}

/** A parsed result: whatever a parser returns, JSON-serialisable. */
export type ParsedValue = unknown

export type Severity = 'ok' | 'info' | 'warning' | 'critical'
export type StepKind = 'run' | 'probe' | 'parallel' | 'fix' | 'branch'
export type StepStatus = 'ok' | 'failed' | 'timeout' | 'error'
export type FixPhase = 'check' | 'apply' | 'verify' | 'rollback'

/**
 * Where a fix stands: the `status` of a fix step's `result`, set by the engine (engine/fix.ts),
 * read by the compiled machine's guards and by runbooks (`if: result.status == "not_needed"`,
 * `steps.fix_x.result.status` in a summary). The validator refuses a comparison with any other string.
 */
export const FIX_STATUSES = [
  /** check: the problem is there, a plan is made (dry-run stops here). */
  'needed',
  /** check (or the re-check before applying): nothing to do. */
  'not_needed',
  /** the check command itself failed. */
  'check-failed',
  /** a pre-flight failed, or another run holds the host's lock: nothing was changed. */
  'refused',
  'approved',
  'declined',
  'applied',
  'apply-failed',
  /** the service stopped during an apply command: only verify can tell whether it ran. */
  'in-doubt',
  'verified',
  'verify-failed',
  'rolled_back',
  'rollback-failed',
  /** not verified and nothing declared to undo it with: left as it is, for a human. */
  'not-rolled-back',
] as const
export type FixStatus = (typeof FIX_STATUSES)[number]

/** One file a fix writes, with the unified diff between what the host has now and what it will have. */
export interface FileChange {
  path: string
  /** sha256 of the current content, or null when the file does not exist yet. */
  before: string | null
  after: string
  /** Unified diff (`--- path` / `+++ path`), read from the host, never guessed. */
  diff: string
}

/** The exact commands a fix would run, rendered with the run's params. */
export interface FixPlan {
  host: string
  sudo: boolean
  check: string[]
  apply: string[]
  verify: string[]
  rollback: string[]
  /** Files the fix writes (backed up first, restored on rollback). */
  files: FileChange[]
  /** The fix may cut access: it runs commit-confirmed, with a revert scheduled on the host. */
  access: { confirmWithinMs: number } | null
  /** Check, verify and preflight commands their author vouched read-only (`readonly:`), with the reason. */
  vouched?: Array<{ command: string; reason: string }>
  /** sha256 of everything above; approval binds to it. */
  hash: string
}

/**
 * What a fix that comes from an action means to do: the action (`namespace/name@version`) and its
 * inputs, rendered. Shown before the exact commands; outside the plan and its hash (the commands
 * the plan lists are what runs, and what an approval binds to).
 */
export interface FixIntent {
  action: string
  inputs: Array<{ name: string; value: string }>
}

/** A line (or lines) that prove an outcome, and where they came from. */
export interface Evidence {
  step?: string
  command?: string
  text: string
}

/** How a run ended, which decides the exit code (see EXIT in errors.ts). */
export type RunStatus =
  | 'healthy'
  | 'problem'
  | 'fix-proposed'
  | 'fix-applied'
  | 'fix-rolled-back'
  /** Applied (or half applied), not verified, and no rollback declared: nothing was undone. */
  | 'fix-unverified'
  | 'rollback-failed'
  | 'refused'
  | 'incomplete'

export const TRANSCRIPT_VERSION = 1

/** Every observable thing of a run. One discriminated union: views map over `type`. */
export type RunEventBody =
  | {
      type: 'run.started'
      transcriptVersion: number
      runbook: string
      /** sha256 of the runbook source file. */
      hash: string
      tool: { name: 'runbook'; version: string }
      mode: Mode
      params: Record<string, unknown>
      targets: string[]
      operator: string
      startedAt: string
      /** Identifies the run on the hosts it locks; replays reuse it. */
      runId?: string
    }
  | { type: 'step.started'; step: string; kind: StepKind; title?: string }
  | { type: 'command.started'; step: string; sub?: string; phase?: FixPhase; spec: CommandSpec }
  | {
      type: 'command.finished'
      step: string
      sub?: string
      phase?: FixPhase
      spec: CommandSpec
      result?: CommandResult
      error?: ExecFailure
    }
  | { type: 'probe.finished'; step: string; sub?: string; spec: ProbeSpec; result: ProbeResult }
  | { type: 'result.parsed'; step: string; sub?: string; parser: string; value: unknown }
  | { type: 'step.finished'; step: string; status: StepStatus; durationMs: number; error?: ExecFailure }
  | {
      type: 'transition'
      from: string
      to: string
      /** The CEL guard that was true, or the handler that fired. */
      via: string
      /** Stable id of the transition in the compiled machine (for coverage). */
      edge: string
    }
  | { type: 'fix.proposed'; step: string; summary: string; plan: FixPlan; intent?: FixIntent }
  | { type: 'fix.not_needed'; step: string; summary: string }
  | { type: 'fix.preflight'; step: string; ok: boolean; checks: Array<{ command: string; ok: boolean; message: string }> }
  | { type: 'fix.refused'; step: string; reason: string }
  | { type: 'fix.replanned'; step: string; from: string; to: string; plan: FixPlan }
  | { type: 'fix.approved'; step: string; planHash: string; by: string }
  | { type: 'fix.declined'; step: string; planHash: string; by: string; reason: string }
  | { type: 'lock.acquired'; host: string; lock: string; owner: string; expiresInMs: number }
  | { type: 'lock.refused'; host: string; lock: string; holder: string }
  | { type: 'lock.released'; host: string; lock: string }
  | { type: 'fix.backup'; step: string; host: string; files: Array<{ path: string; backup: string | null; existed: boolean }> }
  | {
      type: 'fix.revert_scheduled'
      step: string
      host: string
      id: string
      mechanism: 'systemd-run' | 'background'
      windowMs: number
      at: string
    }
  | { type: 'fix.revert_cancelled'; step: string; host: string; id: string }
  | { type: 'fix.applied'; step: string; planHash: string }
  /** The service stopped during this apply command: whether it ran is unknown, so verify decides. */
  | { type: 'fix.in_doubt'; step: string; planHash: string; command: string; reason: string }
  | { type: 'fix.verified'; step: string; ok: boolean }
  | { type: 'fix.rolled_back'; step: string; ok: boolean }
  | { type: 'outcome'; id: string; severity: Severity; summary: string; evidence: Evidence[]; see?: string[] }
  | { type: 'run.finished'; status: RunStatus; exitCode: number; durationMs: number; error?: { code: string; message: string } }

export type RunEvent = { seq: number; at: string } & RunEventBody
export type RunEventType = RunEventBody['type']

/** Time comes from here, never from Date directly, so runs can be replayed and tested (engine/clock.ts). */
export interface Clock {
  now(): number
  /** Wait `ms` of this clock's time; rejects when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>
}
