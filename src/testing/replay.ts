/**
 * `runbook test`: re-run runbooks against their recorded transcripts (fixtures/<runbook>/*.jsonl)
 * and check that each reaches the recorded outcome along the recorded path. Coverage counts the
 * machine's authored transitions that some fixture takes.
 */
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import type { CompiledRunbook } from '../compile/compile.ts'
import type { EdgeInfo } from '../compile/model.ts'
import { SimulatedClock } from '../engine/clock.ts'
import { runRunbook, type RunSummary } from '../engine/run.ts'
import { RunbookError } from '../errors.ts'
import { ReplayExecutors } from '../executors/replay.ts'
import { replayApprover } from './replay-approver.ts'
import { readTranscript, type Transcript } from '../transcript/reader.ts'
import type { CommandSpec, RunEvent } from '../types.ts'

export interface ReplayResult {
  transcript: Transcript
  summary: RunSummary
  events: RunEvent[]
  /** Every command the runbook asked for during the replay. */
  asked: CommandSpec[]
  /** Null when outcome, path and status all match the recording. */
  mismatch: RunbookError | null
}

/** Replay one recorded run of `compiled`: same params, mode and approvals, answers from the recording. */
export async function replayTranscript(
  compiled: CompiledRunbook,
  transcript: Transcript,
  onEvent: (e: RunEvent) => void = () => {},
): Promise<ReplayResult> {
  const executors = new ReplayExecutors(transcript.events)
  const events: RunEvent[] = []
  const summary = await runRunbook(compiled, {
    params: Object.fromEntries(Object.entries(transcript.started.params).filter(([, v]) => v !== null)),
    mode: transcript.started.mode,
    executors,
    approver: replayApprover(transcript.events),
    operator: transcript.started.operator,
    ...(transcript.started.runId ? { runId: transcript.started.runId } : {}),
    acceptRedacted: true,
    // Recorded time: verify's retry intervals pass at once, and event times are reproducible.
    clock: new SimulatedClock(Number.isFinite(Date.parse(transcript.started.startedAt)) ? Date.parse(transcript.started.startedAt) : 0),
    onEvent: (e) => {
      events.push(e)
      onEvent(e)
    },
  })
  return { transcript, summary, events, asked: executors.asked, mismatch: compare(transcript, summary) }
}

function compare(t: Transcript, s: RunSummary): RunbookError | null {
  if (s.error && (s.error.code === 'RB_REPLAY_DIVERGED' || s.status === 'incomplete') && t.finished?.status !== 'incomplete') return s.error
  const recordedOutcome = t.outcome?.id
  const problems: string[] = []
  if (recordedOutcome !== s.outcome?.id) problems.push(`outcome ${s.outcome?.id ?? 'none'} (recorded: ${recordedOutcome ?? 'none'})`)
  if (t.finished && t.finished.status !== s.status) problems.push(`status ${s.status} (recorded: ${t.finished.status})`)
  if (t.path.join(' ') !== s.path.join(' ')) {
    const i = t.path.findIndex((e, k) => s.path[k] !== e)
    const at = i === -1 ? t.path.length : i
    problems.push(`path differs at transition ${at + 1}: took ${s.path[at] ?? 'nothing'} (recorded: ${t.path[at] ?? 'nothing'})`)
  }
  if (problems.length === 0) return null
  return new RunbookError('RB_REPLAY_MISMATCH', `replay of ${t.file}: ${problems.join('; ')}`, {
    detail: { recorded: t.path, replayed: s.path },
  })
}

export interface Coverage {
  covered: EdgeInfo[]
  uncovered: EdgeInfo[]
  /** Engine safety edges, not counted. */
  internal: number
  percent: number
}

export function coverage(compiled: CompiledRunbook, paths: readonly (readonly string[])[]): Coverage {
  const taken = new Set(paths.flat())
  const authored = compiled.edges.filter((e) => !e.internal)
  const covered = authored.filter((e) => taken.has(e.id))
  return {
    covered,
    uncovered: authored.filter((e) => !taken.has(e.id)),
    internal: compiled.edges.length - authored.length,
    percent: authored.length === 0 ? 100 : Math.round((covered.length / authored.length) * 1000) / 10,
  }
}

export interface FixtureResult {
  file: string
  ok: boolean
  result?: ReplayResult
  error?: RunbookError
}

export interface RunbookTestResult {
  runbook: string
  fixtures: FixtureResult[]
  coverage: Coverage
}

export function fixtureFiles(fixturesRoot: string, runbook: string): string[] {
  const dir = join(fixturesRoot, runbook)
  if (!existsSync(dir)) return []
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .map((f) => join(dir, f))
}

export async function testRunbook(compiled: CompiledRunbook, files: readonly string[]): Promise<RunbookTestResult> {
  const fixtures: FixtureResult[] = []
  for (const file of files) {
    try {
      const transcript = await readTranscript(file)
      if (transcript.started.runbook !== compiled.name) {
        throw new RunbookError('RB_TRANSCRIPT_INVALID', `${file} records runbook '${transcript.started.runbook}', not '${compiled.name}'`)
      }
      const result = await replayTranscript(compiled, transcript)
      fixtures.push({ file, ok: result.mismatch === null, result, ...(result.mismatch ? { error: result.mismatch } : {}) })
    } catch (err) {
      if (!(err instanceof RunbookError)) throw err
      fixtures.push({ file, ok: false, error: err })
    }
  }
  const paths = fixtures.filter((f) => f.ok && f.result).map((f) => f.result!.summary.path)
  return { runbook: compiled.name, fixtures, coverage: coverage(compiled, paths) }
}
