// Generated from schemas/runbook.schema.json by `npm run gen:types`. Do not edit.

/**
 * A duration like 500ms, 3s, 2m, 1h.
 */
export type Duration = string
/**
 * A CEL expression over params, result, steps and facts.
 */
export type Cel = string
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
 * Text with ${{ CEL }} interpolations. In commands, interpolated values are shell-quoted by the engine: do not quote them yourself.
 */
export type Template = string
/**
 * Exit codes that count as success (default [0]), or "any".
 */
export type OkExit = 'any' | [number, ...number[]]
/**
 * Where to go after the step: a step or outcome name, or an ordered list of {if, goto} ending with a default (no if).
 */
export type Next = StepName | [Transition, ...Transition[]]
export type StepName = string
export type Evidence =
  | Template
  | {
      step: StepName
      /**
       * Text with ${{ CEL }} interpolations. In commands, interpolated values are shell-quoted by the engine: do not quote them yourself.
       */
      contains?: string
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
    sudo?: boolean
  }
  let?: Lets
  /**
   * First step. Defaults to the first step listed.
   */
  start?: string
  steps: {
    [k: string]: Step | undefined
  }
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
  description?: string
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
  min?: number
  max?: number
}
/**
 * Named CEL expressions every step and outcome can read by name (not param defaults).
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
  let?: Lets1
  /**
   * A read-only shell command on the target.
   */
  run?: string
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
  sudo?: boolean
  timeout?: Duration
  parse?: string
  ok_exit?: OkExit
  next?: Next
  /**
   * Where to go when the command exits with a code not in ok_exit.
   */
  on_failure?: string
  /**
   * Where to go when the command or probe times out.
   */
  on_timeout?: string
  /**
   * Where to go when the command cannot run (connection refused, DNS, host key, auth) or its output cannot be parsed.
   */
  on_error?: string
  /**
   * fix: where to go after a failed verify was rolled back.
   */
  on_rollback?: string
}
/**
 * Named CEL expressions only this step's fields (commands, fix, next guards) can read by name, besides the runbook's.
 */
export interface Lets1 {
  [k: string]: Cel | undefined
}
/**
 * A check from the operator's machine: exactly one of tcp, ping, http.
 */
export interface Probe {
  /**
   * host:port ([v6]:port).
   */
  tcp?: string
  /**
   * Host or address to ping.
   */
  ping?: string
  /**
   * URL to GET.
   */
  http?: string
  count?: number
  timeout?: Duration
}
/**
 * One read-only command on the target, with its parser.
 */
export interface Command {
  title?: string
  run?: Template
  /**
   * An action to run as this step: <namespace>/<name>, optionally @<version> (actions/<namespace>/<name>.yaml, shipped or on RUNBOOK_PATH). `runbook actions` lists them.
   */
  uses?:
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
   * Text with ${{ CEL }} interpolations. In commands, interpolated values are shell-quoted by the engine: do not quote them yourself.
   */
  host?: string
  sudo?: boolean
  timeout?: Duration
  /**
   * A registered parser (`runbook parsers`).
   */
  parse?: string
  ok_exit?: OkExit
}
/**
 * check → approve → apply → verify → rollback on failure. Only apply and rollback may change the host.
 */
export interface Fix {
  summary?: Template
  host?: Template
  sudo?: boolean
  timeout?: Duration
  check?: Check
  /**
   * @minItems 1
   */
  apply?: [Template, ...Template[]]
  verify?: Verify
  rollback?: Template[]
  /**
   * The fix may cut access (sshd, firewall, networking): it runs commit-confirmed. A revert is scheduled on the host before apply, verification goes through a NEW connection, and the revert is cancelled only then. Required for commands touching sshd, iptables, nft, ipset or ip.
   */
  access?: boolean
  /**
   * A duration like 500ms, 3s, 2m, 1h.
   */
  confirm_within?: string
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
  /**
   * An action to run as this step: <namespace>/<name>, optionally @<version> (actions/<namespace>/<name>.yaml, shipped or on RUNBOOK_PATH). `runbook actions` lists them.
   */
  uses?:
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
  parse?: string
  /**
   * A CEL expression over params, result, steps and facts.
   */
  needed_if?: string
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
  parse?: string
  /**
   * A CEL expression over params, result, steps and facts.
   */
  expect?: string
  retries?: number
  interval?: Duration
}
export interface Preflight {
  run: Template
  /**
   * Vouch that this command is read-only when the read-only check cannot prove it (a program not on its allow-list, a computed command): say why it changes nothing. Reviewed like code; the reason is recorded with the command in plans and transcripts.
   */
  readonly?: string
  parse?: string
  /**
   * A CEL expression over params, result, steps and facts.
   */
  expect?: string
  /**
   * Text with ${{ CEL }} interpolations. In commands, interpolated values are shell-quoted by the engine: do not quote them yourself.
   */
  message: string
}
export interface FileChange {
  path: Template
  /**
   * Text with ${{ CEL }} interpolations. In commands, interpolated values are shell-quoted by the engine: do not quote them yourself.
   */
  content: string
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
  severity: 'ok' | 'info' | 'warning' | 'critical'
  summary: Template
  evidence?: Evidence[]
  /**
   * Other runbooks worth running next.
   */
  see?: string[]
}
