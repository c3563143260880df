import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { compileRunbook } from '../../../src/compile/compile.ts'
import { validateFile } from '../../../src/dsl/validate.ts'
import { createParserRegistry } from '../../../src/parsers/index.ts'

const parsers = createParserRegistry()
const files = ['runbooks', 'fixtures/runbooks/valid'].flatMap((d) =>
  readdirSync(d)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => join(d, f)),
)

describe('valid runbooks', () => {
  it.each(files)('%s validates and compiles', (file) => {
    const result = validateFile(file, parsers)
    if (!result.ok) expect(result.errors.map((e) => e.located)).toEqual([])
    if (!result.ok) return
    const compiled = compileRunbook(result.value, parsers)
    // Every step is a state of the machine, every outcome a final state.
    const states = Object.keys((compiled.machine.root as unknown as { states: object }).states)
    for (const step of compiled.steps.keys()) expect(states).toContain(step)
    for (const outcome of compiled.outcomes.keys()) expect(states).toContain(outcome)
    // Every authored transition target exists in the machine.
    for (const e of compiled.edges) expect(e.to.split('.')[0] ? states : []).toContain(e.to.split('.')[0])
  })
})
