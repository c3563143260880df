/**
 * A position inside a YAML string value maps back to the source, whatever the scalar style:
 * escapes in double quotes, doubled single quotes, folded line breaks and block indentation.
 */
import { describe, expect, it } from 'vitest'
import { loadSource } from '../../../src/dsl/load.ts'

/** The source position of the first `@` of the value of `key`, as validation would report it. */
function caretAt(yaml: string): string {
  const doc = loadSource('t.yaml', yaml)
  const value = (doc.data as Record<string, string>)['key']!
  const pos = doc.posInString(['key'], value.indexOf('@'))
  return (yaml.split('\n')[pos.line - 1] ?? '').slice(pos.col - 1)
}

describe('positions inside string values', () => {
  it.each([
    ['plain', 'key: abc @here\n'],
    ['plain, folded over lines', 'key: first line\n  second @here\n'],
    ['double quotes with escapes', 'key: "a \\"q\\" \\x41 \\u00e9 \\n tab\\t @here"\n'],
    ['double quotes, line continuation', 'key: "one \\\n    two @here"\n'],
    ['double quotes, folded with a blank line', 'key: "one\n\n  two @here"\n'],
    ['single quotes with a doubled quote', "key: 'it''s ''x'' @here'\n"],
    ['literal block, deeper indented line', 'key: |\n  for x; do\n    echo @here\n  done\n'],
    ['literal block, blank line', 'key: |\n  a\n\n  b @here\n'],
    ['folded block', 'key: >-\n  one\n  two\n\n  three @here\n'],
    ['literal block, at a line start', 'key: |\n  x\n  @here\n'],
  ])('%s', (_name, yaml) => {
    expect(caretAt(yaml)).toMatch(/^@here/)
  })
})
