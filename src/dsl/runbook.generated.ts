// Generated from schemas/runbook.schema.json by `npm run gen:types`. Do not edit.

/**
 * A duration like 500ms, 3s, 2m, 1h.
 */
export type Duration = string
/**
 * A CEL expression over params, result, steps and facts.
 */
export type Cel = string
export type StepName = string
/**
 * Text with ${{ CEL }} interpolations. In commands, interpolated values are shell-quoted by the engine: do not quote them yourself.
 */
export type Template = string
/**
 * An action to run as this step: <namespace>/<name>, optionally @<version> (actions/<namespace>/<name>.yaml, shipped or on RUNBOOK_PATH). `runbook actions` lists them.
 */
export type Uses =
  | (
      | 'fail2ban/lift-ban'
      | 'fail2ban/status'
      | 'files/archive-rotated'
      | 'firewall/find-address'
      | 'http/proxy-probe-clients'
      | 'iptables/delete-rules'
      | 'nft/delete-rules'
      | 'process/listener-owners'
      | 'process/owner'
      | 'process/restart-owner'
      | 'sshd/auth-log'
      | 'sshd/harden-dropin'
      | 'sshguard/lift-block'
      | 'systemd/reset-failed-restart'
      | 'tcp/waiting-connections'
    )
  | string
/**
 * A parser name: the built-in ones are listed (`runbook parsers NAME` shows the fields each gives); a program that embeds runbook may register more.
 */
export type Parser =
  | (
      | 'access-log'
      | 'auth-log'
      | 'df'
      | 'du'
      | 'fail2ban-banned'
      | 'fail2ban-status'
      | 'firewall-objects'
      | 'free'
      | 'free-g'
      | 'free-k'
      | 'free-m'
      | 'ipset'
      | 'iptables'
      | 'journal'
      | 'json'
      | 'kv'
      | 'last'
      | 'loadavg'
      | 'meminfo'
      | 'netstat'
      | 'nft'
      | 'ping'
      | 'ps'
      | 'ss'
      | 'ss-summary'
      | 'sshd-config'
      | 'sshguard-log'
      | 'sshguard-whitelist'
      | 'swapon'
      | 'systemctl-failed'
      | 'systemctl-show'
      | 'systemctl-status'
      | 'traceroute'
      | 'uptime'
      | 'vmstat'
      | 'who'
    )
  | string
/**
 * Exit codes that count as success (default [0]), or "any".
 */
export type OkExit = 'any' | [number, ...number[]]
/**
 * Where to go after the step: a step or outcome name, or an ordered list of {if, goto} ending with a default (no if).
 */
export type Next = StepName | [Transition, ...Transition[]]
export type Evidence =
  | Template
  | {
      step: StepName
      contains?: Template
      /**
       * At most this many lines (default 20).
       */
      max_lines?: number
    }

/**
 * A runbook v1: typed params, diagnostic steps, fixes and outcomes. Guards and ${{ }} templates are CEL.
 */
export interface Runbook {
  /**
   * Format version. Always runbook/v1.
   */
  apiVersion: 'runbook/v1'
  /**
   * Runbook name, as typed in `runbook run <name>`.
   */
  name: string
  /**
   * One line: the symptom this runbook handles.
   */
  summary: string
  /**
   * Longer text for `runbook show`.
   */
  description?: string
  /**
   * Typed parameters. A value that does not match its type is refused before anything runs.
   */
  params?: {
    [k: string]: Param | undefined
  }
  /**
   * Defaults for every step.
   */
  defaults?: {
    timeout?: Duration
    /**
     * Run every command with sudo unless a step says otherwise (default false).
     */
    sudo?: boolean
  }
  let?: Lets
  start?: StepName
  /**
   * The steps, by name (lower case, digits, _). The run starts at start (default: the first listed) and follows each step's next until it reaches an outcome.
   */
  steps: {
    [k: string]: Step | undefined
  }
  /**
   * Where a run ends, by name: a severity, a summary and the evidence that proves it. Steps go to them with next/goto.
   */
  outcomes: {
    [k: string]: Outcome | undefined
  }
}
export interface Param {
  /**
   * ip: IPv4/IPv6 address; cidr: network; host: inventory name, hostname, IP or user@host:port; port: 1-65535; unit: systemd unit name; user: login name; path: absolute path; duration: 3s/2m; int; bool; enum: one of values; string: any text, optionally matching pattern.
   */
  type:
    | 'ip'
    | 'cidr'
    | 'host'
    | 'port'
    | 'unit'
    | 'user'
    | 'path'
    | 'duration'
    | 'int'
    | 'bool'
    | 'enum'
    | 'string'
  /**
   * What the parameter is, shown by `runbook show`.
   */
  description?: string
  /**
   * The run is refused without a value (default false). A param with a default is never missing.
   */
  required?: boolean
  /**
   * Default value; must match the type. May be a ${{ }} template.
   */
  default?: string | number | boolean
  /**
   * Never written to transcripts, logs or chat.
   */
  secret?: boolean
  /**
   * string: a regular expression the whole value must match.
   */
  pattern?: string
  /**
   * string: accept a value that starts with '-'. Off by default, because a program may read such a value as an option (-oProxyCommand=...). Negative int values need a negative `min` instead.
   */
  allow_leading_dash?: boolean
  /**
   * enum: the allowed values.
   *
   * @minItems 1
   */
  values?: [string, ...string[]]
  /**
   * int: the smallest value accepted.
   */
  min?: number
  /**
   * int: the largest value accepted.
   */
  max?: number
}
/**
 * Named CEL expressions, written once and read by name in guards, ${{ }} templates and other lets (`if: suspect != null`, `${{ suspect.pids[0] }}`). Each is type-checked once and evaluated where it is used, in the scope of that use, so a let changes no command. A let reads params, steps and facts (not result: write steps.<step>.result) and may read other lets, without cycles.
 */
export interface Lets {
  [k: string]: Cel | undefined
}
/**
 * One step: exactly one of run, probe, parallel, fix, uses (an action); or only next (a branch). A step with uses: may add a fix: that overrides keys of a fix action.
 */
export interface Step {
  /**
   * What the step asks, shown in progress.
   */
  title?: string
  let?: Lets
  run?: Template
  uses?: Uses
  /**
   * Inputs of the action named in uses:, by name. A value is a literal of the input's type or a ${{ }} template over params, steps, facts and lets; a wrong name or type is an error here.
   */
  with?: {
    /**
     * The input's value.
     */
    [k: string]: string | number | boolean | undefined
  }
  /**
   * Vouch that this command is read-only when the read-only check cannot prove it (a program not on its allow-list, a computed command): say why it changes nothing. Reviewed like code; the reason is recorded with the command in plans and transcripts.
   */
  readonly?: string
  probe?: Probe
  /**
   * Read-only commands run at once; result.<name> is each one's result.
   */
  parallel?: {
    [k: string]: Command | undefined
  }
  fix?: Fix
  host?: Template
  /**
   * Run the command with sudo (non-interactive). Default: defaults.sudo, else false.
   */
  sudo?: boolean
  timeout?: Duration
  parse?: Parser
  ok_exit?: OkExit
  next?: Next
  on_failure?: StepName
  on_timeout?: StepName
  on_error?: StepName
  on_rollback?: StepName
}
/**
 * A check from the operator's machine: exactly one of tcp, ping, http.
 */
export interface Probe {
  tcp?: Template
  ping?: Template
  http?: Template
  /**
   * ping: how many echo requests (1-20, default 3).
   */
  count?: number
  timeout?: Duration
}
/**
 * One read-only command on the target, with its parser.
 */
export interface Command {
  /**
   * What this command asks, shown in progress.
   */
  title?: string
  run?: Template
  uses?: Uses
  /**
   * Inputs of the action named in uses:, by name. A value is a literal of the input's type or a ${{ }} template over params, steps, facts and lets; a wrong name or type is an error here.
   */
  with?: {
    /**
     * The input's value.
     */
    [k: string]: string | number | boolean | undefined
  }
  /**
   * Vouch that this command is read-only when the read-only check cannot prove it (a program not on its allow-list, a computed command): say why it changes nothing. Reviewed like code; the reason is recorded with the command in plans and transcripts.
   */
  readonly?: string
  probe?: Probe
  host?: Template
  /**
   * Run the command with sudo (non-interactive). Default: the step's, else defaults.sudo, else false.
   */
  sudo?: boolean
  timeout?: Duration
  parse?: Parser
  ok_exit?: OkExit
}
/**
 * check → approve → apply → verify → rollback on failure. Only apply and rollback may change the host.
 */
export interface Fix {
  summary?: Template
  host?: Template
  /**
   * Run check, apply, verify and rollback with sudo. Default: defaults.sudo, else false.
   */
  sudo?: boolean
  timeout?: Duration
  check?: Check
  /**
   * The commands that change the host, in order; they run only with --apply, after the plan is approved.
   *
   * @minItems 1
   */
  apply?: [Template, ...Template[]]
  verify?: Verify
  /**
   * Commands that undo apply, run when verify fails. Without them a failed fix exits 8 (needs a human).
   */
  rollback?: Template[]
  /**
   * The fix may cut access (sshd, firewall, networking): it runs commit-confirmed. A revert is scheduled on the host before apply, verification goes through a NEW connection, and the revert is cancelled only then. Required for commands touching sshd, iptables, nft, ipset or ip.
   */
  access?: boolean
  confirm_within?: Duration
  /**
   * Read-only checks that must all pass before the fix is approved or applied; a failure refuses the fix and changes nothing.
   */
  preflight?: Preflight[]
  /**
   * Files the fix writes whole. The plan shows a unified diff against the host's current content; each file is backed up first and restored on rollback.
   */
  files?: FileChange[]
}
/**
 * Read-only: is the fix still needed? Runs in dry-run too. A command (run) or a run action (uses).
 */
export interface Check {
  run?: Template
  uses?: Uses
  /**
   * Inputs of the action named in uses:, by name. A value is a literal of the input's type or a ${{ }} template over params, steps, facts and lets; a wrong name or type is an error here.
   */
  with?: {
    /**
     * The input's value.
     */
    [k: string]: string | number | boolean | undefined
  }
  /**
   * Vouch that this command is read-only when the read-only check cannot prove it (a program not on its allow-list, a computed command): say why it changes nothing. Reviewed like code; the reason is recorded with the command in plans and transcripts.
   */
  readonly?: string
  parse?: Parser
  needed_if?: Cel
}
/**
 * Read-only: did the fix work? A command on the target (run) or a probe from here.
 */
export interface Verify {
  run?: Template
  /**
   * Vouch that this command is read-only when the read-only check cannot prove it (a program not on its allow-list, a computed command): say why it changes nothing. Reviewed like code; the reason is recorded with the command in plans and transcripts.
   */
  readonly?: string
  probe?: Probe
  parse?: Parser
  expect?: Cel
  /**
   * How many more times to try verify before rolling back (0-20, default 0).
   */
  retries?: number
  interval?: Duration
}
export interface Preflight {
  run: Template
  /**
   * Vouch that this command is read-only when the read-only check cannot prove it (a program not on its allow-list, a computed command): say why it changes nothing. Reviewed like code; the reason is recorded with the command in plans and transcripts.
   */
  readonly?: string
  parse?: Parser
  expect?: Cel
  message: Template
}
export interface FileChange {
  path: Template
  content: Template
  /**
   * File mode for a new file (default 0644); an existing file keeps its mode.
   */
  mode?: string
}
export interface Transition {
  if?: Cel
  goto: StepName
}
export interface Outcome {
  /**
   * ok (nothing wrong), info, warning or critical: how bad the diagnosed state is.
   */
  severity: 'ok' | 'info' | 'warning' | 'critical'
  summary: Template
  /**
   * What proves the outcome: templates, or {step, contains, max_lines} to quote a step's output.
   */
  evidence?: Evidence[]
  /**
   * Other runbooks worth running next.
   */
  see?: string[]
}
