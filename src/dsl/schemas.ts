/**
 * The JSON Schemas of runbooks, actions and inventories (schemas/*.schema.json) as validators, the
 * one place that makes them. ajv compiles them when the schemas change, not at every start:
 * `npm run gen:types` writes ajv's standalone code to schema-validators.generated.ts. Compiling the
 * runbook and inventory schemas cost every CLI process ~0.3 s, loading ajv another ~0.1 s; the
 * generated module loads in ~10 ms.
 *
 * The generated code carries the SHA-256 of each schema it was made from. A schema edited since
 * (before `gen:types` was rerun) is compiled here by ajv as before, so a file is always checked
 * against the schema on disk; test/unit/dsl/schemas.test.ts fails while the generated file is stale.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Options, ValidateFunction } from 'ajv/dist/2020.js'
import { PACKAGE_ROOT } from '../version.ts'
import * as generated from './schema-validators.generated.ts'

export type SchemaName = 'runbook' | 'action' | 'inventory'

export const SCHEMA_URLS: Readonly<Record<SchemaName, URL>> = {
  runbook: pathToFileURL(join(PACKAGE_ROOT, 'schemas', 'runbook.schema.json')),
  action: pathToFileURL(join(PACKAGE_ROOT, 'schemas', 'action.schema.json')),
  inventory: pathToFileURL(join(PACKAGE_ROOT, 'schemas', 'inventory.schema.json')),
}

/** The schemas each validator reads: an action's body refers to the runbook schema's definitions. */
export const SCHEMA_READS: Readonly<Record<SchemaName, readonly SchemaName[]>> = {
  runbook: ['runbook'],
  action: ['runbook', 'action'],
  inventory: ['inventory'],
}

/** `verbose` keeps the failing schema in each error, which schema-errors.ts reads. */
export const AJV_OPTIONS: Options = { allErrors: true, strict: true, allowUnionTypes: true, verbose: true }

export function schemaText(name: SchemaName): string {
  return readFileSync(SCHEMA_URLS[name], 'utf8')
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

const made = new Map<SchemaName, ValidateFunction>()

/** The validator of one schema as on disk, made once per process. */
export function schemaValidator(name: SchemaName): ValidateFunction {
  let v = made.get(name)
  if (!v) {
    v = validatorFor(name, new Map(SCHEMA_READS[name].map((n) => [n, schemaText(n)] as const)))
    made.set(name, v)
  }
  return v
}

/** The generated validator when `texts` are the schemas it was generated from, else one ajv compiles now. */
export function validatorFor(name: SchemaName, texts: ReadonlyMap<SchemaName, string>): ValidateFunction {
  const fresh = SCHEMA_READS[name].every((n) => texts.has(n) && sha256(texts.get(n)!) === generated.SCHEMA_SHA256[n])
  return fresh ? (generated[name] as ValidateFunction) : compileSchema(name, texts)
}

/**
 * ajv with the given schemas added (each compiled when first asked for). Loaded here only, and only
 * when needed: by a schema newer than the generated code, and by the generator.
 */
export function ajvWith(texts: ReadonlyMap<SchemaName, string>, extra: Options = {}): import('ajv/dist/2020.js').Ajv2020 {
  const { Ajv2020 } = createRequire(import.meta.url)('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js')
  const ajv = new Ajv2020({ ...AJV_OPTIONS, ...extra })
  for (const text of texts.values()) ajv.addSchema(JSON.parse(text))
  return ajv
}

/** The `$id` a schema text declares, which ajv knows it by. */
export function schemaId(text: string): string {
  return (JSON.parse(text) as { $id: string }).$id
}

/** A validator compiled by ajv now, from the given schema texts (default: the files). */
export function compileSchema(
  name: SchemaName,
  texts: ReadonlyMap<SchemaName, string> = new Map(SCHEMA_READS[name].map((n) => [n, schemaText(n)])),
): ValidateFunction {
  const v = ajvWith(texts).getSchema(schemaId(texts.get(name)!))
  if (!v) throw new Error(`schema ${SCHEMA_URLS[name].pathname} has no $id`)
  return v
}
