/**
 * Generates src/dsl/runbook.generated.ts from schemas/runbook.schema.json, the single source of
 * truth for the runbook format. `npm run gen:types` writes it; test/unit/dsl/schema-types.test.ts
 * fails when the committed file is stale.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { compile } from 'json-schema-to-typescript'

export const GENERATED_PATH = new URL('../../src/dsl/runbook.generated.ts', import.meta.url)
const SCHEMA_PATH = new URL('../../schemas/runbook.schema.json', import.meta.url)

/**
 * The schema gives each property its own description (for editors), also where the property is a
 * `$ref`. json-schema-to-typescript would turn every such `{ $ref, description }` into a fresh
 * anonymous type (`Probe1`, `Probe2`, and no `OkExit` at all), so for the types the sibling
 * description is dropped and the property keeps its named type.
 */
function withoutRefDescriptions(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutRefDescriptions)
  if (node === null || typeof node !== 'object') return node
  const entries = Object.entries(node).filter(([k]) => !(k === 'description' && '$ref' in node))
  return Object.fromEntries(entries.map(([k, v]) => [k, withoutRefDescriptions(v)]))
}

export async function generateRunbookTypes(): Promise<string> {
  const schema = withoutRefDescriptions(JSON.parse(await readFile(SCHEMA_PATH, 'utf8')))
  const body = await compile(schema as Parameters<typeof compile>[0], 'Runbook', {
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
