/**
 * Where the engine gets time and waits: the wall clock for live runs, a simulated one for replays
 * and tests. Waiting goes through the clock too (verify's retry interval), so a replay never
 * sleeps in real time and stays deterministic.
 */
import { setTimeout as delay } from 'node:timers/promises'
import type { Clock } from '../types.ts'

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: async (ms, signal) => {
    await delay(ms, undefined, { signal })
  },
}

/**
 * Time that moves only when the run waits: `sleep` returns at once, the clock `ms` later.
 *
 * @example
 * const clock = new SimulatedClock(Date.parse(transcript.started.startedAt))
 * await runRunbook(compiled, { ...options, clock })
 */
export class SimulatedClock implements Clock {
  #now: number
  constructor(start: number) {
    this.#now = start
  }

  now(): number {
    return this.#now
  }

  async sleep(ms: number, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted()
    this.#now += ms
  }
}
