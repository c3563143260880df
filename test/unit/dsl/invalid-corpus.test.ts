/**
 * The corpus of broken runbooks (Kestra-style: one mistake per file). Each file states, in its
 * `# expect:` header lines, every error validation must report: `line:col CODE message`.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { validateFile } from '../../../src/dsl/validate.ts'
import { createParserRegistry } from '../../../src/parsers/index.ts'

const DIR = 'fixtures/runbooks/invalid'
const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
const parsers = createParserRegistry()

describe('invalid runbooks', () => {
  it('cover at least 10 error classes', () => {
    expect(new Set(files.map((f) => f.split('--')[0])).size).toBeGreaterThanOrEqual(10)
  })

  it.each(files)('%s reports exactly its expected errors', (file) => {
    const path = join(DIR, file)
    const expected = readFileSync(path, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('# expect: '))
      .map((l) => {
        const m = /^# expect: (\d+):(\d+) (RB_[A-Z_]+) (.*)$/.exec(l)!
        return `${m[3]} ${path}:${m[1]}:${m[2]}: ${m[4]}`
      })
    expect(expected.length).toBeGreaterThan(0)
    const result = validateFile(path, parsers)
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.errors.map((e) => `${e.code} ${e.located}`)).toEqual(expected)
    // The file name says which class of mistake it holds: that code comes first.
    expect(result.errors[0]!.code).toBe(file.split('--')[0])
    // Every error carries a code frame with a caret under the column.
    for (const e of result.errors) {
      const frame = e.frame!.split('\n')
      const caretLine = frame.find((l) => l.trimEnd().endsWith('^'))!
      expect(caretLine.indexOf('^') - caretLine.indexOf('|') - 1).toBe(e.pos!.col)
    }
  })
})
