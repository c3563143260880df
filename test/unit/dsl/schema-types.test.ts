import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { GENERATED_PATH, generateRunbookTypes } from '../../helpers/gen-types.ts'

describe('schemas/runbook.schema.json is the single source of truth', () => {
  it('src/dsl/runbook.generated.ts is what the schema generates (run `npm run gen:types` after changing the schema)', async () => {
    expect(readFileSync(GENERATED_PATH, 'utf8')).toBe(await generateRunbookTypes())
  })
})
