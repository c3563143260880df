/**
 * Generates src/dsl/schema-validators.generated.ts: ajv's standalone code for the runbook, action
 * and inventory schemas, so no CLI process compiles them (src/dsl/schemas.ts). `npm run gen:types`
 * writes it; test/unit/dsl/schemas.test.ts fails when the committed file is stale.
 */
import { writeFile } from 'node:fs/promises'
import standaloneCode from 'ajv/dist/standalone/index.js'
import { ajvWith, schemaId, schemaText, sha256, type SchemaName } from '../../src/dsl/schemas.ts'

export const VALIDATORS_PATH = new URL('../../src/dsl/schema-validators.generated.ts', import.meta.url)
const NAMES: SchemaName[] = ['runbook', 'action', 'inventory']

export function generateValidators(): string {
  const texts = new Map(NAMES.map((n) => [n, schemaText(n)] as const))
  const ajv = ajvWith(texts, { code: { source: true, esm: true, lines: true } })
  const code = standaloneCode.default(ajv, Object.fromEntries(NAMES.map((n) => [n, schemaId(texts.get(n)!)])))
  // ajv's ESM output still require()s its runtime helpers (ucs2length for maxLength): give it a require.
  const body = code.replace(/^"use strict";/, '')
  return [
    '// Generated from schemas/{runbook,action,inventory}.schema.json by `npm run gen:types`',
    '// (test/helpers/gen-validators.ts): ajv standalone code. Do not edit.',
    '// @ts-nocheck',
    "import { createRequire } from 'node:module'",
    'const require = createRequire(import.meta.url)',
    `export const SCHEMA_SHA256 = ${JSON.stringify(Object.fromEntries(NAMES.map((n) => [n, sha256(texts.get(n)!)])), null, 2)}`,
    body,
    '',
  ].join('\n')
}

if (process.argv.includes('--write')) {
  await writeFile(VALIDATORS_PATH, generateValidators())
  console.log(`wrote ${VALIDATORS_PATH.pathname}`)
}
