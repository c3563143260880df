/**
 * The signal each command runs under (steps.ts commandSignal): aborted with the run or at its
 * timeout, and once the command is done, nothing of it stays hooked on the run's signal.
 */
import { getEventListeners } from 'node:events'
import { describe, expect, it } from 'vitest'
import { commandSignal } from '../../../src/engine/steps.ts'

describe('commandSignal', () => {
  it('aborts when the run aborts, with the run reason', () => {
    const run = new AbortController()
    const { signal, done } = commandSignal(run.signal, 60_000)
    expect(signal.aborted).toBe(false)
    const reason = new Error('interrupted')
    run.abort(reason)
    expect(signal.aborted).toBe(true)
    expect(signal.reason).toBe(reason)
    done()
  })

  it('aborts at its timeout with a TimeoutError', async () => {
    const run = new AbortController()
    const { signal, done } = commandSignal(run.signal, 20)
    await new Promise((r) => signal.addEventListener('abort', r, { once: true }))
    expect((signal.reason as DOMException).name).toBe('TimeoutError')
    expect(run.signal.aborted).toBe(false)
    done()
  })

  it('done() unhooks it from the run and stops its timer', async () => {
    const run = new AbortController()
    const commands = Array.from({ length: 12 }, () => commandSignal(run.signal, 30))
    expect(getEventListeners(run.signal, 'abort')).toHaveLength(12)
    for (const c of commands) c.done()
    expect(getEventListeners(run.signal, 'abort')).toHaveLength(0)
    await new Promise((r) => setTimeout(r, 60))
    expect(commands.every((c) => !c.signal.aborted)).toBe(true)
    run.abort()
    expect(commands.every((c) => !c.signal.aborted)).toBe(true)
  })

  it('is aborted at once under a run already aborted', () => {
    const run = new AbortController()
    run.abort(new Error('gone'))
    const { signal } = commandSignal(run.signal, 60_000)
    expect(signal.aborted).toBe(true)
    expect((signal.reason as Error).message).toBe('gone')
  })
})
