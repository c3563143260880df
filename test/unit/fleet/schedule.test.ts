/**
 * Scheduler semantics with fake hosts: each host is a deferred the test resolves, so concurrency,
 * barriers, canary and the failure budget are observed step by step, without timers.
 */
import { describe, expect, it } from 'vitest'
import { batches, failureThreshold, firstToStart, parsePolicy, describeBudget, type FleetPolicy } from '../../../src/fleet/policy.ts'
import { FailureBudget, schedule } from '../../../src/fleet/schedule.ts'

const hosts = (n: number): string[] => Array.from({ length: n }, (_, i) => `h${i + 1}`)

/** A fake fleet: hosts start when the scheduler says, and end when the test says. */
function fakeFleet() {
  const running = new Map<string, (failed: boolean) => void>()
  const started: string[] = []
  let maxRunning = 0
  const waiters: Array<() => void> = []
  const runHost = (h: string): Promise<{ host: string; failed: boolean }> =>
    new Promise((resolve) => {
      started.push(h)
      running.set(h, (failed) => {
        running.delete(h)
        resolve({ host: h, failed })
      })
      maxRunning = Math.max(maxRunning, running.size)
      for (const w of waiters.splice(0)) w()
    })
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 20; i++) await null
  }
  return {
    started,
    running,
    runHost,
    get maxRunning() {
      return maxRunning
    },
    /** End a running host, then let the scheduler react. */
    async end(h: string, failed = false) {
      const f = running.get(h)
      if (!f) throw new Error(`${h} is not running (running: ${[...running.keys()].join(', ')})`)
      f(failed)
      await settle()
    },
    settle,
  }
}

const policy = (p: Partial<FleetPolicy>): FleetPolicy => ({ concurrency: 10, canary: 0, waves: [], maxFailures: null, ...p })

describe('policy parsing and rounding', () => {
  it('budget thresholds: a count as given; a percentage rounds up, at least 1', () => {
    expect(failureThreshold(parsePolicy({ maxFailures: '3' }), 50)).toBe(3)
    expect(failureThreshold(parsePolicy({ maxFailures: '10%' }), 50)).toBe(5)
    expect(failureThreshold(parsePolicy({ maxFailures: '10%' }), 25)).toBe(3) // 2.5 → 3 (12% of 25); 2 would be 8%
    expect(failureThreshold(parsePolicy({ maxFailures: '1%' }), 10)).toBe(1) // 0.1 → 1
    expect(failureThreshold(parsePolicy({ maxFailures: '100%' }), 7)).toBe(7)
    expect(failureThreshold(parsePolicy({ maxFailures: '33%' }), 3)).toBe(1) // 0.99 → 1
    expect(failureThreshold(parsePolicy({}), 10)).toBeNull()
  })

  it('refuses 0, 0%, over 100%, junk; says why for 0', () => {
    expect(() => parsePolicy({ maxFailures: '0' })).toThrow(/0 failures would stop before the first host/)
    expect(() => parsePolicy({ maxFailures: '0%' })).toThrow(/between 1% and 100%/)
    expect(() => parsePolicy({ maxFailures: '101%' })).toThrow(/between 1% and 100%/)
    expect(() => parsePolicy({ maxFailures: 'three' })).toThrow(/neither a number/)
    expect(() => parsePolicy({ concurrency: '0' })).toThrow(/at least 1/)
    expect(() => parsePolicy({ canary: '-1' })).toThrow(/whole number/)
  })

  it('waves must grow and end at 100%', () => {
    expect(() => parsePolicy({ waves: '10%,50%' })).toThrow(/last wave must be 100%/)
    expect(() => parsePolicy({ waves: '50%,10%,100%' })).toThrow(/must grow/)
    expect(parsePolicy({ waves: '1,5,100%' }).waves).toEqual([{ count: 1 }, { count: 5 }, { percent: 100 }])
  })

  it('states the budget in plain words', () => {
    expect(describeBudget(parsePolicy({ maxFailures: '3' }), 50)).toMatch(/^stops after the 3rd failed host of 50/)
    expect(describeBudget(parsePolicy({ maxFailures: '1' }), 10)).toMatch(/^stops after the 1st failed host of 10/)
    expect(describeBudget(parsePolicy({ maxFailures: '10%' }), 25)).toMatch(
      /^stops after the 3rd failed host of 25 \(--max-failures 10% of 25 = 2.5, rounded up\)/,
    )
    expect(describeBudget(parsePolicy({ maxFailures: '12' }), 10)).toMatch(/cannot trip/)
    expect(describeBudget(parsePolicy({ maxFailures: '11' }), 50)).toMatch(/11th/)
    expect(describeBudget(parsePolicy({ maxFailures: '22' }), 50)).toMatch(/22nd/)
  })

  it('batches: canary first, then cumulative waves (rounded up), empty waves dropped', () => {
    expect(batches(hosts(10), { canary: 1, waves: [] })).toEqual([['h1'], hosts(10).slice(1)])
    expect(batches(hosts(10), { canary: 0, waves: parsePolicy({ waves: '10%,50%,100%' }).waves })).toEqual([
      ['h1'],
      ['h2', 'h3', 'h4', 'h5'],
      hosts(10).slice(5),
    ])
    // 10% of 5 = 0.5 → 1, already covered by the canary of 2: that wave adds nothing and is dropped.
    expect(batches(hosts(5), { canary: 2, waves: parsePolicy({ waves: '10%,60%,100%' }).waves })).toEqual([
      ['h1', 'h2'],
      ['h3'],
      ['h4', 'h5'],
    ])
    expect(batches(hosts(2), { canary: 5, waves: [] })).toEqual([['h1', 'h2']])
  })

  it('firstToStart: the hosts a fleet starts at once (warmed while it sets up): the first batch, up to the concurrency', () => {
    expect(firstToStart(hosts(10), { concurrency: 4, canary: 0, waves: [] })).toEqual(hosts(4))
    expect(firstToStart(hosts(10), { concurrency: 4, canary: 1, waves: [] })).toEqual(['h1'])
    expect(firstToStart(hosts(10), { concurrency: 50, canary: 0, waves: parsePolicy({ waves: '30%,100%' }).waves })).toEqual(hosts(3))
    expect(firstToStart(hosts(3), { concurrency: 50, canary: 0, waves: [] })).toEqual(hosts(3))
    expect(firstToStart([], { concurrency: 5, canary: 0, waves: [] })).toEqual([])
  })
})

describe('schedule', () => {
  it('runs at most `concurrency` hosts at once and every host once', async () => {
    const f = fakeFleet()
    const done = schedule(hosts(5), {
      policy: policy({ concurrency: 2 }),
      budget: new FailureBudget(null),
      runHost: f.runHost,
      failed: (r) => r.failed,
    })
    await f.settle()
    expect(f.started).toEqual(['h1', 'h2'])
    await f.end('h2')
    expect(f.started).toEqual(['h1', 'h2', 'h3'])
    for (const h of ['h1', 'h3', 'h4', 'h5']) await f.end(h)
    const r = await done
    expect(f.maxRunning).toBe(2)
    expect([...r.results.keys()]).toEqual(['h2', 'h1', 'h3', 'h4', 'h5'])
    expect(r.stop).toBeNull()
    expect(r.notStarted).toEqual([])
  })

  it('waves have a barrier: the next wave starts only when every host of the previous one ended', async () => {
    const f = fakeFleet()
    const done = schedule(hosts(4), {
      policy: policy({ concurrency: 10, waves: parsePolicy({ waves: '50%,100%' }).waves }),
      budget: new FailureBudget(null),
      runHost: f.runHost,
      failed: (r) => r.failed,
    })
    await f.settle()
    expect(f.started).toEqual(['h1', 'h2'])
    await f.end('h1')
    expect(f.started).toEqual(['h1', 'h2']) // h2 still runs: no h3 yet, although 9 slots are free
    await f.end('h2')
    expect(f.started).toEqual(['h1', 'h2', 'h3', 'h4'])
    await f.end('h3')
    await f.end('h4')
    expect((await done).stop).toBeNull()
  })

  it('canary: the others start only after it ended well', async () => {
    const f = fakeFleet()
    const done = schedule(hosts(4), {
      policy: policy({ canary: 1 }),
      budget: new FailureBudget(null),
      runHost: f.runHost,
      failed: (r) => r.failed,
    })
    await f.settle()
    expect(f.started).toEqual(['h1'])
    await f.end('h1')
    expect(f.started).toEqual(['h1', 'h2', 'h3', 'h4'])
    for (const h of ['h2', 'h3', 'h4']) await f.end(h)
    expect((await done).stop).toBeNull()
  })

  it('canary that fails: nobody else starts, even with no budget', async () => {
    const f = fakeFleet()
    const done = schedule(hosts(4), {
      policy: policy({ canary: 1 }),
      budget: new FailureBudget(null),
      runHost: f.runHost,
      failed: (r) => r.failed,
    })
    await f.settle()
    await f.end('h1', true)
    const r = await done
    expect(r.stop?.reason).toBe('canary')
    expect(r.notStarted).toEqual(['h2', 'h3', 'h4'])
    expect(f.started).toEqual(['h1'])
  })

  it('canary not confirmed: stops; confirmed: goes on', async () => {
    const f = fakeFleet()
    const asked: string[][] = []
    const done = schedule(hosts(3), {
      policy: policy({ canary: 1 }),
      budget: new FailureBudget(null),
      runHost: f.runHost,
      failed: (r) => r.failed,
      confirmAfterCanary: async (c) => {
        asked.push([...c.keys()])
        return false
      },
    })
    await f.settle()
    await f.end('h1')
    const r = await done
    expect(asked).toEqual([['h1']])
    expect(r.stop?.reason).toBe('not-confirmed')
    expect(r.notStarted).toEqual(['h2', 'h3'])
  })

  it('budget equal to the failures: trips at the Nth failure; running hosts finish; the rest never start', async () => {
    const f = fakeFleet()
    const budget = new FailureBudget(failureThreshold(parsePolicy({ maxFailures: '2' }), 6))
    const done = schedule(hosts(6), { policy: policy({ concurrency: 2 }), budget, runHost: f.runHost, failed: (r) => r.failed })
    await f.settle()
    await f.end('h1', true) // 1st failure: not yet
    expect(f.started).toEqual(['h1', 'h2', 'h3'])
    await f.end('h3', true) // 2nd failure = the budget: trips
    expect(budget.tripped).toBe(true)
    expect(budget.trippedAt).toBe('h3')
    expect(f.started).toEqual(['h1', 'h2', 'h3']) // nothing new, h2 still running
    await f.end('h2', true) // in flight: finishes, and its failure is counted too
    const r = await done
    expect(r.stop?.reason).toBe('budget')
    expect(r.stop?.message).toMatch(/3 failed host\(s\) \(h1, h3, h2\), the budget trips at 2/)
    expect(r.notStarted).toEqual(['h4', 'h5', 'h6'])
    expect([...r.results.keys()]).toEqual(['h1', 'h3', 'h2'])
  })

  it('budget not reached (failures one below it): every host runs', async () => {
    const f = fakeFleet()
    const budget = new FailureBudget(3)
    const done = schedule(hosts(4), { policy: policy({ concurrency: 1 }), budget, runHost: f.runHost, failed: (r) => r.failed })
    for (const [h, failed] of [
      ['h1', true],
      ['h2', false],
      ['h3', true],
      ['h4', false],
    ] as const) {
      await f.settle()
      await f.end(h, failed)
    }
    const r = await done
    expect(budget.failed).toEqual(['h1', 'h3'])
    expect(r.stop).toBeNull()
    expect(r.notStarted).toEqual([])
  })

  it('budget 1: the first failure stops the run (the last host failing leaves nothing unstarted)', async () => {
    const f = fakeFleet()
    const done = schedule(hosts(3), {
      policy: policy({ concurrency: 1 }),
      budget: new FailureBudget(1),
      runHost: f.runHost,
      failed: (r) => r.failed,
    })
    await f.settle()
    await f.end('h1')
    await f.end('h2', true)
    const r = await done
    expect(r.stop?.reason).toBe('budget')
    expect(r.notStarted).toEqual(['h3'])
  })

  it('the budget is shared over schedules (phases, groups): a trip in one stops the next before it starts', async () => {
    const f = fakeFleet()
    const budget = new FailureBudget(1)
    const first = schedule(['a1'], { policy: policy({}), budget, runHost: f.runHost, failed: (r) => r.failed })
    await f.settle()
    await f.end('a1', true)
    expect((await first).stop?.reason).toBe('budget')
    const second = await schedule(['b1', 'b2'], { policy: policy({}), budget, runHost: f.runHost, failed: (r) => r.failed })
    expect(second.notStarted).toEqual(['b1', 'b2'])
    expect(f.started).toEqual(['a1'])
  })

  it('interrupted: no new host starts', async () => {
    const f = fakeFleet()
    const ac = new AbortController()
    const done = schedule(hosts(3), {
      policy: policy({ concurrency: 1 }),
      budget: new FailureBudget(null),
      runHost: f.runHost,
      failed: (r) => r.failed,
      signal: ac.signal,
    })
    await f.settle()
    ac.abort()
    await f.end('h1')
    const r = await done
    expect(r.stop?.reason).toBe('interrupted')
    expect(r.notStarted).toEqual(['h2', 'h3'])
  })
})
