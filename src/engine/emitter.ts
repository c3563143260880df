/**
 * Turns engine happenings into numbered, timestamped, redacted RunEvents and fans them out to the
 * sinks (transcript writer, CLI view, pino, chat). Redaction happens here, once, before any sink
 * sees an event: secrets cannot leak through a sink that forgot to redact.
 */
import { REDACTED } from '../dsl/params.ts'
import type { Clock, RunEvent, RunEventBody } from '../types.ts'

export type EventSink = (event: RunEvent) => void

export class Emitter {
  #seq = 0
  readonly #secrets: string[]

  constructor(
    readonly clock: Clock,
    readonly sink: EventSink,
    secrets: Iterable<string> = [],
  ) {
    // Longest first, so a secret that contains another is replaced whole.
    this.#secrets = [...new Set(secrets)].filter((s) => s.length > 0 && s !== REDACTED).sort((a, b) => b.length - a.length)
  }

  emit(body: RunEventBody): RunEvent {
    const event = { seq: ++this.#seq, at: new Date(this.clock.now()).toISOString(), ...body } as RunEvent
    const safe = this.#secrets.length > 0 ? (redact(event, this.#secrets) as RunEvent) : event
    this.sink(safe)
    return safe
  }
}

/** Deep copy with every occurrence of every secret replaced by `[redacted]`. */
export function redact(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === 'string') {
    let out = value
    for (const s of secrets) if (out.includes(s)) out = out.split(s).join(REDACTED)
    return out
  }
  if (Array.isArray(value)) return value.map((v) => redact(v, secrets))
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v, secrets)]))
  }
  return value
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
