import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { defineCommand } from '../command.ts'

export default defineCommand({
  name: 'schema',
  summary: 'Print the runbook JSON Schema (or its path, for editor set-up)',
  usage: 'schema [--path]',
  description:
    'The schema drives validation and editor completion. With the YAML language server, start a runbook with:\n  # yaml-language-server: $schema=<path printed by `runbook schema --path`>\nIn a team repository, `runbook init` keeps copies under .runbook/schemas/ and maps them by relative paths (`runbook init --schemas` refreshes them).',
  options: { path: { type: 'boolean', description: 'Print the file path only' } },
  async run({ values, io }) {
    // Loaded here, not at start-up: `runbook --help` and other commands stay fast.
    const { RUNBOOK_SCHEMA_URL } = await import('../../dsl/validate.ts')
    io.stdout.write(values.path ? fileURLToPath(RUNBOOK_SCHEMA_URL) + '\n' : readFileSync(RUNBOOK_SCHEMA_URL, 'utf8'))
    return 0
  },
})
