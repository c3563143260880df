/**
 * Reads a transcript back: every line must be a JSON event of a known type with the fields that
 * type needs (event-shape.ts), the first one `run.started`. A crash leaves a valid prefix, so a
 * missing `run.finished` is allowed (and reported by `finished` being undefined).
 *
 * Files are streamed (input.ts): memory holds one line at a time plus what the caller keeps, only
 * regular files are read, and aborting the signal stops the read. Errors are RB_TRANSCRIPT_INVALID
 * (or RB_INPUT_*) at `file:line`.
 */
import { RunbookError } from '../errors.ts'
import { INPUT_LIMITS, readLines, type InputOptions } from '../input.ts'
import { TRANSCRIPT_VERSION, type RunEvent, type RunEventType } from '../types.ts'
import { eventProblem, KNOWN_EVENT_TYPES, nestedDeeperThan } from './event-shape.ts'

type Started = Extract<RunEvent, { type: 'run.started' }>
type Finished = Extract<RunEvent, { type: 'run.finished' }>
type OutcomeEvent = Extract<RunEvent, { type: 'outcome' }>

export interface Transcript {
  file: string
  events: RunEvent[]
  started: Started
  finished: Finished | undefined
  outcome: OutcomeEvent | undefined
  /** Edge ids of the transitions taken, in order. */
  path: string[]
}

/** What a streamed read learns without keeping the events. */
export interface TranscriptSummary {
  file: string
  started: Started
  finished: Finished | undefined
  outcome: OutcomeEvent | undefined
  /** Events read. */
  count: number
  /** The last event read (for "the run never finished: it stops after ..."). */
  last: RunEvent
}

const INPUT: InputOptions = { what: 'transcript', missing: 'RB_TRANSCRIPT_INVALID' }

/**
 * Checks events line by line. A line that is not JSON is held back: it is fine as the last line
 * (a crash mid-write), an error when any event follows it.
 */
class EventChecker {
  started: Started | undefined
  finished: Finished | undefined
  outcome: OutcomeEvent | undefined
  last: RunEvent | undefined
  count = 0
  #cut: RunbookError | undefined

  constructor(readonly file: string) {}

  line(text: string, n: number): RunEvent | undefined {
    if (text.trim() === '') return undefined
    const at = { file: this.file, line: n, col: 1 }
    const fail = (message: string) =>
      new RunbookError('RB_TRANSCRIPT_INVALID', `${this.file}:${n}: ${message}`, { pos: at, detail: { file: this.file, line: n } })
    if (this.#cut) throw this.#cut
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch (err) {
      this.#cut = fail(`not JSON: ${(err as Error).message}`)
      return undefined
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw fail('not an event: each line must be a JSON object')
    const type = (value as { type?: unknown }).type
    if (typeof type !== 'string' || !KNOWN_EVENT_TYPES.has(type)) throw fail(`unknown event type ${JSON.stringify(type)?.slice(0, 80)}`)
    if (nestedDeeperThan(value, INPUT_LIMITS.transcriptDepth)) {
      throw new RunbookError(
        'RB_INPUT_TOO_LARGE',
        `${this.file}:${n}: ${type} event nested deeper than ${INPUT_LIMITS.transcriptDepth} levels: refused`,
        { pos: at, detail: { file: this.file, line: n } },
      )
    }
    const problem = eventProblem(value as Record<string, unknown>, type as RunEventType)
    if (problem) throw fail(`${type} event: ${problem}`)
    const event = value as RunEvent
    if (this.count === 0) {
      if (event.type !== 'run.started') throw fail(`the first event must be run.started (got ${event.type})`)
      if (event.transcriptVersion > TRANSCRIPT_VERSION) {
        throw fail(`transcript version ${event.transcriptVersion} is newer than this runbook (${TRANSCRIPT_VERSION}): upgrade runbook`)
      }
      this.started = event
    }
    if (event.type === 'run.finished') this.finished = event
    if (event.type === 'outcome') this.outcome = event
    this.count++
    this.last = event
    return event
  }

  summary(): TranscriptSummary {
    if (!this.started || !this.last) {
      throw new RunbookError('RB_TRANSCRIPT_INVALID', `${this.file}: no events: the first event must be run.started`, {
        pos: { file: this.file, line: 1, col: 1 },
      })
    }
    return { file: this.file, started: this.started, finished: this.finished, outcome: this.outcome, count: this.count, last: this.last }
  }
}

function toTranscript(s: TranscriptSummary, events: RunEvent[]): Transcript {
  return {
    file: s.file,
    events,
    started: s.started,
    finished: s.finished,
    outcome: s.outcome,
    path: events.filter((e): e is Extract<RunEvent, { type: 'transition' }> => e.type === 'transition').map((e) => e.edge),
  }
}

/**
 * Stream the events of `file` to `onEvent`, each checked, none kept. For views of transcripts of
 * any size (`runbook replay`). Aborting `signal` rejects with an AbortError.
 */
export async function streamTranscript(
  file: string,
  onEvent: (e: RunEvent) => void | Promise<void>,
  options: { signal?: AbortSignal } = {},
): Promise<TranscriptSummary> {
  const checker = new EventChecker(file)
  for await (const { text, line } of readLines(file, {
    ...INPUT,
    maxLineBytes: INPUT_LIMITS.transcriptLineBytes,
    ...(options.signal ? { signal: options.signal } : {}),
  })) {
    const event = checker.line(text, line)
    // A promise means "wait" (e.g. stdout is full): the read pauses with it.
    if (event) await onEvent(event)
  }
  return checker.summary()
}

/** Every event of `file`, checked (for replays, which need them all). */
export async function readTranscript(file: string, options: { signal?: AbortSignal } = {}): Promise<Transcript> {
  const events: RunEvent[] = []
  const summary = await streamTranscript(file, (e) => void events.push(e), options)
  return toTranscript(summary, events)
}

/** The same checks on a transcript already in memory. */
export function parseTranscript(file: string, text: string): Transcript {
  const checker = new EventChecker(file)
  const events: RunEvent[] = []
  text.split('\n').forEach((line, i) => {
    const event = checker.line(line, i + 1)
    if (event) events.push(event)
  })
  return toTranscript(checker.summary(), events)
}
