import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { builtinParsers, createParserRegistry } from '../../../src/parsers/index.ts'
import { MAP_VALUES, type FieldSchema, type FieldType } from '../../../src/parsers/registry.ts'
import { RunbookError } from '../../../src/errors.ts'
import { commandResult, FIXTURES, loadCases } from './cases.ts'

describe('built-in parser registry', () => {
  it('registers every parser once, by kebab-case name', () => {
    const names = createParserRegistry().names()
    expect(names).toHaveLength(builtinParsers.length)
    for (const n of names) expect(n).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/)
  })

  // Runbook validation rejects `result.<field>` not in `fields`: every field a parser returns must be declared.
  for (const parser of builtinParsers) {
    it(`${parser.name}: declares exactly the top-level fields it returns`, () => {
      expect(parser.describe.length).toBeGreaterThan(0)
      if (!existsSync(join(FIXTURES, parser.name))) return
      for (const c of loadCases(parser.name)) {
        const value = parser.parse(c.result) as Record<string, unknown>
        expect(Object.keys(value).sort(), c.name).toEqual(Object.keys(parser.fields).sort())
      }
    })
  }

  // `runbook parsers` documents results from these declarations: every list and map says what it
  // holds (a bare `list` or `map` would leave its elements undocumented and unchecked).
  for (const parser of builtinParsers) {
    it(`${parser.name}: declares the elements of every list and the values of every map`, () => {
      expect(untyped(parser.fields, 'result')).toEqual([])
    })
  }

  // The CEL checker types `result` from these declarations (`params.port == result.total`, fields of
  // list elements inside exists/filter): a declared type the real output contradicts would reject a
  // correct runbook or pass a wrong one. Null is allowed everywhere: parsers use it for "absent".
  for (const parser of builtinParsers) {
    it(`${parser.name}: every captured result has the types its fields declare`, () => {
      if (!existsSync(join(FIXTURES, parser.name))) return
      for (const c of loadCases(parser.name)) {
        expect(mismatches(parser.parse(c.result), parser.fields, 'result'), c.name).toEqual([])
      }
    })
  }

  // Every parser meets every other program's real output (a runbook pointed at the wrong command,
  // a cut capture, stderr only): it answers or refuses with RB_PARSE naming itself, never a TypeError.
  const everyCase = readdirSync(FIXTURES, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => loadCases(d.name).map((c) => ({ ...c, folder: d.name })))
  const halves = everyCase.map((c) => ({
    ...c,
    name: `${c.name} (first half)`,
    result: { ...c.result, stdout: c.result.stdout.slice(0, Math.floor(c.result.stdout.length / 2)) },
  }))
  const empties = [commandResult(''), commandResult('', 'some error\n', 1), commandResult('\n\n'), commandResult('', '', null)]
  for (const parser of builtinParsers) {
    it(`${parser.name}: never crashes on any captured output, whole or cut`, () => {
      for (const c of [...everyCase, ...halves, ...empties.map((result, i) => ({ folder: 'synthetic', name: `empty-${i}`, result }))]) {
        try {
          const v = parser.parse(c.result)
          expect(JSON.parse(JSON.stringify(v)), `${c.folder}/${c.name}`).toEqual(v)
        } catch (e) {
          expect(e, `${c.folder}/${c.name}: ${(e as Error).stack}`).toBeInstanceOf(RunbookError)
          expect((e as RunbookError).code, `${c.folder}/${c.name}`).toBe('RB_PARSE')
        }
      }
    })
  }
})

/** Where `value` contradicts its declared type: `result.rules[0].line: int expected, got "3"`. */
function mismatches(value: unknown, type: FieldType, path: string): string[] {
  if (value === null) return []
  const got = `${typeof type === 'string' ? type : Array.isArray(type) ? 'list' : 'object'} expected, got ${JSON.stringify(value)?.slice(0, 60)}`
  if (Array.isArray(type)) {
    if (!Array.isArray(value)) return [`${path}: ${got}`]
    return value.flatMap((v, i) => mismatches(v, type[0] as FieldSchema, `${path}[${i}]`)).slice(0, 5)
  }
  if (typeof type === 'object') {
    const shape = type as FieldSchema
    if (Object.keys(shape).length === 0) return []
    if (MAP_VALUES in shape) {
      if (typeof value !== 'object' || Array.isArray(value)) return [`${path}: map expected, got ${JSON.stringify(value)?.slice(0, 60)}`]
      return Object.entries(value as Record<string, unknown>)
        .flatMap(([k, v]) => mismatches(v, shape[MAP_VALUES]!, `${path}[${JSON.stringify(k)}]`))
        .slice(0, 5)
    }
    if (typeof value !== 'object' || Array.isArray(value)) return [`${path}: ${got}`]
    const v = value as Record<string, unknown>
    return [
      ...Object.keys(v)
        .filter((k) => !(k in shape))
        .map((k) => `${path}.${k}: not declared`),
      ...Object.entries(shape).flatMap(([k, t]) => (k in v ? mismatches(v[k], t, `${path}.${k}`) : [])),
    ]
  }
  const list = /^list(?:<(.+)>)?$/.exec(type)
  if (list) {
    if (!Array.isArray(value)) return [`${path}: ${got}`]
    return list[1] ? value.flatMap((v, i) => mismatches(v, list[1]!, `${path}[${i}]`)).slice(0, 5) : []
  }
  const ok: Record<string, (v: unknown) => boolean> = {
    string: (v) => typeof v === 'string',
    int: (v) => Number.isInteger(v),
    double: (v) => typeof v === 'number',
    bool: (v) => typeof v === 'boolean',
    map: (v) => typeof v === 'object' && !Array.isArray(v),
    dyn: () => true,
  }
  const check = ok[type]
  if (!check) return [`${path}: unknown type '${type}'`]
  return check(value) ? [] : [`${path}: ${got}`]
}

/** Paths of bare `list` / `map` / `{}` declarations: containers whose elements are not declared. */
function untyped(type: FieldType, path: string): string[] {
  if (typeof type === 'string') return type === 'list' || type === 'map' ? [`${path}: ${type}`] : []
  if (Array.isArray(type)) return untyped(type[0] as FieldSchema, `${path}[]`)
  const shape = type as FieldSchema
  if (Object.keys(shape).length === 0) return [`${path}: {}`]
  return Object.entries(shape).flatMap(([k, t]) => untyped(t, k === MAP_VALUES ? `${path}[*]` : `${path}.${k}`))
}
