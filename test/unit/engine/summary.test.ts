/**
 * The run summary as a pure fold over events (engine/summary.ts), checked against every recorded
 * transcript: folding a real run's events gives back the status and the path that run recorded.
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { EMPTY_TALLY, runStatus, STATUS_EXIT, tally } from '../../../src/engine/summary.ts'
import { readTranscript } from '../../../src/transcript/reader.ts'

const recorded = readdirSync('fixtures', { withFileTypes: true })
  .filter((d) => d.isDirectory() && !['actions', 'parsers', 'runbooks', 'triggers'].includes(d.name))
  .flatMap((d) =>
    readdirSync(join('fixtures', d.name))
      .filter((f) => f.endsWith('.jsonl'))
      .map((f) => join('fixtures', d.name, f)),
  )
  .sort()

describe('summary: a pure reducer over RunEvents', () => {
  it('has recorded transcripts to check against', () => {
    expect(recorded.length).toBeGreaterThan(20)
  })

  it.each(recorded)('%s: the fold of its events gives the recorded status, exit code and path', async (file) => {
    const t = await readTranscript(file)
    const folded = t.events.reduce(tally, EMPTY_TALLY)
    expect(folded.path).toEqual(t.path)
    const status = t.finished!.status
    // A fix left unverified with nothing to undo it is known to the fix runner, not told by an event.
    const unverified = status === 'fix-unverified' ? 1 : 0
    expect(runStatus({ final: t.outcome?.id, tally: folded, unverified, severity: t.outcome?.severity, crashed: false })).toBe(status)
    expect(STATUS_EXIT[status]).toBe(t.finished!.exitCode)
  })

  it('never changes the tally it is given (each one is frozen: a change would throw)', async () => {
    const t = await readTranscript(recorded.find((f) => f.includes('apply'))!)
    const deepFreeze = <T>(o: T): T => {
      if (o && typeof o === 'object') {
        for (const v of Object.values(o)) deepFreeze(v)
        Object.freeze(o)
      }
      return o
    }
    let acc = deepFreeze(structuredClone(EMPTY_TALLY))
    for (const e of t.events) acc = deepFreeze(tally(acc, e))
    expect(acc.path.length).toBeGreaterThan(0)
    expect(Object.keys(acc.outputs).length).toBeGreaterThan(0)
  })

  it('a dry-run that proposes a fix whose pre-flight fails is refused; a crash is incomplete', async () => {
    const t = await readTranscript(recorded.find((f) => f.includes('healthy'))!)
    const folded = t.events.reduce(tally, EMPTY_TALLY)
    expect(runStatus({ final: t.outcome?.id, tally: folded, unverified: 0, severity: t.outcome?.severity, crashed: true })).toBe(
      'incomplete',
    )
    const preflightFailed = { ...folded, proposedStep: 'fix', preflightFailed: ['fix'] }
    expect(runStatus({ final: '_proposed', tally: preflightFailed, unverified: 0, severity: undefined, crashed: false })).toBe('refused')
    expect(
      runStatus({
        final: '_proposed',
        tally: { ...preflightFailed, preflightFailed: [] },
        unverified: 0,
        severity: undefined,
        crashed: false,
      }),
    ).toBe('fix-proposed')
  })
})
