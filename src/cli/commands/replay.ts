import { once } from 'node:events'
import { relative, resolve } from 'node:path'
import { EXIT, RunbookError } from '../../errors.ts'
import type { RunEvent } from '../../types.ts'
import { defineCommand, type Io } from '../command.ts'
import { useColor } from '../output.ts'

export default defineCommand({
  name: 'replay',
  summary: 'Re-render a past run from its transcript',
  usage: 'replay <transcript.jsonl | fleet.json> [--json] [--verbose]',
  description: `Shows a recorded run as it was seen live: steps, commands, fix plans and the outcome. Nothing is executed. To re-run a runbook against a recording, use \`runbook test\`.
Exits with the recorded run's exit code; 7 when the run never finished (the transcript has no run.finished: the process was killed or crashed).
A fleet index (fleet.json, written by \`runbook run --hosts ...\`) shows the fleet summary, rebuilt from the hosts' transcripts:
hosts grouped by outcome with each group's evidence once, hosts never started, why the fleet stopped (--verbose: every host's run too).
It exits with the fleet's exit code, recomputed from the transcripts; 7 when the fleet run never finished.`,
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
    const { isFleetIndex } = await import('../../fleet/index-file.ts')
    if (isFleetIndex(path)) return replayFleet(path, Boolean(values.json), Boolean(values.verbose), io)
    // Streamed: a transcript of any size is drawn without holding it in memory.
    const renderer = values.json
      ? undefined
      : createReplayRenderer(io.stdout, { color: useColor(io) && Boolean(io.stdout.isTTY), verbose: Boolean(values.verbose) })
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
      io.stderr.write(
        `replay: this run never finished: ${relative(io.cwd, path) || path} ends after event ${t.count} (${where}) with no run.finished: the process was killed or crashed. Exit ${EXIT.INCOMPLETE}.\n`,
      )
      return EXIT.INCOMPLETE
    }
    return t.finished.exitCode
  },
})

/** `runbook replay fleet.json`: the fleet summary, from the index and the hosts' own transcripts. */
async function replayFleet(path: string, json: boolean, verbose: boolean, io: Io): Promise<number> {
  const { readFleetIndex, recordsFromTranscripts } = await import('../../fleet/index-file.ts')
  const { groupOutcomes } = await import('../../fleet/group.ts')
  const { fleetExitCode } = await import('../../fleet/run.ts')
  const { summaryLines } = await import('../../views/fleet.ts')
  const { streamTranscript } = await import('../../transcript/reader.ts')
  const { createReplayRenderer } = await import('../../views/replay-render.ts')
  const index = readFleetIndex(path)
  const records = await recordsFromTranscripts(path, index, io.signal)
  const groups = groupOutcomes(records)
  const finished = index.finishedAt !== undefined
  const exitCode = finished ? fleetExitCode(records, index.stop) : EXIT.INCOMPLETE
  if (json) {
    io.stdout.write(JSON.stringify({ ...index, groups, exitCode }, null, 2) + '\n')
  } else {
    const color = useColor(io) && Boolean(io.stdout.isTTY)
    if (verbose) {
      for (const r of records) {
        for (const t of r.transcripts) {
          io.stdout.write(`\n== ${r.host} (${t.phase}) ${t.path}\n`)
          const renderer = createReplayRenderer(io.stdout, { color, verbose: true })
          await streamTranscript(t.path, (e) => renderer.add(e), { signal: io.signal })
          renderer.end()
        }
      }
    }
    io.stdout.write(
      summaryLines(
        {
          runbook: index.runbook,
          mode: index.mode,
          hosts: index.hosts.length,
          durationMs: index.durationMs ?? 0,
          groups,
          notStarted: index.notStarted,
          stop: index.stop,
          exitCode,
          index: path,
        },
        { color, verbose },
      ).join('\n') + '\n',
    )
  }
  if (!finished)
    io.stderr.write(
      `replay: this fleet run never finished (${relative(io.cwd, path) || path} has no result): the process was killed or crashed. Exit ${EXIT.INCOMPLETE}.\n`,
    )
  return exitCode
}
