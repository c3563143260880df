/** input.ts: bounded, streaming, interruptible reads of the files users name. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { RunbookError } from '../../src/errors.ts'
import { readLines, readRegularFile } from '../../src/input.ts'

const dir = mkdtempSync(join(tmpdir(), 'rb-input-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const OPTS = { what: 'transcript', missing: 'RB_TRANSCRIPT_INVALID' } as const

async function collect(file: string, maxLineBytes: number, signal?: AbortSignal): Promise<Array<{ text: string; line: number }>> {
  const out = []
  for await (const l of readLines(file, { ...OPTS, maxLineBytes, ...(signal ? { signal } : {}) })) out.push(l)
  return out
}

describe('readLines', () => {
  it('yields every line, numbered, also across chunk boundaries and without a final newline', async () => {
    const big = 'x'.repeat(1536 * 1024) // longer than one read chunk (1 MiB)
    const file = join(dir, 'lines.jsonl')
    writeFileSync(file, `a\n${big}\n\nb${big}\nlast`)
    const lines = await collect(file, 4 * 1024 * 1024)
    expect(lines.map((l) => [l.line, l.text.length])).toEqual([
      [1, 1],
      [2, big.length],
      [3, 0],
      [4, big.length + 1],
      [5, 4],
    ])
    expect(lines[3]!.text.startsWith('bxxx')).toBe(true)
  })

  it('refuses a line over the cap at its line number, before reading it whole', async () => {
    const file = join(dir, 'long.jsonl')
    writeFileSync(file, `short\n${'y'.repeat(5000)}\n`)
    const err = await collect(file, 1000).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RunbookError)
    expect(err).toMatchObject({ code: 'RB_INPUT_TOO_LARGE', pos: { file, line: 2, col: 1 } })
  })

  it('stops when the signal is aborted', async () => {
    const file = join(dir, 'abort.jsonl')
    writeFileSync(file, 'a\nb\n')
    const controller = new AbortController()
    controller.abort('SIGTERM')
    const err = await collect(file, 1000, controller.signal).catch((e: unknown) => e)
    expect((err as Error).name).toBe('AbortError')
  })
})

describe('readRegularFile', () => {
  it('refuses a file over the cap', () => {
    const file = join(dir, 'big.yaml')
    writeFileSync(file, 'z'.repeat(100))
    expect(() => readRegularFile(file, 50, OPTS)).toThrow(expect.objectContaining({ code: 'RB_INPUT_TOO_LARGE' }))
    expect(readRegularFile(file, 100, OPTS)).toHaveLength(100)
  })

  it('bounds what it reads even when the size says 0 (files in /proc)', () => {
    expect(readRegularFile('/proc/self/status', 1 << 20, OPTS)).toContain('Name:')
    expect(() => readRegularFile('/proc/self/status', 10, OPTS)).toThrow(expect.objectContaining({ code: 'RB_INPUT_TOO_LARGE' }))
  })
})
