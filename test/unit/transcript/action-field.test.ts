/**
 * A command's spec may name the action it came from (`action: 'ns/name@1'`): the transcript reader
 * accepts it, and refuses it when it is not a string. Recorded transcripts without it stay valid.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseTranscript } from '../../../src/transcript/reader.ts'
import { eventProblem } from '../../../src/transcript/event-shape.ts'

const recorded = 'fixtures/unreachable-host/fail2ban-apply.jsonl'

describe('spec.action in transcripts', () => {
  const lines = readFileSync(recorded, 'utf8').trim().split('\n')
  const withAction = (value: unknown) =>
    lines
      .map((l) => {
        const e = JSON.parse(l) as { type: string; step?: string; spec?: Record<string, unknown> }
        if ((e.type === 'command.started' || e.type === 'command.finished') && e.step === 'fix_fail2ban')
          e.spec = { ...e.spec, action: value }
        return JSON.stringify(e)
      })
      .join('\n')

  it('is accepted as a string, and the recording without it still parses', () => {
    expect(parseTranscript(recorded, lines.join('\n')).events.length).toBe(lines.length)
    const t = parseTranscript('with-action.jsonl', withAction('fail2ban/lift-ban@1'))
    const specs = t.events.flatMap((e) => (e.type === 'command.finished' && e.step === 'fix_fail2ban' ? [e.spec] : []))
    expect(specs.length).toBeGreaterThan(0)
    expect(specs.every((s) => s.action === 'fail2ban/lift-ban@1')).toBe(true)
  })

  it('is refused when it is not a string', () => {
    expect(
      eventProblem(
        { seq: 1, at: '2026-01-01T00:00:00Z', type: 'command.started', step: 's', spec: { host: 'h', command: 'c', action: 1 } },
        'command.started',
      ),
    ).toMatch(/spec\.action must be a string/)
  })
})
