/**
 * Generates src/dsl/runbook.generated.ts from schemas/runbook.schema.json, the single source of
 * truth for the runbook format. `npm run gen:types` writes it; test/unit/dsl/schema-types.test.ts
 * fails when the committed file is stale.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { compile } from 'json-schema-to-typescript'

export const GENERATED_PATH = new URL('../../src/dsl/runbook.generated.ts', import.meta.url)
const SCHEMA_PATH = new URL('../../schemas/runbook.schema.json', import.meta.url)

export async function generateRunbookTypes(): Promise<string> {
  const schema = JSON.parse(await readFile(SCHEMA_PATH, 'utf8'))
  const body = await compile(schema, 'Runbook', {
    bannerComment: '',
    additionalProperties: false,
    strictIndexSignatures: true,
    format: true,
    style: { semi: false, singleQuote: true, printWidth: 110 },
  })
  return `// Generated from schemas/runbook.schema.json by \`npm run gen:types\`. Do not edit.\n\n${body}`
}

if (process.argv.includes('--write')) {
  await writeFile(GENERATED_PATH, await generateRunbookTypes())
  console.log(`wrote ${GENERATED_PATH.pathname}`)
}
