import { RunbookError } from '../../errors.ts'
import { defineCommand } from '../command.ts'
import { writeJson } from '../output.ts'
import { MAP_VALUES, type FieldSchema, type FieldType } from '../../parsers/registry.ts'

export default defineCommand({
  name: 'parsers',
  summary: 'List the output parsers a step can name in parse:, with the fields and types of their results',
  usage: 'parsers [--json] [NAME...]',
  maxPositionals: Infinity,
  options: {
    json: { type: 'boolean', description: "Print JSON with each parser's result fields (a list of objects is `[{ field: type }]`)" },
  },
  async run({ values, positionals, io }) {
    // Loaded here, not at start-up: `runbook --help` and other commands stay fast.
    const { parsers } = await import('../../library.ts')
    const registry = parsers()
    const unknown = positionals.filter((n) => !registry.get(n))
    if (unknown.length > 0)
      throw new RunbookError('RB_UNKNOWN_PARSER', `parser '${unknown[0]}' is not registered (known: ${registry.names().join(', ')})`)
    const list = positionals.length > 0 ? registry.list().filter((p) => positionals.includes(p.name)) : registry.list()
    if (values.json)
      writeJson(
        io,
        list.map((p) => ({ name: p.name, describe: p.describe, fields: p.fields })),
      )
    else {
      const width = Math.max(...list.map((p) => p.name.length)) + 2
      for (const p of list) io.stdout.write(`${p.name.padEnd(width)}${p.describe}\n${fieldLines(p.fields, ' '.repeat(width)).join('\n')}\n`)
    }
    return 0
  },
})

/**
 * One line per field, nested fields indented under theirs: the same declaration the CEL checker
 * uses, so the docs cannot drift from what `validate` accepts.
 *
 * @example
 * fieldLines({ total: 'int', rules: [{ source: 'string' }], byClient: { '*': 'int' } }, '')
 * // ['total: int', 'rules: list of', '  source: string', 'byClient: map of int']
 */
export function fieldLines(fields: FieldSchema, indent: string): string[] {
  const out: string[] = []
  for (const [name, type] of Object.entries(fields)) out.push(...fieldLine(name, type, indent))
  return out
}

function fieldLine(name: string, type: FieldType, indent: string): string[] {
  if (typeof type === 'string') return [`${indent}${name}: ${type}`]
  if (Array.isArray(type)) return [`${indent}${name}: list of`, ...fieldLines(type[0] as FieldSchema, `${indent}  `)]
  const nested = type as FieldSchema
  if (Object.keys(nested).length === 0) return [`${indent}${name}: map`]
  const values = nested[MAP_VALUES]
  if (values !== undefined) {
    // A map keyed by what the parser met: say what each value is.
    if (typeof values === 'string') return [`${indent}${name}: map of ${values}`]
    if (Array.isArray(values)) return [`${indent}${name}: map of lists of`, ...fieldLines(values[0] as FieldSchema, `${indent}  `)]
    return [`${indent}${name}: map of`, ...fieldLines(values as FieldSchema, `${indent}  `)]
  }
  return [`${indent}${name}:`, ...fieldLines(nested, `${indent}  `)]
}
