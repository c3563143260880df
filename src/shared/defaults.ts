/**
 * Every default of runbook in one object, so that a value a user may wonder about ("how long until
 * a command times out?") has one place to look. Durations in milliseconds. The SSH executor's own
 * defaults, each overridable by a `RUNBOOK_SSH_*` env var, are here too (read by executors/pool.ts).
 */
export const DEFAULTS = Object.freeze({
  /** A command's timeout when neither the runbook (`defaults.timeout`, a step's `timeout`) nor `runbook exec --timeout` sets one. */
  commandTimeoutMs: 30_000,
  /** A probe's timeout, and how many packets or attempts it makes. */
  probeTimeoutMs: 5_000,
  probeCount: 3,
  /** The engine's own commands on a host (lock, revert schedule, a fresh login to verify an access fix). */
  housekeepingTimeoutMs: 30_000,
  /**
   * The lease lock a fix holds on its host (engine/fix.ts): how long it lasts, how often it is
   * renewed, and how much of it must be left, as last confirmed, for a change to start without
   * asking the host again.
   */
  hostLock: { ttlS: 30, renewMs: 10_000, confirmBeforeMs: 10_000 },
  /** Pause between a fix's verify attempts (`verify.interval`). */
  verifyIntervalMs: 1_000,
  /** Commit-confirmed access fixes: the host reverts by itself unless verified within this (`confirm_within`). */
  confirmWithinMs: 60_000,
  /** Alert triggers: one alert starts one run within this window (`once_within`). */
  onceWithin: '1h',
  /** `runbook serve` / `worker`: runs at once, how long one may run, how long an approval request waits. */
  concurrency: 4,
  runTimeoutMs: 30 * 60_000,
  approvalTtlMs: 15 * 60_000,
  /** `runbook worker` on BullMQ: how long a job's lock lasts between renewals, and how often stalled jobs are looked for. */
  queueLockMs: 30_000,
  queueStalledIntervalMs: 30_000,
  /** The local executor (`--local`, commands run "from here"): bytes kept per stream, SIGTERM→SIGKILL grace, the shell. */
  local: {
    maxOutputBytes: 8 * 1024 * 1024,
    killGraceMs: 500,
    shell: '/bin/sh',
  },
  /** The SSH executor; each can be overridden by the `RUNBOOK_SSH_*` env var named beside it. */
  ssh: {
    connectTimeoutMs: 10_000, // RUNBOOK_SSH_CONNECT_TIMEOUT_MS
    keepaliveIntervalMs: 15_000, // RUNBOOK_SSH_KEEPALIVE_INTERVAL_MS
    keepaliveCountMax: 3, // RUNBOOK_SSH_KEEPALIVE_COUNT_MAX
    idleTimeoutMs: 300_000, // RUNBOOK_SSH_IDLE_TIMEOUT_MS
    maxOutputBytes: 4 * 1024 * 1024, // RUNBOOK_SSH_MAX_OUTPUT_BYTES
    // 1: each command runs behind a watcher that kills it on the host when the executor gives up on
    // it (remote-command.ts). 0 sends commands bare, for hosts whose login shell is not a POSIX sh;
    // a timed-out command then keeps running there.
    guardCommands: 1, // RUNBOOK_SSH_GUARD_COMMANDS
    // 1: the first command of a connection starts a keeper (remote-command.ts) that does the
    // watcher's work for every later command not run through sudo, without a fork per command.
    // 0: each command has its own watcher.
    keeper: 1, // RUNBOOK_SSH_KEEPER
  },
})
