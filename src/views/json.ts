/**
 * `--json`: one line per event, the event object exactly as the engine emitted it (the same shape
 * as a transcript line), so `runbook run ... --json | jq` and the transcript reader agree.
 */
import type { RunEvent } from '../types.ts'
import type { View } from './model.ts'

/**
 * No per-type map here on purpose: every event is written whole, so there is no case to forget.
 *
 * @example
 * const view = createJsonView(process.stdout)
 * await runRunbook(compiled, { ...options, onEvent: view.sink })
 */
export function createJsonView(out: NodeJS.WritableStream): View {
  return {
    // One write per line: a reader never sees half an event, even when the process dies.
    sink: (e: RunEvent) => {
      out.write(JSON.stringify(e) + '\n')
    },
    close: () => {},
  }
}
