/**
 * A fix's verify on this machine (local executor), timed by an injected clock: `retries` and
 * `interval` are honoured, the waits go through the clock (a replay never waits in real time), and
 * a fix that declares no rollback is never reported as rolled back.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { yesApprover } from '../../../src/engine/approval.ts'
import { EXIT } from '../../../src/errors.ts'
import { loadRunbook } from '../../../src/library.ts'
import { replayTranscript } from '../../../src/testing/replay.ts'
import { parseTranscript } from '../../../src/transcript/reader.ts'
import type { Clock, RunEvent } from '../../../src/types.ts'
import { runFile } from '../../helpers/engine.ts'
import { useHostDir } from '../../helpers/host-dir.ts'

const LATE = 'fixtures/runbooks/valid/late-file.yaml'
const NO_ROLLBACK = 'fixtures/runbooks/valid/late-file-no-rollback.yaml'

/**
 * Simulated time: sleeping advances it at once. `late` (ms after the start) is when the file the
 * verify waits for appears: only the clock's own sleeps can make it appear.
 */
class TestClock implements Clock {
  readonly sleeps: number[] = []
  #now = Date.parse('2026-01-01T00:00:00Z')
  readonly #start = this.#now
  constructor(readonly onTime: (elapsedMs: number) => void = () => {}) {}
  now(): number {
    return this.#now
  }
  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms)
    this.#now += ms
    this.onTime(this.#now - this.#start)
  }
}

let dir: string
useHostDir('rb-verify-', (d) => {
  dir = d
})

const appearsAfter = (ms: number) => (elapsed: number) => {
  if (elapsed >= ms) writeFileSync(join(dir, 'late'), '')
}
const verifyCommands = (events: readonly RunEvent[]) => events.filter((e) => e.type === 'command.finished' && e.phase === 'verify')
const apply = { mode: 'apply' as const, approver: yesApprover('test') }

describe('verify retries', () => {
  it('a condition true after 1.5 s passes on the third attempt (retries: 3, interval: 1s), waiting through the clock', async () => {
    const clock = new TestClock(appearsAfter(1500))
    const { summary, events } = await runFile(LATE, { params: { dir }, ...apply, clock })
    expect(verifyCommands(events)).toHaveLength(3)
    expect(clock.sleeps).toEqual([1000, 1000])
    expect(events.filter((e) => e.type === 'fix.verified')).toMatchObject([{ ok: true }])
    expect(summary.exitCode).toBe(EXIT.FIX_APPLIED)
    expect(summary.outcome?.id).toBe('came')
    expect(existsSync(join(dir, 'applied'))).toBe(true)
  })

  it('a condition that never comes true is tried 1 + retries times, then rolled back', async () => {
    const clock = new TestClock()
    const { summary, events } = await runFile(LATE, { params: { dir }, ...apply, clock })
    expect(verifyCommands(events)).toHaveLength(4)
    expect(clock.sleeps).toEqual([1000, 1000, 1000])
    expect(summary.exitCode).toBe(EXIT.FIX_ROLLED_BACK)
    expect(summary.outcome?.id).toBe('never_came')
    expect(existsSync(join(dir, 'applied'))).toBe(false)
  })

  it('a recording with several verify attempts replays them in order, without waiting in real time', async () => {
    const { events } = await runFile(LATE, { params: { dir }, ...apply, clock: new TestClock(appearsAfter(1500)) })
    const transcript = parseTranscript('late.jsonl', events.map((e) => JSON.stringify(e)).join('\n'))
    rmSync(join(dir, 'late'), { force: true }) // the replay must answer from the recording, not the disk
    const started = Date.now()
    const replay = await replayTranscript(loadRunbook(LATE), transcript)
    expect(replay.mismatch).toBeNull()
    expect(replay.asked.filter((s) => s.command.startsWith('test -e'))).toHaveLength(3)
    expect(replay.summary.exitCode).toBe(EXIT.FIX_APPLIED)
    // Two 1 s intervals were recorded: a replay that slept for real would take 2 s.
    expect(Date.now() - started).toBeLessThan(1900)
  })
})

describe('a fix that declares no rollback', () => {
  it('whose verify fails is reported as applied and not verified, nothing rolled back: the host needs a human (exit 8)', async () => {
    const { summary, events } = await runFile(NO_ROLLBACK, { params: { dir }, ...apply, clock: new TestClock() })
    expect(verifyCommands(events)).toHaveLength(2)
    expect(events.filter((e) => e.type === 'fix.rolled_back')).toEqual([])
    expect(events.filter((e) => e.type === 'command.started' && e.phase === 'rollback')).toEqual([])
    expect(existsSync(join(dir, 'applied'))).toBe(true)
    expect(summary.status).toBe('fix-unverified')
    expect(summary.exitCode).toBe(EXIT.ROLLBACK_FAILED)
    expect(summary.outcome?.id).toBe('_unverified')
    expect(summary.outcome?.summary).toMatch(/applied but not verified/)
    expect(summary.outcome?.summary).not.toMatch(/rolled back/)
    const finished = events.find((e) => e.type === 'run.finished')
    expect(finished).toMatchObject({ status: 'fix-unverified', exitCode: EXIT.ROLLBACK_FAILED })
    const taken = events.filter((e) => e.type === 'transition').map((e) => (e.type === 'transition' ? e.via : ''))
    expect(taken.join(' | ')).not.toMatch(/rolled back/)
  })

  it('(control) whose verify passes is applied and verified (exit 5)', async () => {
    const { summary } = await runFile(NO_ROLLBACK, { params: { dir }, ...apply, clock: new TestClock(appearsAfter(0)) })
    expect(summary.exitCode).toBe(EXIT.FIX_APPLIED)
  })
})

describe('replaying a recording made with fewer verify attempts', () => {
  it('diverges loudly, saying the verify command was asked more often than recorded', async () => {
    // The same runbook recorded with `retries: 0`: one failed verify, then the rollback.
    const once = join(dir, 'late-file.yaml')
    writeFileSync(once, readFileSync(LATE, 'utf8').replace('retries: 3', 'retries: 0'))
    const { events } = await runFile(once, { params: { dir }, ...apply, clock: new TestClock() })
    expect(verifyCommands(events)).toHaveLength(1)
    const transcript = parseTranscript('once.jsonl', events.map((e) => JSON.stringify(e)).join('\n'))
    const replay = await replayTranscript(loadRunbook(LATE), transcript)
    expect(replay.mismatch?.code).toBe('RB_REPLAY_DIVERGED')
    expect(replay.mismatch?.detail).toMatchObject({ actual: `test -e ${join(dir, 'late')}`, recordedTimes: 1 })
    expect(replay.mismatch?.message).toContain('asked local for')
    expect(replay.mismatch?.message).toContain('2 times, the recording answers it 1 time(s)')
    expect(replay.summary.exitCode).toBe(EXIT.INCOMPLETE)
  })
})
