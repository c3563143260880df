/**
 * `npm run bench:validate`: how validation scales with runbook size. Generated runbooks of
 * 1,000 (the reference), 5,000 and 20,000 steps are validated; each size also gets the time of the
 * YAML parse alone (measured in the same run), the least any validation must spend. Near-linear
 * validation keeps the time per step flat: the "per step vs 1,000" ratio stays near 1 (a quadratic
 * step would make it 5x and 20x).
 */
import { performance } from 'node:perf_hooks'
import { loadSource } from '../dsl/load.ts'
import { validateSource } from '../dsl/validate.ts'
import { createParserRegistry } from '../parsers/index.ts'
import { generateRunbook } from './generate.ts'
import { loadShellParser } from '../dsl/readonly.ts'

await loadShellParser()

const SIZES = (process.env.BENCH_SIZES ?? '1000,5000,20000').split(',').map(Number)
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3)

function best(fn: () => void, times: number): number {
  let min = Infinity
  for (let i = 0; i < times; i++) {
    const t = performance.now()
    fn()
    min = Math.min(min, performance.now() - t)
  }
  return min
}

const registry = createParserRegistry()
// Warm up: ajv compiles the schema once, the JIT sees every path.
validateSource('warmup.yaml', generateRunbook(200), registry)

console.log(`bench:validate: generated runbooks, best of ${REPEAT} (node ${process.version})`)
console.log(
  `  ${'steps'.padStart(7)} ${'validate'.padStart(10)} ${'per step'.padStart(10)} ${'vs ref'.padStart(8)} ${'yaml only'.padStart(10)} ${'validate/yaml'.padStart(14)}`,
)
let ref: number | undefined
for (const steps of SIZES) {
  const text = generateRunbook(steps)
  const file = `bench-${steps}.yaml`
  let ok = true
  const total = best(() => {
    ok = validateSource(file, text, registry).ok
  }, REPEAT)
  if (!ok) throw new Error(`the generated ${steps}-step runbook is invalid`)
  const yaml = best(() => loadSource(file, text), REPEAT)
  const perStep = (total * 1000) / steps
  ref ??= perStep
  console.log(
    `  ${String(steps).padStart(7)} ${`${(total / 1000).toFixed(2)} s`.padStart(10)} ${`${perStep.toFixed(0)} µs`.padStart(10)} ${`${(perStep / ref).toFixed(2)}x`.padStart(8)} ${`${(yaml / 1000).toFixed(2)} s`.padStart(10)} ${`${(total / yaml).toFixed(1)}x`.padStart(14)}`,
  )
}
