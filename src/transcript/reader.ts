/**
 * Reads a transcript back: every line must be a JSON event, the first one `run.started`. A crash
 * leaves a valid prefix, so a missing `run.finished` is allowed (and reported by `complete`).
 */
import { readFileSync } from 'node:fs'
import { RunbookError } from '../errors.ts'
import { TRANSCRIPT_VERSION, type RunEvent, type RunEventType } from '../types.ts'

export interface Transcript {
  file: string
  events: RunEvent[]
  started: Extract<RunEvent, { type: 'run.started' }>
  finished: Extract<RunEvent, { type: 'run.finished' }> | undefined
  outcome: Extract<RunEvent, { type: 'outcome' }> | undefined
  /** Edge ids of the transitions taken, in order. */
  path: string[]
}

// A Record over the union: adding an event type without listing it here is a compile error.
const KNOWN_TYPES: Record<RunEventType, true> = {
  'run.started': true, 'step.started': true, 'command.started': true, 'command.finished': true, 'probe.finished': true,
  'result.parsed': true, 'step.finished': true, transition: true, 'fix.proposed': true, 'fix.not_needed': true,
  'fix.preflight': true, 'fix.refused': true, 'fix.replanned': true, 'fix.approved': true, 'fix.declined': true,
  'lock.acquired': true, 'lock.refused': true, 'lock.released': true, 'fix.backup': true, 'fix.revert_scheduled': true,
  'fix.revert_cancelled': true, 'fix.applied': true, 'fix.verified': true, 'fix.rolled_back': true, outcome: true, 'run.finished': true,
}
const KNOWN = new Set(Object.keys(KNOWN_TYPES))

export function readTranscript(file: string): Transcript {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw new RunbookError('RB_TRANSCRIPT_INVALID', `${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`)
  }
  return parseTranscript(file, text)
}

export function parseTranscript(file: string, text: string): Transcript {
  const events: RunEvent[] = []
  const lines = text.split('\n')
  lines.forEach((line, i) => {
    if (line.trim() === '') return
    const at = { file, line: i + 1, col: 1 }
    let event: unknown
    try {
      event = JSON.parse(line)
    } catch (err) {
      // The last line may be cut by a crash mid-write: a valid prefix is still a transcript.
      if (i === lines.length - 1 || lines.slice(i + 1).every((l) => l.trim() === '')) return
      throw new RunbookError('RB_TRANSCRIPT_INVALID', `line ${i + 1} is not JSON: ${(err as Error).message}`, { pos: at })
    }
    const type = (event as { type?: unknown })?.type
    if (typeof type !== 'string' || !KNOWN.has(type as RunEventType)) {
      throw new RunbookError('RB_TRANSCRIPT_INVALID', `line ${i + 1}: unknown event type ${JSON.stringify(type)}`, { pos: at })
    }
    events.push(event as RunEvent)
  })
  const started = events[0]
  if (!started || started.type !== 'run.started') {
    throw new RunbookError('RB_TRANSCRIPT_INVALID', `${file}: the first event must be run.started`, { pos: { file, line: 1, col: 1 } })
  }
  if (started.transcriptVersion > TRANSCRIPT_VERSION) {
    throw new RunbookError('RB_TRANSCRIPT_INVALID', `${file}: transcript version ${started.transcriptVersion} is newer than this runbook (${TRANSCRIPT_VERSION}): upgrade runbook`)
  }
  const last = <K extends RunEventType>(type: K) => events.findLast((e): e is Extract<RunEvent, { type: K }> => e.type === type)
  return {
    file,
    events,
    started,
    finished: last('run.finished'),
    outcome: last('outcome'),
    path: events.filter((e): e is Extract<RunEvent, { type: 'transition' }> => e.type === 'transition').map((e) => e.edge),
  }
}
