/**
 * One catalogue of errors with stable codes. Every code has a kind that decides how the CLI treats
 * it (n8n's three kinds): `user` errors print the message and exit 2; `operational` errors are facts
 * about the world (a host that times out) and become part of a diagnosis; `bug` errors print the
 * stack and ask for a report. README.md documents every code (a test checks it).
 */
import type { ExecFailure, ExecFailureKind, SourcePos } from './types.ts'

export type ErrorKind = 'user' | 'operational' | 'bug'

interface CodeInfo {
  kind: ErrorKind
  /** What to do about it, as an instruction. */
  fix: string
}

export const ERROR_CODES = {
  RB_YAML_SYNTAX: {
    kind: 'user',
    fix: 'Fix the YAML at the position shown: indentation, an unclosed quote or bracket, or a value with ": " or a leading "- " that needs quotes.',
  },
  RB_SCHEMA: {
    kind: 'user',
    fix: 'Change the field to match schemas/runbook.schema.json; the message names the field and what it must be.',
  },
  RB_STEP_KIND: { kind: 'user', fix: 'Give each step exactly one of run, probe, parallel, fix, or only next (a branch).' },
  RB_DUPLICATE_STEP: { kind: 'user', fix: 'Rename one of the two steps or outcomes: step and outcome names share one namespace.' },
  RB_UNKNOWN_TARGET: {
    kind: 'user',
    fix: 'Point goto (or on_failure / on_timeout / on_error / on_rollback) at a step or outcome that exists.',
  },
  RB_UNREACHABLE_STEP: { kind: 'user', fix: 'Add a goto that leads to the step, or remove it.' },
  RB_NO_OUTCOME_PATH: { kind: 'user', fix: 'Make sure some transition of the step leads, directly or through other steps, to an outcome.' },
  RB_NO_DEFAULT: { kind: 'user', fix: 'End the next list with an entry that has no `if` (the default).' },
  RB_CEL_SYNTAX: { kind: 'user', fix: 'Fix the CEL expression at the position shown.' },
  RB_CEL_REFERENCE: { kind: 'user', fix: 'Refer only to declared params, existing steps and fields their parser produces.' },
  RB_CEL_TYPE: {
    kind: 'user',
    fix: 'Compare values of one type: an int param with an int (22, not "22"), a string with a string; convert with int(), string() or double() where the types differ on purpose.',
  },
  RB_LET_NAME: {
    kind: 'user',
    fix: "Rename the let: not params, steps, result or facts, not a CEL type name or reserved word, and not the name of a runbook-level let (a step's let cannot hide one).",
  },
  RB_LET_CYCLE: { kind: 'user', fix: 'Break the circle of lets reading each other: write one of them out in full.' },
  RB_PARAM_DEFAULT: { kind: 'user', fix: 'Change the default so that it matches the param type.' },
  RB_MUTATING_OUTSIDE_FIX: { kind: 'user', fix: 'Move the command into a fix (apply or rollback); diagnostic steps must be read-only.' },
  RB_QUOTED_INTERPOLATION: {
    kind: 'user',
    fix: 'Put `${{ }}` in plain word position in shell commands: not inside quotes, backticks, heredocs or comments, nor after a backslash. The engine quotes every value itself; close your quotes before it and reopen them after.',
  },
  RB_UNKNOWN_PARSER: { kind: 'user', fix: 'Use one of the registered parsers listed in the message (runbook parsers lists them).' },
  RB_PARSER_COMMAND: {
    kind: 'user',
    fix: 'Change the command as the message says (runbook parsers shows what each parser reads), or use the parser that reads what it prints.',
  },
  RB_UNKNOWN_ACTION: {
    kind: 'user',
    fix: "Name an action that exists (`runbook actions` lists them): <namespace>/<name>, optionally @<version> matching its file's version.",
  },
  RB_ACTION_INPUT: {
    kind: 'user',
    fix: 'Give the action the inputs it declares (`runbook actions NAME`), each of its type; the message names the input.',
  },
  RB_PARAM_TYPE: { kind: 'user', fix: 'Pass a value of the declared type; the message says what the type accepts.' },
  RB_PARAM_MISSING: { kind: 'user', fix: 'Pass the parameter with --param name=value (or --host for host).' },
  RB_PARAM_UNKNOWN: { kind: 'user', fix: 'Use one of the params the runbook declares (runbook show <name> lists them).' },
  RB_RUNBOOK_NOT_FOUND: { kind: 'user', fix: 'Check the name with `runbook list`, or pass a path to a .yaml file.' },
  RB_NOT_A_RUNBOOK: {
    kind: 'user',
    fix: 'Pass a runbook: a .yaml/.yml file that starts with `apiVersion: runbook/v1`. Nothing of other files is printed (they may hold secrets).',
  },
  RB_INPUT_NOT_FILE: {
    kind: 'user',
    fix: 'Pass a regular file: devices (/dev/zero), FIFOs, sockets and directories are refused unread, since reading them may never end; fix or remove a symlink loop.',
  },
  RB_INPUT_TOO_LARGE: {
    kind: 'user',
    fix: 'Check that the file is the one you meant: runbooks are capped at 8 MiB, transcript events at 64 MiB per line and 64 levels of nesting.',
  },
  RB_YAML_ALIAS: {
    kind: 'user',
    fix: 'Write the values out or use fewer aliases: at most 100 aliases (*name) are expanded (a "billion laughs" document is refused), and each must follow its anchor (&name).',
  },
  RB_USAGE: { kind: 'user', fix: 'See `runbook <command> --help`.' },
  RB_TRANSCRIPT_INVALID: {
    kind: 'user',
    fix: 'Pass a transcript written by `runbook run --transcript` (JSON Lines, first line run.started).',
  },
  RB_REPLAY_DIVERGED: {
    kind: 'operational',
    fix: 'The runbook asked for a command the recording does not have: re-record the fixture, or fix the runbook change that caused it.',
  },
  RB_RESUME_DIVERGED: {
    kind: 'operational',
    fix: 'The resumed run went another way than its journal (did the runbook or a parser change while the server was down?): the run is ended; start it again.',
  },
  RB_REPLAY_MISMATCH: {
    kind: 'operational',
    fix: 'The replay reached another outcome or path than the recording: re-record the fixture if the change is intended.',
  },
  RB_STEP_FAILED: { kind: 'operational', fix: 'Add on_failure / on_timeout / on_error to the step to handle this case as a diagnosis.' },
  RB_PARSE: {
    kind: 'operational',
    fix: 'The command output did not have the expected format: check the command and the parser, or add a fixture for this output.',
  },
  RB_CEL_EVAL: { kind: 'operational', fix: 'Guard the expression against missing fields, e.g. has(result.x) && result.x > 1.' },
  RB_ACCESS_UNMARKED: {
    kind: 'user',
    fix: 'Mark the fix `access: true` (it changes sshd, the firewall or networking): it then runs commit-confirmed, with an automatic revert scheduled on the host.',
  },
  RB_ACCESS_NO_REVERT: {
    kind: 'user',
    fix: 'Give the access fix a rollback (or let it write files, which are restored from backups) so the host can revert by itself.',
  },
  RB_ACCESS_FILE: {
    kind: 'user',
    fix: 'Fix access.yaml at the entry named: identities (token_sha256, roles, slack), roles (lists of rules: verbs, runbooks, hosts, approvals), four_eyes, slack (channels).',
  },
  RB_BAD_REQUEST: {
    kind: 'user',
    fix: 'Send JSON matching the route schema (README "HTTP API"): the message names the field; no unknown fields; bodies up to 64 KiB.',
  },
  RB_UNAUTHENTICATED: {
    kind: 'user',
    fix: 'Send `Authorization: Bearer <token>` with a token whose sha256 is in access.yaml (or RUNBOOK_ADMIN_TOKEN).',
  },
  RB_FORBIDDEN: { kind: 'user', fix: 'Ask for a rule in access.yaml that grants the verb on this runbook and host.' },
  RB_NOT_FOUND: { kind: 'user', fix: 'Check the run id (GET /api/runs lists runs).' },
  RB_APPROVAL_REFUSED: {
    kind: 'user',
    fix: 'Approve the plan hash the run shows now (GET /api/runs/:id), as an identity other than the requester, before the request expires.',
  },
  RB_RUN_FINISHED: { kind: 'user', fix: 'The run has already finished: nothing to cancel.' },
  RB_TRIGGERS_FILE: {
    kind: 'user',
    fix: 'Pass a readable triggers.yaml (a regular file, at most 1 MiB): --triggers FILE or RUNBOOK_TRIGGERS.',
  },
  RB_CONFIG_FILE: {
    kind: 'user',
    fix: 'Fix the serve config file at the entry named (hooks: token, pagerduty_secrets, webhook_secret; triggers; public_url; slack: bot_token, api_url; pagerduty: token, from, api_url), and chmod 600 it: it holds secrets.',
  },
  RB_HOOK_DISABLED: {
    kind: 'user',
    fix: 'Configure the hook: RUNBOOK_HOOK_TOKEN (Alertmanager), RUNBOOK_PAGERDUTY_SECRETS (PagerDuty) or RUNBOOK_WEBHOOK_SECRET (generic), or the same keys in the serve config file.',
  },
  RB_HOOK_UNAUTHENTICATED: {
    kind: 'user',
    fix: 'Send the hook token (`Authorization: Bearer`) or sign the raw body with the shared secret as README "Alert triggers" describes; nothing was started.',
  },
  RB_HOOK_STALE: {
    kind: 'user',
    fix: 'Sign with the current time: a generic webhook timestamp must be within 5 minutes of the server clock (check NTP on both ends); nothing was started.',
  },
  RB_HOOK_REPLAYED: {
    kind: 'user',
    fix: 'Send each webhook with a new id: this id (or PagerDuty event id) was received before; nothing was started.',
  },
  RB_SERVER_UNREACHABLE: { kind: 'operational', fix: 'Check --server / RUNBOOK_SERVER and that `runbook serve` runs there.' },
  RB_SLACK_SIGNATURE: {
    kind: 'user',
    fix: 'Only Slack can call /slack/events: the request must carry a valid X-Slack-Signature (v0, HMAC-SHA256 with the signing secret) over the raw body, an X-Slack-Request-Timestamp within 5 minutes, and must not be a replay.',
  },
  RB_SLACK_CONFIG: {
    kind: 'user',
    fix: 'Set RUNBOOK_SLACK_BOT_TOKEN (xoxb-) and either RUNBOOK_SLACK_APP_TOKEN (xapp-, Socket Mode) or RUNBOOK_SLACK_SIGNING_SECRET (HTTP mode); see README "Slack".',
  },
  RB_BACKEND_UNREACHABLE: {
    kind: 'operational',
    fix: 'Check --database / RUNBOOK_DATABASE (Postgres) and --queue / RUNBOOK_QUEUE (Redis): the server named must run and accept this machine.',
  },
  RB_STORE_IN_USE: {
    kind: 'operational',
    fix: 'Another process uses this store: the message names it. One `runbook serve` without --queue per state dir or database (it runs the runs itself); to run several processes on one database, start serve with --queue and add `runbook worker`s.',
  },
  RB_LAB_UNSUPPORTED: {
    kind: 'user',
    fix: 'Run `runbook lab` as root on Linux, with the tools the message names installed (.ci/system-deps.sh installs all of them); it builds network namespaces on this machine.',
  },
  RB_LAB_SETUP: {
    kind: 'operational',
    fix: 'The lab could not be built or seeded: the message names the step that failed and what it saw. What was created is removed; if a crash left parts behind, run `runbook lab down --name NAME`, then `lab up` again.',
  },
  RB_LAB_COMMAND: {
    kind: 'operational',
    fix: 'A system command of the lab (ip, iptables, nft, sshd, ssh-keygen...) failed: the message shows it with its exit code and stderr. Check the tool is installed and works as root.',
  },
  RB_INTERNAL: { kind: 'bug', fix: 'This is a bug in runbook: please report it with the stack trace and the transcript.' },
} as const satisfies Record<string, CodeInfo>

export type ErrorCode = keyof typeof ERROR_CODES

export interface RunbookErrorOptions {
  pos?: SourcePos
  /** Code frame with a caret, printed under the message. */
  frame?: string
  cause?: unknown
  /** Typed facts for callers and tests (step, host, exitCode, ...). */
  detail?: Record<string, unknown>
}

/** The one error type of runbook. Tests check `code` and `detail`, not message strings. */
export class RunbookError extends Error {
  readonly code: ErrorCode
  readonly pos: SourcePos | undefined
  readonly frame: string | undefined
  readonly detail: Record<string, unknown>

  constructor(code: ErrorCode, message: string, options: RunbookErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'RunbookError'
    this.code = code
    this.pos = options.pos
    this.frame = options.frame
    this.detail = options.detail ?? {}
  }

  get kind(): ErrorKind {
    return ERROR_CODES[this.code].kind
  }

  /** `file:line:col: message` when the error has a position, else the message. */
  get located(): string {
    return this.pos ? `${this.pos.file}:${this.pos.line}:${this.pos.col}: ${this.message}` : this.message
  }

  /** The same place (position and code frame) under another code and message: a YAML error of access.yaml. */
  as(code: ErrorCode, message: string): RunbookError {
    return new RunbookError(code, message, { ...(this.pos ? { pos: this.pos } : {}), ...(this.frame ? { frame: this.frame } : {}) })
  }
}

/** Several errors of one file, reported together. */
export class RunbookErrors extends Error {
  readonly errors: readonly RunbookError[]
  constructor(errors: readonly RunbookError[]) {
    super(errors.map((e) => e.located).join('\n'))
    this.name = 'RunbookErrors'
    this.errors = errors
  }
}

/**
 * A command could not be run (see `ExecFailureKind`). Executors reject with this; the engine turns
 * it into the step's `error` so a runbook can branch on `kind`.
 */
export class ExecError extends Error {
  readonly kind: ExecFailureKind
  readonly host: string
  readonly detail: Record<string, string>
  constructor(kind: ExecFailureKind, host: string, message: string, options: { cause?: unknown; detail?: Record<string, string> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'ExecError'
    this.kind = kind
    this.host = host
    this.detail = options.detail ?? {}
  }

  toFailure(): ExecFailure {
    return Object.keys(this.detail).length > 0
      ? { kind: this.kind, message: this.message, detail: this.detail }
      : { kind: this.kind, message: this.message }
  }
}

/** Meanings of common exit codes, for messages (`127 (command not found)`). */
export const EXIT_CODE_MEANINGS: Readonly<Record<number, string>> = {
  1: 'general error',
  2: 'misuse of shell builtin or bad usage',
  124: 'timed out (timeout(1))',
  126: 'command not executable',
  127: 'command not found',
  128: 'invalid exit argument',
  130: 'interrupted (SIGINT)',
  137: 'killed (SIGKILL)',
  143: 'terminated (SIGTERM)',
}

export function describeExitCode(code: number | null, signal: string | null): string {
  if (code === null) return signal ? `killed by SIG${signal}` : 'no exit status'
  const meaning = EXIT_CODE_MEANINGS[code]
  return meaning ? `${code} (${meaning})` : String(code)
}

/**
 * Process exit codes of `runbook run` and friends. Documented in README.md ("Exit codes").
 */
export const EXIT = {
  OK: 0, // healthy, nothing to do
  INTERNAL: 1, // a bug in runbook
  USAGE: 2, // invalid runbook, params or flags
  PROBLEM: 3, // a problem was diagnosed; no fix proposed
  FIX_PROPOSED: 4, // a problem was diagnosed and a fix proposed (dry-run, or approval declined)
  FIX_APPLIED: 5, // a fix was applied and verified
  FIX_ROLLED_BACK: 6, // a fix failed verification and was rolled back
  INCOMPLETE: 7, // the run could not finish: a step failed with no handler, replay diverged
  ROLLBACK_FAILED: 8, // a fix failed and nothing undid it (its rollback failed, or it declares none): the host needs a human now
  REFUSED: 9, // a fix was refused before it changed anything: a pre-flight check failed (a dry-run too: --apply would refuse it) or another run holds the host's lock
  FLEET_STOPPED: 10, // a fleet run stopped early (failure budget reached, canary failed or not confirmed): some hosts never started
  INTERRUPTED: 130, // SIGINT
  TERMINATED: 143, // SIGTERM
} as const
