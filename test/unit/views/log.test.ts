import { Writable } from 'node:stream'
import { pino } from 'pino'
import { describe, expect } from 'vitest'
import { createLogSink } from '../../../src/views/log.ts'
import type { RunEvent } from '../../../src/types.ts'
import { test } from './sample-run.ts'

interface Line {
  level: number
  msg: string
  event: string
  seq: number
  [field: string]: unknown
}

const LEVEL = { debug: 20, info: 30, warn: 40, error: 50 } as const

/** Log the events through a real pino logger and read its JSON lines back. */
function logged(events: RunEvent[], level: 'debug' | 'info' = 'debug'): Line[] {
  const chunks: string[] = []
  const dest = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString())
      done()
    },
  })
  const sink = createLogSink(pino({ level }, dest))
  for (const e of events) sink(e)
  return chunks
    .join('')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Line)
}

const find = (lines: Line[], pred: (l: Line) => boolean): Line => {
  const hit = lines.find(pred)
  if (!hit) throw new Error('no such log line')
  return hit
}

describe('pino log sink', () => {
  test('steps, transitions and fix events at info, with concise fields', ({ runs }) => {
    const lines = logged(runs.applied.events)
    expect(find(lines, (l) => l.event === 'run.started')).toMatchObject({
      level: LEVEL.info,
      runbook: 'log-dir-full',
      mode: 'apply',
      targets: ['local'],
    })
    expect(find(lines, (l) => l.event === 'step.started' && l.step === 'usage')).toMatchObject({
      level: LEVEL.info,
      kind: 'parallel',
      msg: 'step usage started',
    })
    expect(find(lines, (l) => l.event === 'transition' && l.from === 'usage')).toMatchObject({
      level: LEVEL.info,
      to: 'largest',
      edge: 'usage#0',
    })
    for (const type of ['fix.proposed', 'fix.approved', 'fix.applied', 'fix.verified']) {
      expect(find(lines, (l) => l.event === type)).toMatchObject({ level: LEVEL.info, step: 'archive_rotated' })
    }
    expect(find(lines, (l) => l.event === 'run.finished')).toMatchObject({ level: LEVEL.info, status: 'fix-applied', exitCode: 5 })
    // Each line points back to its transcript line.
    expect(lines.map((l) => l.seq)).toEqual([...lines.map((l) => l.seq)].sort((a, b) => a - b))
  })

  test('command output only at debug; never full stdout at info', ({ runs }) => {
    const debug = logged(runs.proposed.events, 'debug')
    const output = find(
      debug,
      (l) => l.event === 'command.finished' && l.msg === 'command output' && String(l.command).includes('sort -rn'),
    )
    expect(output.level).toBe(LEVEL.debug)
    expect(output.stdout).toMatch(/^3000000\t.*syslog\.1\.gz\n/)

    const info = logged(runs.proposed.events, 'info')
    expect(info.every((l) => l.level >= LEVEL.info)).toBe(true)
    expect(info.some((l) => 'stdout' in l || 'value' in l)).toBe(false)
    const summary = find(info, (l) => l.event === 'command.finished' && String(l.command).includes('sort -rn'))
    expect(summary).toMatchObject({ level: LEVEL.info, exitCode: 0, host: 'local', msg: 'command finished' })
    expect(summary.stdoutBytes).toBeGreaterThan(0)
  })

  test('failures at warn, with the stderr lines that say why', ({ runs }) => {
    const lines = logged(runs.unreadable.events, 'info')
    const du = find(lines, (l) => l.event === 'command.finished' && String(l.command).startsWith('du '))
    expect(du).toMatchObject({ level: LEVEL.warn, exitCode: 1, msg: 'command failed' })
    expect(du.stderrTail).toEqual([expect.stringContaining('No such file or directory')])
    expect(find(lines, (l) => l.event === 'step.finished')).toMatchObject({ level: LEVEL.warn, status: 'failed' })
    expect(find(lines, (l) => l.event === 'outcome')).toMatchObject({ level: LEVEL.warn, severity: 'warning', outcome: 'unreadable' })
  })

  test("a child logger's bindings are not repeated in a line", ({ runs }) => {
    const chunks: string[] = []
    const dest = new Writable({
      write(chunk: Buffer, _enc, done) {
        chunks.push(chunk.toString())
        done()
      },
    })
    const sink = createLogSink(pino(dest).child({ runbook: 'log-dir-full' }))
    for (const e of runs.proposed.events) sink(e)
    const started = chunks.find((c) => c.includes('"run.started"')) ?? ''
    expect(started.match(/"runbook":/g)).toHaveLength(1)
    expect(JSON.parse(started)).toMatchObject({ runbook: 'log-dir-full', mode: 'dry-run' })
  })

  test('a run that could not finish is an error', ({ runs }) => {
    const lines = logged(runs.interrupted.events, 'info')
    expect(find(lines, (l) => l.event === 'run.finished')).toMatchObject({
      level: LEVEL.error,
      status: 'incomplete',
      exitCode: 130,
      error: { code: 'RB_USAGE' },
    })
  })
})
