import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { RUNBOOK_SCHEMA_URL } from '../../dsl/validate.ts'
import { defineCommand } from '../command.ts'

export default defineCommand({
  name: 'schema',
  summary: 'Print the runbook JSON Schema (or its path, for editor set-up)',
  usage: 'schema [--path]',
  description: 'The schema drives validation and editor completion. With the YAML language server, start a runbook with:\n  # yaml-language-server: $schema=<path printed by `runbook schema --path`>',
  options: { path: { type: 'boolean', description: 'Print the file path only' } },
  async run({ values, io }) {
    io.stdout.write(values.path ? fileURLToPath(RUNBOOK_SCHEMA_URL) + '\n' : readFileSync(RUNBOOK_SCHEMA_URL, 'utf8'))
    return 0
  },
})
