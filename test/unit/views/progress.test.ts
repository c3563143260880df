import { afterEach, describe, expect, vi } from 'vitest'
import { ANSI_PATTERN, stripAnsi } from '../../../src/views/ansi.ts'
import { createProgressView } from '../../../src/views/progress.ts'
import type { RunEvent } from '../../../src/types.ts'
import { byType, capture, test, type SampleRun } from './sample-run.ts'

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
const CURSOR_UP = /\x1b\[\d+F/
const HIDE = '\x1b[?25l'
const SHOW = '\x1b[?25h'

function plain(run: SampleRun, verbose = false): string {
  const out = capture()
  const view = createProgressView(out, { color: true, verbose })
  for (const e of run.events) view.sink(e)
  view.close()
  return out.text()
}

function tty(events: RunEvent[], opts: { color?: boolean; verbose?: boolean; columns?: number } = {}): string {
  const out = capture({ columns: opts.columns ?? 80, rows: 40 })
  const view = createProgressView(out, { color: opts.color ?? false, verbose: opts.verbose ?? false })
  for (const e of events) view.sink(e)
  view.close()
  return out.text()
}

/** What stays on screen at the end: everything after the last erase of the live region. */
function finalPart(text: string): string {
  const i = text.lastIndexOf('\x1b[J')
  return text.slice(i + 3).replace(SHOW, '')
}

describe('progress view, not a TTY', () => {
  test('dry-run: one plain line per event, the outcome and the exact commands of the proposed fix', ({ runs }) => {
    const text = plain(runs.proposed)
    const { dir } = runs.proposed
    // Color was asked for, but a pipe gets none.
    expect(text).not.toMatch(ANSI_PATTERN)
    expect(text).toMatch(/^\[\d\d:\d\d:\d\d\] run log-dir-full \(dry-run\) on local/m)
    expect(text).toMatch(/^\[\d\d:\d\d:\d\d\] step usage: started/m)
    expect(text).toMatch(new RegExp(`^  \\[fs\\] \\$ df -P -k -- ${escape(dir)} → exit 0 \\(\\d+ ms\\)$`, 'm'))
    expect(text).toContain('transition usage → largest (result.dir.total > params.max_dir_mb * 1024)')
    expect(text).toMatch(/step largest: ok \(\d+ ms\)/)
    const [proposed] = byType(runs.proposed.events, 'fix.proposed')
    const [outcome] = byType(runs.proposed.events, 'outcome')
    expect(outcome?.summary).toBeTruthy()
    expect(text).toContain(`WARNING  ${outcome?.summary}`)
    for (const c of [...(proposed?.plan.apply ?? []), ...(proposed?.plan.rollback ?? [])]) expect(text).toContain(c)
    expect(text).toContain('run again with --apply to apply')
    expect(text.trimEnd().split('\n').at(-1)).toMatch(/^Exit 4 \(fix-proposed\): a fix was proposed; nothing was changed/)
    // Parsed results and command starts are for --verbose only.
    expect(text).not.toContain('parsed by')
  })

  test('apply: approval, apply, verify in order, and no "run again" advice', ({ runs }) => {
    const text = plain(runs.applied)
    const order = [
      'fix archive_rotated: proposed',
      'fix archive_rotated: approved by me (--yes)',
      'apply $ cd -- ',
      'fix archive_rotated: applied',
      'verify $ du -sk',
      'fix archive_rotated: verified',
      'Exit 5 (fix-applied)',
    ]
    const at = order.map((s) => text.indexOf(s))
    expect(at.every((i) => i >= 0)).toBe(true)
    expect([...at].sort((a, b) => a - b)).toEqual(at)
    expect(text).not.toContain('run again with --apply')
  })

  test('a missing directory: failed commands show their stderr, evidence is indented', ({ runs }) => {
    const text = plain(runs.unreadable)
    expect(text).toMatch(/\$ du -sk -- \S+ → exit 1 \(\d+ ms\)\n    ! du: cannot access/)
    expect(text).toMatch(/step usage: failed/)
    expect(text).toMatch(/^      du: cannot access .*No such file or directory$/m)
    expect(text).toContain('Exit 3 (problem)')
  })

  test('verbose adds command starts, output tails and parsed results', ({ runs }) => {
    const text = plain(runs.proposed, true)
    expect(text).toMatch(/\$ du -sk -- \S+ \.\.\./)
    expect(text).toContain('parsed by du: {"entries"')
    expect(text).toMatch(/^      3000000 .*syslog\.1\.gz$/m)
  })
})

describe('progress view on a TTY', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  test('redraws in place and leaves the final tree and outcome', ({ runs }) => {
    const text = tty(runs.proposed.events)
    expect(text.startsWith(HIDE)).toBe(true)
    expect(text).toMatch(CURSOR_UP)
    expect(text.endsWith(SHOW)).toBe(true)
    const final = finalPart(text)
    expect(final).not.toMatch(ANSI_PATTERN) // color off: the static part is plain text
    const lines = final.split('\n')
    expect(lines[0]).toBe('runbook log-dir-full · dry-run · on local')
    expect(final).toMatch(/^✓ usage  How big is the directory.*\d+ ms$/m)
    expect(final).toMatch(/^  ├─ fs  \$ df -P -k .* → exit 0 \(\d+ ms\)$/m)
    expect(final).toMatch(/^  └─ dir  \$ du -sk .* → exit 0 \(\d+ ms\)$/m)
    expect(final).toMatch(/^  → largest  \(result\.dir\.total > /m)
    expect(final).toMatch(/^! archive_rotated  Move 1 rotated log file/m)
    expect(final).toContain('approval not asked (dry-run)')
    expect(final).toContain('Nothing was changed: run again with --apply to apply.')
    // The tree fits the terminal (so the live redraw never wraps); the outcome block is never cut.
    const tree = lines.slice(0, lines.indexOf(''))
    for (const l of tree) expect([...l].length).toBeLessThanOrEqual(79)
    const [proposed] = byType(runs.proposed.events, 'fix.proposed')
    for (const c of proposed?.plan.apply ?? []) expect(final).toContain(`  apply:    ${c}`)
  })

  test('a narrow terminal cuts commands but keeps exit code and duration', ({ runs }) => {
    const final = finalPart(tty(runs.proposed.events, { columns: 50 }))
    const find = final.split('\n').find((l) => l.includes('$ find'))
    expect(find).toMatch(/^  └─ \$ find .*… → exit 0 \(\d+ ms\)$/)
    expect([...(find ?? '')].length).toBeLessThanOrEqual(49)
  })

  test('colors only when asked', ({ runs }) => {
    const colored = finalPart(tty(runs.applied.events, { color: true }))
    expect(colored).toContain('\x1b[32m✓\x1b[39m')
    expect(stripAnsi(colored)).toMatch(/^✓ archive_rotated  Move 1 rotated/m)
    expect(stripAnsi(colored)).toContain('approval ✓ approved by me (--yes)')
    expect(stripAnsi(colored)).toContain('verified ✓ yes')
  })

  test('verbose shows the last lines of output under a command', ({ runs }) => {
    expect(finalPart(tty(runs.proposed.events, { verbose: true }))).toMatch(/^       3000000 .*syslog\.1\.gz$/m)
    expect(finalPart(tty(runs.proposed.events))).not.toContain('3000000')
  })

  test('at most ~10 redraws a second, with a spinner while a step runs', ({ runs }) => {
    vi.useFakeTimers({ now: Date.parse(runs.proposed.events[0]?.at ?? '') })
    const out = capture({ columns: 80, rows: 40 })
    const view = createProgressView(out, { color: false })
    const events = runs.proposed.events
    const upToLargest = events.slice(0, events.findIndex((e) => e.type === 'step.started' && e.step === 'largest') + 1)
    for (const e of upToLargest) view.sink(e)
    const frames = (): number => out.text().split('\x1b[J').length - 1
    expect(frames()).toBe(1) // a burst of events in the same instant: one frame
    vi.advanceTimersByTime(1000)
    expect(frames()).toBeGreaterThanOrEqual(8)
    expect(frames()).toBeLessThanOrEqual(11)
    const lastFrame = out.text().slice(out.text().lastIndexOf('\x1b[J', out.text().length - 4))
    expect(stripAnsi(lastFrame)).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] largest  Which files are largest\?  1\.\d s/)
    for (const e of events.slice(upToLargest.length)) view.sink(e)
    view.close()
    expect(finalPart(out.text())).toMatch(/^✓ largest/m)
  })

  test('stops redrawing while an approval prompt may own the terminal (--apply)', ({ runs }) => {
    vi.useFakeTimers({ now: Date.parse(runs.applied.events[0]?.at ?? '') })
    const out = capture({ columns: 80, rows: 40 })
    const view = createProgressView(out, { color: false })
    const events = runs.applied.events
    const proposedAt = events.findIndex((e) => e.type === 'fix.proposed')
    for (const e of events.slice(0, proposedAt + 1)) view.sink(e)
    const atPause = out.text().length
    expect(out.text().endsWith(SHOW)).toBe(true) // the cursor is visible for the answer
    // The proposal was drawn: the operator sees the plan above the question.
    expect(stripAnsi(out.text())).toContain('plan     on local')
    vi.advanceTimersByTime(3000)
    for (const e of events.slice(proposedAt + 1)) {
      view.sink(e)
      if (e.type === 'fix.approved') break
      expect(out.text().length).toBe(atPause) // not a byte while the prompt waits
    }
    vi.advanceTimersByTime(300)
    const resumed = out.text().slice(atPause)
    expect(resumed.length).toBeGreaterThan(0)
    // The first frame after the answer starts where the cursor is: it never climbs over the prompt.
    expect(resumed.startsWith(HIDE + '\r\x1b[2K')).toBe(true)
    expect(resumed).not.toContain('runbook log-dir-full') // steps before the fix stay where they were
    for (const e of events.slice(events.findIndex((e) => e.type === 'fix.approved') + 1)) view.sink(e)
    view.close()
    expect(finalPart(out.text())).toMatch(/^runbook log-dir-full · apply · on local\n✓ usage/)
  })

  test('closed before run.finished: the unfinished step is marked and the cursor restored', ({ runs }) => {
    const events = runs.proposed.events
    const cut = events.slice(0, events.findIndex((e) => e.type === 'command.started' && e.step === 'largest') + 1)
    const text = tty(cut)
    expect(text.endsWith(SHOW)).toBe(true)
    const final = finalPart(text)
    expect(final).toMatch(/^\? largest/m)
    expect(final).toContain('Unfinished: the record ends before run.finished')
  })
})
