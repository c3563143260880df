/**
 * Turns engine happenings into numbered, timestamped, redacted RunEvents and fans them out to the
 * sinks (transcript writer, CLI view, pino, chat). Redaction happens here, once, before any sink
 * sees an event: secrets cannot leak through a sink that forgot to redact.
 */
import type { Clock, RunEvent, RunEventBody } from '../types.ts'
import { Redactor } from './redact.ts'

export type EventSink = (event: RunEvent) => void

export class Emitter {
  #seq = 0
  /** Shared with whatever else must show or digest run data without its secrets (approver, plan hash). */
  readonly redactor: Redactor

  constructor(
    readonly clock: Pick<Clock, 'now'>,
    readonly sink: EventSink,
    secrets: Iterable<string> | Redactor = [],
  ) {
    this.redactor = secrets instanceof Redactor ? secrets : new Redactor(secrets)
  }

  emit(body: RunEventBody): RunEvent {
    const event = { seq: ++this.#seq, at: new Date(this.clock.now()).toISOString(), ...body } as RunEvent
    const safe = keepEngineFields(this.redactor.value(event), event)
    this.sink(safe)
    return safe
  }
}

/**
 * What the engine itself computed carries no secret and must stay intact: plan hashes (keyed:
 * plan-hash.ts) are what approvals quote, and timestamps must stay dates. A short secret (a PIN
 * like 2026) can occur in them by chance.
 */
function keepEngineFields(safe: RunEvent, event: RunEvent): RunEvent {
  safe.at = event.at
  if (event.type === 'run.started' && safe.type === 'run.started') Object.assign(safe, { startedAt: event.startedAt, hash: event.hash })
  if ('planHash' in event && 'planHash' in safe) safe.planHash = event.planHash
  if ('plan' in event && 'plan' in safe) safe.plan.hash = event.plan.hash
  if (event.type === 'fix.replanned' && safe.type === 'fix.replanned') Object.assign(safe, { from: event.from, to: event.to })
  return safe
}

/** Fan one event out to many sinks; a failing sink must not stop the run or the other sinks. */
export function fanOut(sinks: readonly EventSink[], onSinkError: (err: unknown) => void = () => {}): EventSink {
  return (event) => {
    for (const sink of sinks) {
      try {
        sink(event)
      } catch (err) {
        onSinkError(err)
      }
    }
  }
}
