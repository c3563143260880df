/**
 * The terminal view of a run. On a TTY: a live tree redrawn in place, then the final tree and the
 * outcome. Elsewhere (pipe, file, CI): append-only lines, one per meaningful event.
 */
import type { RunEvent } from '../types.ts'
import { cursor } from './ansi.ts'
import { foldEvent, emptyModel, endModel, type RunModel, type View } from './model.ts'
import { plainLines } from './plain.ts'
import { outcomeLines, treeLines } from './tree.ts'

export type ProgressOutput = NodeJS.WritableStream & { isTTY?: boolean; columns?: number; rows?: number }

export interface ProgressOptions {
  /** ANSI colors. The caller decides (NO_COLOR, --no-color, TERM=dumb); this view only obeys. */
  color?: boolean
  /** Show the last lines of each command's output and every parsed result. */
  verbose?: boolean
}

/** 10 redraws a second: smooth for a spinner, cheap over a slow SSH session to the bastion. */
const FRAME_MS = 100

/**
 * Create the progress view for one run. Pass `sink` as the engine's `onEvent` (or fan out to it)
 * and call `close()` when the run is over, even when it threw: it restores the cursor.
 *
 * @example
 * const view = createProgressView(process.stdout, { color: !process.env.NO_COLOR, verbose: false })
 * try { await runRunbook(compiled, { ...options, onEvent: view.sink }) } finally { view.close() }
 */
export function createProgressView(out: ProgressOutput, options: ProgressOptions = {}): View {
  const verbose = options.verbose ?? false
  const model = emptyModel()
  if (out.isTTY !== true) {
    return {
      sink: (e) => {
        foldEvent(model, e)
        const lines = plainLines(e, model, { verbose })
        if (lines.length > 0) out.write(lines.join('\n') + '\n')
      },
      close: () => {},
    }
  }
  return createLiveView(out, model, options.color ?? false, verbose)
}

function createLiveView(out: ProgressOutput, model: RunModel, color: boolean, verbose: boolean): View {
  let drawn = 0 // lines of the live region currently on screen
  let frame = 0
  let timer: NodeJS.Timeout | undefined
  let lastDraw = 0
  let done = false
  let paused = false
  let from = 0 // first step of the live region (after a pause, earlier steps stay printed above)
  // Event times come from the engine's clock; keep the wall time of the last one so running
  // durations advance between events without mixing two clocks.
  let lastEventWall = Date.now()

  const width = (): number => Math.max(20, (out.columns ?? 80) - 1)

  function draw(): void {
    lastDraw = Date.now()
    frame++
    const now = model.lastAt + (Date.now() - lastEventWall)
    const view = from === 0 ? model : { ...model, steps: model.steps.slice(from) }
    let lines = treeLines(view, { width: width(), color, verbose, frame, now }).slice(from === 0 ? 0 : 1)
    // Cursor-up cannot reach above the top of the screen: keep the live region within it.
    const rows = out.rows ?? 24
    if (lines.length > rows - 1) lines = [`  … ${lines.length - rows + 2} lines above`, ...lines.slice(-(rows - 2))]
    // One write per frame, each line overwritten in place then the leftover cleared: no blank frame.
    out.write(cursor.up(drawn) + lines.map((l) => cursor.clearLine + l + '\n').join('') + cursor.clearDown)
    drawn = lines.length
  }

  /** Redraw now if the last frame is old enough, else on the next tick; never more than 10/s. */
  function schedule(): void {
    if (done || paused) return
    if (timer === undefined) {
      timer = setInterval(() => {
        if (Date.now() - lastDraw >= FRAME_MS - 5) draw()
      }, FRAME_MS)
      timer.unref() // a view must never keep the process alive
    }
    if (Date.now() - lastDraw >= FRAME_MS) draw()
  }

  function stop(): void {
    if (timer !== undefined) clearInterval(timer)
    timer = undefined
  }

  /**
   * An approval prompt is about to write to this terminal: leave the tree as it is and stop
   * redrawing, so the spinner cannot overwrite the question. Resumes below the answer.
   */
  function pause(): void {
    stop()
    draw()
    out.write(cursor.show) // the operator types the answer: let them see where
    drawn = 0
    paused = true
    from = Math.max(0, model.steps.length - 1)
  }

  /** Replace the live region with the static tree and the outcome, once. */
  function finish(): void {
    if (done) return
    done = true
    stop()
    endModel(model)
    const lines = [...treeLines(model, { width: width(), color, verbose }), ...outcomeLines(model, { color, verbose })]
    out.write(cursor.up(drawn) + cursor.clearDown + lines.join('\n') + '\n' + cursor.show)
    drawn = 0
  }

  out.write(cursor.hide)
  return {
    sink: (e: RunEvent) => {
      if (done) return
      foldEvent(model, e)
      lastEventWall = Date.now()
      if (e.type === 'run.finished') return finish()
      if (e.type === 'fix.proposed' && model.mode === 'apply') return pause()
      if (paused && (e.type === 'fix.approved' || e.type === 'fix.declined')) {
        paused = false
        out.write(cursor.hide)
      }
      schedule()
    },
    close: () => {
      // Interrupted or crashed before run.finished: still leave a readable record and a cursor.
      if (done) return
      if (model.runbook !== undefined) return finish()
      done = true
      stop()
      out.write(cursor.show)
    },
  }
}
