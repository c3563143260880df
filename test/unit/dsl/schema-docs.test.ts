/**
 * The schemas are what editors show while a team writes runbooks (`runbook init` maps them): every
 * property says what it is, and `parse:` / `uses:` offer the names that exist.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { listActionFiles, SHIPPED_ACTIONS } from '../../../src/dsl/actions.ts'
import { validateSource } from '../../../src/dsl/validate.ts'
import { createParserRegistry } from '../../../src/parsers/index.ts'

type Node = Record<string, unknown>
const load = (name: string): Node => JSON.parse(readFileSync(`schemas/${name}.schema.json`, 'utf8'))
const schemas = { runbook: load('runbook'), action: load('action'), inventory: load('inventory') }

/** `if`/`then`/`else`/`not` hold constraints on properties declared elsewhere, not properties. */
const CONDITIONAL = new Set(['if', 'then', 'else', 'not'])

function undocumented(node: unknown, path: string, out: string[] = []): string[] {
  if (node === null || typeof node !== 'object') return out
  for (const [key, child] of Object.entries(node as Node)) {
    if (CONDITIONAL.has(key)) continue
    if (key === 'properties' && child !== null && typeof child === 'object' && !Array.isArray(child)) {
      for (const [prop, def] of Object.entries(child as Node)) {
        const desc = (def as Node).description
        if (typeof desc !== 'string' || desc.trim() === '') out.push(`${path}/properties/${prop}`)
      }
    }
    undocumented(child, `${path}/${key}`, out)
  }
  return out
}

/** Every JSON pointer at which a property named `name` is declared. */
function propertiesNamed(node: unknown, name: string, path = '#', out: Array<[string, Node]> = []): Array<[string, Node]> {
  if (node === null || typeof node !== 'object') return out
  for (const [key, child] of Object.entries(node as Node)) {
    if (key === 'properties' && child !== null && typeof child === 'object' && name in (child as Node))
      out.push([`${path}/properties/${name}`, (child as Node)[name] as Node])
    propertiesNamed(child, name, `${path}/${key}`, out)
  }
  return out
}

describe('schema documentation', () => {
  for (const [name, schema] of Object.entries(schemas)) {
    it(`every property of schemas/${name}.schema.json has a description`, () => {
      expect(undocumented(schema, '#')).toEqual([])
    })
  }

  it('the walker finds a property without a description', () => {
    expect(undocumented({ properties: { a: { type: 'string' }, b: { type: 'string', description: 'b' } } }, '#')).toEqual([
      '#/properties/a',
    ])
  })
})

describe('parse: offers the registered parsers', () => {
  const parser = (schemas.runbook.$defs as Record<string, Node>).parser!
  const [known, open] = parser.anyOf as [Node, Node]

  it('$defs.parser lists exactly the parsers of the registry (update it when adding one)', () => {
    expect(known.enum).toEqual(createParserRegistry().names())
  })

  it('its examples are known parsers, and the open pattern takes every known name', () => {
    expect((parser.examples as string[]).length).toBeGreaterThan(0)
    for (const e of parser.examples as string[]) expect(known.enum).toContain(e)
    for (const n of createParserRegistry().names()) expect(n).toMatch(new RegExp(open.pattern as string))
  })

  it('every parse: of the runbook schema, and the action outputs parser, use it', () => {
    const parses = propertiesNamed(schemas.runbook, 'parse')
    expect(parses.length).toBeGreaterThanOrEqual(5)
    for (const [, def] of parses) expect(def.$ref).toBe('#/$defs/parser')
    const [[, outputsParser]] = propertiesNamed(schemas.action, 'parser') as [[string, Node]]
    expect(outputsParser.$ref).toBe('runbook.schema.json#/$defs/parser')
  })

  it("an unknown parser is still the compiler's error, with did you mean (the schema stays open for registered ones)", () => {
    const text =
      'apiVersion: runbook/v1\nname: t\nsummary: s\nsteps:\n  a:\n    run: uptime\n    parse: uptme\n    next: done\noutcomes:\n  done: { severity: ok, summary: ok }\n'
    const r = validateSource('t.yaml', text, createParserRegistry())
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.errors.map((e) => e.code)).toEqual(['RB_UNKNOWN_PARSER'])
    expect(r.errors[0]!.message).toContain('uptime')
    expect(r.errors[0]!.pos).toMatchObject({ line: 7 })
  })
})

describe('uses: offers the shipped actions', () => {
  it('$defs.uses lists exactly the shipped actions, and its examples are among them', () => {
    const uses = (schemas.runbook.$defs as Record<string, Node>).uses!
    const shipped = [...listActionFiles([SHIPPED_ACTIONS]).keys()].sort()
    const known = (uses.anyOf as Node[])[0]!.enum as string[]
    expect(known).toEqual(shipped)
    for (const e of uses.examples as string[]) expect(known).toContain(e.replace(/@\d+$/, ''))
  })
})
