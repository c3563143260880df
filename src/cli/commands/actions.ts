import { RunbookError, RunbookErrors } from '../../errors.ts'
import { defineCommand } from '../command.ts'
import { writeJson } from '../output.ts'

export default defineCommand({
  name: 'actions',
  summary: 'List the actions a step can name in uses:, with their inputs and outputs',
  usage: 'actions [--json] [NAME...]',
  description:
    'Searches ./runbooks/actions, ./actions, the actions/ in and next to each $RUNBOOK_PATH entry, then the actions shipped with runbook; the first action of a name hides later ones. An action file with errors is listed with them, and the exit code is 2.',
  maxPositionals: Infinity,
  options: { json: { type: 'boolean', description: 'Print JSON: each action with its file, kind (run or fix), inputs and outputs' } },
  examples: ['runbook actions', 'runbook actions fail2ban/lift-ban', 'runbook actions --json'],
  async run({ values, positionals, io }) {
    // Loaded here, not at start-up: `runbook --help` and other commands stay fast.
    const { actionDirs, createActionLibrary, describeInput } = await import('../../dsl/actions.ts')
    const { escapeControls } = await import('../../dsl/source-map.ts')
    const { parsers, validateRemembering } = await import('../../library.ts')
    const { join } = await import('node:path')
    const { stateDir } = await import('../../transcript/writer.ts')
    const library = createActionLibrary(actionDirs([join(io.cwd, 'runbooks')], io.env), parsers())
    const unknown = positionals.filter((n) => !library.names().includes(n))
    if (unknown.length > 0)
      throw new RunbookError('RB_UNKNOWN_ACTION', `action '${unknown[0]}' does not exist (known: ${library.names().join(', ') || 'none'})`)
    const rows = await validateRemembering(stateDir(io.env), { learn: false }, () =>
      library.list().filter((a) => positionals.length === 0 || positionals.includes(a.name)),
    )
    const invalid = rows.flatMap((r) => (r.result.ok ? [] : r.result.errors))
    const list = rows.flatMap(({ file, result }) => {
      if (!result.ok) return []
      const a = result.action
      return [
        {
          name: a.name,
          version: a.version,
          id: a.id,
          file,
          kind: a.run ? 'run' : 'fix',
          summary: a.summary,
          description: a.description ?? '',
          inputs: Object.entries(a.inputs).map(([name, i]) => ({
            name,
            type: i.type,
            accepts: describeInput(i),
            required: i.required ?? false,
            default: i.default ?? null,
            description: i.description,
          })),
          outputs: a.outputs,
        },
      ]
    })
    if (values.json) writeJson(io, list)
    else {
      const out: string[] = []
      for (const a of list) {
        out.push(`${a.id} (${a.kind}): ${a.summary}`, `  file: ${a.file}`)
        out.push('  inputs:')
        if (a.inputs.length === 0) out.push('    (none)')
        for (const i of a.inputs)
          out.push(
            `    ${i.name} (${i.type}, ${i.required ? 'required' : i.default !== null ? `default ${JSON.stringify(i.default)}` : 'optional'}): ${i.description}`,
          )
        out.push(`  outputs: ${a.outputs.description}`)
        if (a.outputs.parser) out.push(`    parser: ${a.outputs.parser} (runbook parsers ${a.outputs.parser} lists its fields)`)
        for (const [f, d] of Object.entries(a.outputs.fields ?? {})) out.push(`    ${f}: ${d}`)
        out.push('')
      }
      if (rows.length === 0) out.push('No actions found. Put actions in ./actions/<namespace>/<name>.yaml or on RUNBOOK_PATH.')
      // Summaries and descriptions come from files: escaped, as in error messages.
      io.stdout.write(out.map(escapeControls).join('\n') + '\n')
    }
    if (invalid.length > 0) throw invalid.length === 1 ? invalid[0]! : new RunbookErrors(invalid)
    return 0
  },
})
