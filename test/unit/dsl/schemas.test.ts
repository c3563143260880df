import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { compileSchema, SCHEMA_READS, schemaText, schemaValidator, validatorFor, type SchemaName } from '../../../src/dsl/schemas.ts'
import { generateValidators, VALIDATORS_PATH } from '../../helpers/gen-validators.ts'

const yamlFiles = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    return statSync(p).isDirectory() ? yamlFiles(p) : /\.ya?ml$/.test(f) ? [p] : []
  })

// Every runbook and action of the repository, valid and invalid, and a few inventories: each is fed
// to every validator, so each schema also sees documents of the other kinds (many errors each).
const documents: Array<[string, unknown]> = [
  ...['runbooks', 'fixtures/runbooks', 'actions', 'fixtures/actions'].flatMap(yamlFiles).map((f): [string, unknown] => {
    try {
      return [f, parse(readFileSync(f, 'utf8'))]
    } catch {
      return [f, null] // not YAML at all (a corpus case of its own): still a document to validate
    }
  }),
  [
    'inventory',
    {
      apiVersion: 'runbook/v1',
      kind: 'Inventory',
      defaults: { user: 'root', port: 22 },
      hosts: { web1: { address: '198.18.0.11', vars: { role: 'web' } } },
      groups: { web: { hosts: ['web1'] } },
    },
  ],
  [
    'inventory with mistakes',
    {
      apiVersion: 'runbook/v1',
      kind: 'Inventory',
      defaults: { user: 7, port: 'x', colour: 'red' },
      hosts: { web1: { adress: '198.18.0.11' } },
      groups: { web: { hosts: 'web1' } },
    },
  ],
]

const NAMES: SchemaName[] = ['runbook', 'action', 'inventory']

describe('schema validators (ajv standalone code, generated ahead of time)', () => {
  it('src/dsl/schema-validators.generated.ts is what the schemas generate (run `npm run gen:types` after changing a schema)', () => {
    expect(readFileSync(VALIDATORS_PATH, 'utf8')).toBe(generateValidators())
  })

  it.each(NAMES)('the generated %s validator gives the verdicts and errors ajv gives when it compiles the schema now', (name) => {
    const generated = schemaValidator(name)
    const compiled = compileSchema(name)
    expect(generated).not.toBe(compiled)
    let failures = 0
    for (const [file, data] of documents) {
      const ok = generated(data)
      expect({ file, ok, errors: generated.errors ?? null }).toEqual({ file, ok: compiled(data), errors: compiled.errors ?? null })
      if (!ok) failures++
    }
    expect(failures).toBeGreaterThan(10)
  })

  it('a schema changed since the code was generated is compiled by ajv, so files are checked against the schema on disk', () => {
    const texts = new Map(SCHEMA_READS.runbook.map((n) => [n, schemaText(n)] as const))
    const runbook = parse(readFileSync('fixtures/runbooks/valid/fleet-bench-triage.yaml', 'utf8')) as Record<string, unknown>
    expect(validatorFor('runbook', texts)(runbook)).toBe(true)
    const schema = JSON.parse(texts.get('runbook')!) as { required: string[]; properties: Record<string, unknown> }
    schema.properties.owner = { type: 'string' }
    schema.required.push('owner')
    const edited = validatorFor('runbook', new Map([['runbook', JSON.stringify(schema)]]))
    expect(edited(runbook)).toBe(false)
    expect(edited.errors?.[0]).toMatchObject({ keyword: 'required', params: { missingProperty: 'owner' } })
    expect(edited({ ...runbook, owner: 'ops' })).toBe(true)
  })
})
