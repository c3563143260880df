import { defineCommand } from '../command.ts'
import { writeJson } from '../output.ts'

export default defineCommand({
  name: 'parsers',
  summary: 'List the output parsers a step can name in parse:',
  usage: 'parsers [--json]',
  options: { json: { type: 'boolean', description: 'Print JSON with each parser\'s result fields' } },
  async run({ values, io }) {
    // Loaded here, not at start-up: `runbook --help` and other commands stay fast.
    const { parsers } = await import('../../library.ts')
    const list = parsers().list()
    if (values.json) writeJson(io, list.map((p) => ({ name: p.name, describe: p.describe, fields: p.fields })))
    else {
      const width = Math.max(...list.map((p) => p.name.length)) + 2
      for (const p of list) io.stdout.write(`${p.name.padEnd(width)}${p.describe}\n${' '.repeat(width)}fields: ${Object.keys(p.fields).join(', ')}\n`)
    }
    return 0
  },
})
