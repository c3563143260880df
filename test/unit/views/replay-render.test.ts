import { describe, expect } from 'vitest'
import { ANSI_PATTERN } from '../../../src/views/ansi.ts'
import { createJsonView } from '../../../src/views/json.ts'
import { createProgressView } from '../../../src/views/progress.ts'
import { renderTranscript } from '../../../src/views/replay-render.ts'
import type { RunEvent } from '../../../src/types.ts'
import { byType, capture, test } from './sample-run.ts'

/** Events as `runbook replay` gets them: written as JSON lines, read back. */
function roundTrip(events: RunEvent[]): RunEvent[] {
  const out = capture()
  const view = createJsonView(out)
  for (const e of events) view.sink(e)
  return out
    .text()
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as RunEvent)
}

describe('renderTranscript', () => {
  test('a replayed run looks exactly like the end of the live one', ({ runs }) => {
    for (const run of Object.values(runs)) {
      const live = capture({ columns: 80, rows: 60 })
      const view = createProgressView(live, { color: true })
      for (const e of run.events) view.sink(e)
      view.close()
      const text = live.text()
      const liveFinal = text.slice(text.lastIndexOf('\x1b[J') + 3).replace('\x1b[?25h', '')

      const replayed = capture({ columns: 80 })
      renderTranscript(roundTrip(run.events), replayed, { color: true })
      expect(replayed.text()).toBe(liveFinal)
    }
  })

  test('to a file: no escape codes, no cutting, the exact commands of the fix', ({ runs }) => {
    const out = capture()
    renderTranscript(runs.proposed.events, out, {})
    const text = out.text()
    expect(text).not.toMatch(ANSI_PATTERN)
    expect(text).not.toContain('…')
    const [proposed] = byType(runs.proposed.events, 'fix.proposed')
    for (const c of proposed?.plan.apply ?? []) expect(text).toContain(`       apply:    ${c}\n`)
    expect(text).toMatch(/^Exit 4 \(fix-proposed\)/m)
  })

  test('a transcript cut short (crash) still renders, and says so', ({ runs }) => {
    const events = runs.applied.events
    const cut = events.slice(0, events.findIndex((e) => e.type === 'command.started' && e.spec.mutating) + 1)
    expect(cut.length).toBeGreaterThan(0)
    const out = capture()
    renderTranscript(cut, out, {})
    const text = out.text()
    expect(text).toMatch(/^\? archive_rotated/m)
    expect(text).toMatch(/^     apply    \$ .* → did not finish$/m)
    expect(text).toContain('approval ✓ approved by me (--yes)')
    expect(text).toContain('NO OUTCOME')
    expect(text).toMatch(/Unfinished: the record ends before run\.finished/)
    expect(text).not.toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/) // nothing spins in a static picture
  })
})

describe('renderTranscript of an interrupted run', () => {
  test('the step it stopped in is an error, its command did not finish, the exit says why', ({ runs }) => {
    const out = capture()
    renderTranscript(runs.interrupted.events, out, {})
    const text = out.text()
    expect(text).toMatch(/^✗ largest  Which files are largest\?/m)
    expect(text).toMatch(/^  └─ \$ find .* → did not finish$/m)
    expect(text).toMatch(/^  → _aborted  \(crash\)$/m)
    expect(text).toMatch(/^Exit 130 \(incomplete\): the run could not finish: RB_USAGE run interrupted/m)
  })
})

describe("output from a host cannot drive the reader's terminal", () => {
  test("escape sequences, C1 controls and bidi overrides in a command's output are shown escaped", ({ runs }) => {
    const hostile = '\x1b[2J\x1b]0;owned\x07 \x9b31m \u202egnp.exe'
    const events = runs.proposed.events.map((e) =>
      e.type === 'command.finished' && e.result
        ? { ...e, result: { ...e.result, stdout: `${hostile}\n${e.result.stdout}`, stderr: hostile } }
        : e,
    ) as RunEvent[]
    for (const color of [false, true]) {
      const out = capture({ columns: 200 })
      renderTranscript(events, out, { color, verbose: true })
      const text = out.text()
      // Our own colour codes aside, no control character from the host reaches the terminal.
      const bare = text.replace(new RegExp(ANSI_PATTERN.source, 'g'), '')
      expect(bare).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/)
      expect(bare).toContain('\\x1b[2J')
      expect(bare).toContain('\\u202egnp.exe')
    }
  })
})
