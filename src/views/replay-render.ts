/**
 * `runbook replay <transcript>`: draw a past run the way the terminal showed it at its end (the
 * final tree and the outcome), from its recorded events. No live redraws, no wall clock.
 */
import type { RunEvent } from '../types.ts'
import { tail } from './ansi.ts'
import { foldEvent, emptyModel, endModel } from './model.ts'
import { outcomeLines, treeLines } from './tree.ts'

export interface ReplayRenderOptions {
  color?: boolean
  verbose?: boolean
}

type Out = NodeJS.WritableStream & { columns?: number }

const lastLines = (text: string) => tail(text, 3).join('\n')

/**
 * A renderer fed one event at a time, so a transcript can be drawn while it streams from disk
 * (never held whole in memory); `end()` prints the result once.
 */
export function createReplayRenderer(out: Out, options: ReplayRenderOptions = {}): { add(e: RunEvent): void; end(): void } {
  const model = emptyModel()
  return {
    // The tree shows at most the last 3 lines of a command's output: keep only those, so drawing a
    // transcript costs memory for its steps, not for every byte of output it recorded.
    add: (e) =>
      foldEvent(
        model,
        e.type === 'command.finished' && e.result
          ? { ...e, result: { ...e.result, stdout: lastLines(e.result.stdout), stderr: lastLines(e.result.stderr) } }
          : e,
      ),
    end() {
      endModel(model)
      const color = options.color ?? false
      // A file or a pipe has no width: keep commands whole there.
      const width = out.columns !== undefined ? Math.max(20, out.columns - 1) : Infinity
      const lines = [
        ...treeLines(model, { width, color, verbose: options.verbose ?? false }),
        ...outcomeLines(model, { color, verbose: options.verbose ?? false }),
      ]
      out.write(lines.join('\n') + '\n')
    },
  }
}

/**
 * Fold the events into the same model the live view uses and print it once. A transcript cut short
 * (crash, kill -9) still renders: unfinished steps are marked and the last line says so.
 *
 * @example
 * renderTranscript(transcript.events, process.stdout, { color: true })
 */
export function renderTranscript(events: readonly RunEvent[], out: Out, options: ReplayRenderOptions = {}): void {
  const r = createReplayRenderer(out, options)
  for (const e of events) r.add(e)
  r.end()
}
