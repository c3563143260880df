import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { builtinParsers, createParserRegistry } from '../../../src/parsers/index.ts'
import { FIXTURES, loadCases } from './cases.ts'

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
})
