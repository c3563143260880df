/**
 * Resuming a served run after the server stopped (a crash, a restart): the run is started again
 * with the same run id, params and plan key, and replays its journal up to its end, then goes on
 * live. Nothing is trusted from xstate snapshots: the engine re-walks the machine, and every
 * command, probe and approval the journal already holds is answered from it.
 *
 *   - a finished command or probe is never run again: its recorded result is the answer;
 *   - a read-only command that was started and not finished runs again;
 *   - a mutating command that was started and not finished is NEVER run again: it fails as
 *     `in-doubt`, so an apply goes to verify (engine/fix.ts), and a rollback counts as failed;
 *     only a `repeatable` one (cancelling a revert, releasing the run's own lock) runs again;
 *   - events the engine emits again for what the journal holds are checked against it (type and
 *     step) and dropped, so the journal gets each event once, with its original seq and time.
 */
import { ExecError, RunbookError } from '../errors.ts'
import { commandKey as key } from '../shared/lock-upkeep.ts'
import type { Approver } from '../engine/approval.ts'
import type {
  Clock,
  CommandResult,
  CommandSpec,
  ExecFailure,
  Executor,
  ExecutorFactory,
  ProbeResult,
  ProbeSpec,
  Prober,
  RunEvent,
} from '../types.ts'
import { systemClock } from '../engine/clock.ts'

type Answer = { kind: 'done'; answer: { result: CommandResult } | { error: ExecFailure } } | { kind: 'interrupted' }

/** What the journal says about a run so far. */
export class Journal {
  readonly events: readonly RunEvent[]
  /** Commands in the order they started, with their answer if they finished: FIFO per host+command. */
  readonly #commands = new Map<string, Answer[]>()
  readonly #probes = new Map<string, ProbeResult[]>()
  readonly #decisions: RunEvent[]
  /** How many of the journal's events the resumed engine has emitted again. */
  #replayed = 0

  constructor(events: readonly RunEvent[]) {
    this.events = events
    const open = new Map<string, number>()
    const lists = new Map<string, Answer[]>()
    for (const e of events) {
      if (e.type === 'command.started') {
        const k = key(e.spec)
        const list = lists.get(k) ?? []
        list.push({ kind: 'interrupted' })
        lists.set(k, list)
        open.set(k, (open.get(k) ?? 0) + 1)
      } else if (e.type === 'command.finished') {
        const k = key(e.spec)
        const list = lists.get(k) ?? []
        // The oldest unfinished start of the same command is the one that finished.
        const i = list.findIndex((a) => a.kind === 'interrupted')
        const answer: Answer = {
          kind: 'done',
          answer: e.result ? { result: e.result } : { error: e.error ?? { kind: 'channel-failed', message: 'recorded without result' } },
        }
        if (i >= 0) list[i] = answer
        else list.push(answer)
        lists.set(k, list)
      } else if (e.type === 'probe.finished') {
        const k = JSON.stringify(e.spec)
        this.#probes.set(k, [...(this.#probes.get(k) ?? []), e.result])
      }
    }
    for (const [k, list] of lists) this.#commands.set(k, list)
    this.#decisions = events.filter((e) => e.type === 'fix.approved' || e.type === 'fix.declined')
  }

  get replaying(): boolean {
    return this.#replayed < this.events.length
  }

  /** The run.started event: its params hold the resolved defaults (facts looked up then). */
  get started(): Extract<RunEvent, { type: 'run.started' }> | undefined {
    const first = this.events[0]
    return first?.type === 'run.started' ? first : undefined
  }

  takeCommand(spec: CommandSpec): Answer | undefined {
    return this.#commands.get(key(spec))?.shift()
  }

  takeProbe(spec: ProbeSpec): ProbeResult | undefined {
    return this.#probes.get(JSON.stringify(spec))?.shift()
  }

  takeDecision(step: string): RunEvent | undefined {
    const i = this.#decisions.findIndex((d) => 'step' in d && d.step === step)
    return i >= 0 ? this.#decisions.splice(i, 1)[0] : undefined
  }

  /**
   * One event the resumed engine emitted. Returns true when the journal already has it (drop it);
   * throws RB_RESUME_DIVERGED when the engine went another way than the journal.
   */
  replayed(event: RunEvent): boolean {
    if (event.seq > this.events.length) return false
    const recorded = this.events[event.seq - 1]!
    const step = (e: RunEvent) => ('step' in e ? e.step : undefined)
    if (recorded.type !== event.type || step(recorded) !== step(event)) {
      throw new RunbookError(
        'RB_RESUME_DIVERGED',
        `resume: event ${event.seq} is ${event.type}${step(event) ? ` (step ${step(event)})` : ''}, the journal has ${recorded.type}${step(recorded) ? ` (step ${step(recorded)})` : ''}`,
      )
    }
    this.#replayed = Math.max(this.#replayed, event.seq)
    return true
  }

  /**
   * Time during the replay is the journal's: each event keeps its recorded time, durations come
   * out as recorded, and a verify retry interval that already passed does not wait again.
   */
  clock(live: Clock = systemClock): Clock {
    return {
      now: () => (this.replaying ? Date.parse(this.events[this.#replayed]!.at) : live.now()),
      sleep: async (ms, signal) => (this.replaying ? signal.throwIfAborted() : live.sleep(ms, signal)),
    }
  }
}

/** Executors that answer from the journal first, then from the live executors. */
export class JournalExecutors implements ExecutorFactory {
  readonly prober: Prober
  readonly sourceAddress?: ExecutorFactory['sourceAddress']
  readonly bastionOf?: ExecutorFactory['bastionOf']

  constructor(
    readonly journal: Journal,
    readonly live: ExecutorFactory,
  ) {
    this.prober = {
      probe: async (spec, signal) => journal.takeProbe(spec) ?? live.prober.probe(spec, signal),
    }
    if (live.sourceAddress) this.sourceAddress = live.sourceAddress.bind(live)
    if (live.bastionOf) this.bastionOf = live.bastionOf.bind(live)
  }

  readonly #byHost = new Map<string, Executor>()

  /** One per host, like the live factory's pooled executors (fix.ts compares them). */
  executor(host: string): Executor {
    let e = this.#byHost.get(host)
    if (!e) this.#byHost.set(host, (e = this.#wrap(host, () => this.live.executor(host))))
    return e
  }

  fresh(host: string): Executor {
    return this.live.fresh ? this.#wrap(host, () => this.live.fresh!(host)) : this.executor(host)
  }

  #wrap(host: string, live: () => Executor): Executor {
    let executor: Executor | undefined
    const real = () => (executor ??= live())
    return {
      exec: async (spec, signal) => {
        if (spec.housekeeping) return real().exec(spec, signal)
        const answer = this.journal.takeCommand(spec)
        if (answer?.kind === 'done') {
          if ('error' in answer.answer) {
            const { kind, message, detail } = answer.answer.error
            throw new ExecError(kind, host, message, detail ? { detail } : {})
          }
          return answer.answer.result
        }
        if (answer?.kind === 'interrupted' && spec.mutating && !spec.repeatable) {
          throw new ExecError(
            'in-doubt',
            host,
            `the server stopped while \`${firstLine(spec.command)}\` was running on ${host}; it is not run again`,
          )
        }
        return real().exec(spec, signal)
      },
      close: async () => {
        await executor?.close()
      },
    }
  }

  async close(): Promise<void> {
    await this.live.close()
  }
}

/** Decisions the journal holds are replayed; a fix the journal has no decision for asks `live`. */
export function journalApprover(journal: Journal, live: Approver): Approver {
  return {
    approve: async (req, signal) => {
      const d = journal.takeDecision(req.step)
      if (!d) return live.approve(req, signal)
      return d.type === 'fix.approved'
        ? { approved: true, by: d.by }
        : { approved: false, by: (d as { by: string }).by, reason: (d as { reason: string }).reason }
    },
  }
}

const firstLine = (command: string) => {
  const line = command.split('\n')[0]!
  return line.length > 80 || command.includes('\n') ? `${line.slice(0, 80)} …` : line
}
