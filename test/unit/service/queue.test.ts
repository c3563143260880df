/**
 * The in-process queue on its own: a run submitted while the pump is finishing its last round must
 * still start (it used to wait for the next submit: a lost wake-up).
 */
import { describe, expect, it } from 'vitest'
import { LocalRunQueue } from '../../../src/service/queue.ts'
import { openSqliteStore } from '../../../src/service/sqlite-store.ts'

describe('LocalRunQueue', () => {
  it('starts a run submitted at any point of a pump round, however many microtasks after the previous one', async () => {
    for (let ticks = 0; ticks < 40; ticks++) {
      const store = openSqliteStore(':memory:')
      const started: string[] = []
      const queue = new LocalRunQueue({
        store,
        concurrency: 4,
        timeoutMs: 60_000,
        now: Date.now,
        execute: async (id) => void started.push(id),
      })
      for (const id of ['a', 'b'])
        await store.createRun({
          id,
          runbook: 'r',
          file: 'r.yaml',
          host: 'h',
          mode: id === 'a' ? 'apply' : 'dry-run',
          params: {},
          requestedBy: 'x',
          createdAt: 1,
          planKey: new Uint8Array(32),
        })
      queue.submit({ id: 'a', host: 'h', mutating: true })
      for (let i = 0; i < ticks; i++) await null
      queue.submit({ id: 'b', host: 'h', mutating: false })
      const end = Date.now() + 2000
      while (started.length < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 5))
      expect({ ticks, started: [...started].sort() }).toEqual({ ticks, started: ['a', 'b'] })
      await queue.close()
      await store.close()
    }
  })
})
