import { resolve } from 'node:path'
import { RunbookError } from '../../errors.ts'
import { defineCommand } from '../command.ts'
import { useColor } from '../output.ts'

export default defineCommand({
  name: 'replay',
  summary: 'Re-render a past run from its transcript',
  usage: 'replay <transcript.jsonl> [--json] [--verbose]',
  description: 'Shows a recorded run as it was seen live: steps, commands, fix plans and the outcome. Nothing is executed. To re-run a runbook against a recording, use `runbook test`.',
  options: {
    json: { type: 'boolean', description: 'Print the events as JSON lines' },
    verbose: { type: 'boolean', short: 'v', description: 'Show command output' },
  },
  maxPositionals: 1,
  async run({ values, positionals, io }) {
    // Loaded here, not at start-up: `runbook --help` and other commands stay fast.
    const { readTranscript } = await import('../../transcript/reader.ts')
    const { renderTranscript } = await import('../../views/replay-render.ts')
    const file = positionals[0]
    if (!file) throw new RunbookError('RB_USAGE', 'replay: which transcript? Usage: runbook replay <transcript.jsonl>')
    const t = readTranscript(resolve(io.cwd, file))
    if (values.json) for (const e of t.events) io.stdout.write(JSON.stringify(e) + '\n')
    else renderTranscript(t.events, io.stdout, { color: useColor(io) && Boolean(io.stdout.isTTY), verbose: Boolean(values.verbose) })
    return t.finished?.exitCode ?? 0
  },
})
