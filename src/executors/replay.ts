/**
 * Answers commands and probes from a recorded transcript, so a runbook re-runs against recorded
 * reality offline and deterministically. A command the recording does not have is a loud,
 * typed error (RB_REPLAY_DIVERGED) naming what was asked and what was recorded next.
 * Records every command asked of it: tests use that to prove what ran.
 */
import { ExecError, RunbookError } from '../errors.ts'
import { commandKey } from '../shared/lock-upkeep.ts'
import { QUOTED_REDACTED, REDACTED } from '../shared/redacted.ts'
import type {
  CommandResult,
  CommandSpec,
  Executor,
  ExecutorFactory,
  ExecFailure,
  ProbeResult,
  ProbeSpec,
  Prober,
  RunEvent,
} from '../types.ts'

type Answer = { result: CommandResult } | { error: ExecFailure }

// Secrets are redacted in the recording; a quoted secret and a bare one must compare equal.
const normal = (command: string) => command.split(QUOTED_REDACTED).join(REDACTED)
const key = (spec: Pick<CommandSpec, 'host' | 'command' | 'engine'>) => commandKey(spec, normal)

export class ReplayExecutors implements ExecutorFactory {
  readonly #commands = new Map<string, Answer[]>()
  /** How many times each command was answered: a command asked once more than recorded is named as such. */
  readonly #answered = new Map<string, number>()
  readonly #probes = new Map<string, ProbeResult[]>()
  /** Recorded commands not yet asked for, in recorded order (for divergence messages). */
  readonly #pending: CommandSpec[] = []
  /** Every command asked of this executor, in order. */
  readonly asked: CommandSpec[] = []
  readonly prober: Prober

  constructor(events: readonly RunEvent[]) {
    for (const e of events) {
      if (e.type === 'command.finished') {
        const k = key(e.spec)
        const list = this.#commands.get(k) ?? []
        list.push(e.result ? { result: e.result } : { error: e.error ?? { kind: 'channel-failed', message: 'recorded without result' } })
        this.#commands.set(k, list)
        this.#pending.push(e.spec)
      } else if (e.type === 'probe.finished') {
        const k = JSON.stringify(e.spec)
        this.#probes.set(k, [...(this.#probes.get(k) ?? []), e.result])
      }
    }
    this.prober = {
      probe: async (spec: ProbeSpec) => {
        const answers = this.#probes.get(JSON.stringify(spec))
        const answer = answers?.shift()
        if (!answer) {
          throw new RunbookError('RB_REPLAY_DIVERGED', `replay: probe ${JSON.stringify(spec)} is not in the recording`, {
            detail: { actual: spec },
          })
        }
        return answer
      },
    }
  }

  executor(host: string): Executor {
    return {
      exec: async (spec: CommandSpec) => {
        if (spec.housekeeping) return { exitCode: 0, signal: null, stdout: '', stderr: '', durationMs: 0, timedOut: false }
        this.asked.push(spec)
        const k = key(spec)
        const answer = this.#commands.get(k)?.shift()
        if (!answer) {
          const expected = this.#pending[0]
          const times = this.#answered.get(k) ?? 0
          if (times > 0) {
            // Same command, asked more often than recorded: typically a verify that now retries
            // (retries/interval) where the recording, made otherwise, has fewer attempts.
            throw new RunbookError(
              'RB_REPLAY_DIVERGED',
              `replay: the runbook asked ${host} for \`${spec.command}\` ${times + 1} times, the recording answers it ${times} time(s)` +
                `${spec.command === expected?.command ? '' : expected ? `; next recorded command: \`${expected.command}\` on ${expected.host}` : '; the recording has no commands left'}` +
                ` (a verify retry the recording does not have? re-record the fixture)`,
              { detail: { host, actual: spec.command, expected: expected?.command ?? null, recordedTimes: times } },
            )
          }
          throw new RunbookError(
            'RB_REPLAY_DIVERGED',
            `replay: the runbook asked ${host} for \`${spec.command}\`, which the recording does not have` +
              (expected ? `; next recorded command: \`${expected.command}\` on ${expected.host}` : '; the recording has no commands left'),
            { detail: { host, actual: spec.command, expected: expected?.command ?? null } },
          )
        }
        this.#answered.set(k, (this.#answered.get(k) ?? 0) + 1)
        const i = this.#pending.findIndex((p) => key(p) === k)
        if (i >= 0) this.#pending.splice(i, 1)
        if ('error' in answer)
          throw new ExecError(answer.error.kind, host, answer.error.message, answer.error.detail ? { detail: answer.error.detail } : {})
        return answer.result
      },
      close: async () => {},
    }
  }

  async close(): Promise<void> {}
}
