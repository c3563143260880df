import { once } from 'node:events'
import { relative, resolve } from 'node:path'
import { EXIT, RunbookError } from '../../errors.ts'
import type { RunEvent } from '../../types.ts'
import { defineCommand } from '../command.ts'
import { useColor } from '../output.ts'

export default defineCommand({
  name: 'replay',
  summary: 'Re-render a past run from its transcript',
  usage: 'replay <transcript.jsonl> [--json] [--verbose]',
  description: `Shows a recorded run as it was seen live: steps, commands, fix plans and the outcome. Nothing is executed. To re-run a runbook against a recording, use \`runbook test\`.
Exits with the recorded run's exit code; 7 when the run never finished (the transcript has no run.finished: the process was killed or crashed).`,
  options: {
    json: { type: 'boolean', description: 'Print the events as JSON lines' },
    verbose: { type: 'boolean', short: 'v', description: 'Show command output' },
  },
  maxPositionals: 1,
  async run({ values, positionals, io }) {
    // Loaded here, not at start-up: `runbook --help` and other commands stay fast.
    const { streamTranscript } = await import('../../transcript/reader.ts')
    const { createReplayRenderer } = await import('../../views/replay-render.ts')
    const file = positionals[0]
    if (!file) throw new RunbookError('RB_USAGE', 'replay: which transcript? Usage: runbook replay <transcript.jsonl>')
    const path = resolve(io.cwd, file)
    // Streamed: a transcript of any size is drawn without holding it in memory.
    const renderer = values.json ? undefined : createReplayRenderer(io.stdout, { color: useColor(io) && Boolean(io.stdout.isTTY), verbose: Boolean(values.verbose) })
    const onEvent = (e: RunEvent): void | Promise<void> => {
      if (renderer) return renderer.add(e)
      // Respect backpressure: a slow reader of stdout must not make the whole file pile up in memory.
      if (!io.stdout.write(JSON.stringify(e) + '\n')) return once(io.stdout, 'drain').then(() => {})
      return undefined
    }
    const t = await streamTranscript(path, onEvent, { signal: io.signal })
    renderer?.end()
    if (!t.finished) {
      const last = t.last as RunEvent & { step?: unknown }
      const where = `${last.type}${typeof last.step === 'string' ? ` of step ${last.step}` : ''}`
      io.stderr.write(`replay: this run never finished: ${relative(io.cwd, path) || path} ends after event ${t.count} (${where}) with no run.finished: the process was killed or crashed. Exit ${EXIT.INCOMPLETE}.\n`)
      return EXIT.INCOMPLETE
    }
    return t.finished.exitCode
  },
})
