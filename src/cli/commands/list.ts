import { defineCommand } from '../command.ts'
import { writeJson } from '../output.ts'

export default defineCommand({
  name: 'list',
  summary: 'List the runbooks runbook can find',
  usage: 'list [--json]',
  description:
    'Searches $RUNBOOK_PATH (colon-separated), ./runbooks, then the runbooks shipped with runbook. A runbook in an earlier directory hides one of the same name in a later one.',
  options: { json: { type: 'boolean', description: 'Print JSON' } },
  async run({ values, io }) {
    // Loaded here, not at start-up: `runbook --help` and other commands stay fast.
    const { listRunbookFiles, parsers, runbookDirs, validateRemembering } = await import('../../library.ts')
    const { validateFile } = await import('../../dsl/validate.ts')
    const { stateDir } = await import('../../transcript/writer.ts')
    const files = listRunbookFiles(runbookDirs(io.env, io.cwd))
    const rows = await validateRemembering(stateDir(io.env), { learn: false }, () =>
      [...files].map(([name, file]) => {
        const v = validateFile(file, parsers())
        return { name, file, valid: v.ok, summary: v.ok ? v.value.runbook.summary : `(invalid: run \`runbook validate ${file}\`)` }
      }),
    )
    if (values.json) writeJson(io, rows)
    else {
      const width = Math.max(4, ...rows.map((r) => r.name.length)) + 2
      // Names are file names and summaries come from files: escaped, as in error messages.
      const { escapeControls } = await import('../../dsl/source-map.ts')
      for (const r of rows) io.stdout.write(escapeControls(`${r.name.padEnd(width)}${r.summary}`) + '\n')
      if (rows.length === 0) io.stdout.write('No runbooks found. Put .yaml runbooks in ./runbooks or set RUNBOOK_PATH.\n')
    }
    return 0
  },
})
