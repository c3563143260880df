/**
 * Validation must stay near-linear in runbook size (issue 8, item 6: 20,000 steps took 98 s,
 * 5,000 took 6.8 s). Not a timing test: it compares two sizes measured in the same process against
 * a bound twice linear. Linear validation measures ~8x here (fixed costs weigh on the small one);
 * the quadratic CEL environment it replaced measured ~60x.
 */
import { performance } from 'node:perf_hooks'
import { describe, expect, it } from 'vitest'
import { generateRunbook } from '../../../src/bench/generate.ts'
import { validateSource } from '../../../src/dsl/validate.ts'
import { createParserRegistry } from '../../../src/parsers/index.ts'

const registry = createParserRegistry()

function bestOf(times: number, steps: number): number {
  const text = generateRunbook(steps)
  let min = Infinity
  for (let i = 0; i < times; i++) {
    const t = performance.now()
    const r = validateSource(`gen-${steps}.yaml`, text, registry)
    min = Math.min(min, performance.now() - t)
    expect(r.ok).toBe(true)
  }
  return min
}

describe('validation scaling', () => {
  it('16x the steps costs at most twice linear time', { timeout: 120_000 }, () => {
    bestOf(2, 100) // warm-up: schema compile, JIT
    const small = bestOf(3, 250)
    const large = bestOf(2, 4000)
    expect(large / small).toBeLessThan(16 * 2)
  })
})
