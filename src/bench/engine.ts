/**
 * `npm run bench:engine`: engine overhead per step. A generated 200-step runbook is run once for
 * real (local executor, `echo`) to record a transcript, then replayed many times through the full
 * engine (xstate machine, CEL guards, events, replay executor). The baseline, measured in the same
 * run, is the least a hand-written loop must do per step: look up the recorded answer, render the
 * command template and evaluate the same compiled guard. Overhead = engine − baseline, per step.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { refusingApprover } from '../engine/approval.ts'
import { runRunbook } from '../engine/run.ts'
import { compileExpr, compileTemplate } from '../dsl/expr.ts'
import { createLocalExecutorFactory } from '../executors/local.ts'
import { ReplayExecutors } from '../executors/replay.ts'
import { loadRunbook } from '../library.ts'
import type { CommandResult, RunEvent } from '../types.ts'
import { loadShellParser } from '../dsl/readonly.ts'

await loadShellParser()

const STEPS = Number(process.env.BENCH_STEPS ?? 200)
const RUNS = Number(process.env.BENCH_RUNS ?? 30)

function generate(steps: number): string {
  const lines = [
    'apiVersion: runbook/v1',
    'name: bench-engine',
    'summary: generated benchmark runbook',
    'params:',
    '  n: { type: int, default: 1 }',
    'steps:',
  ]
  for (let i = 0; i < steps; i++) {
    const next = i + 1 < steps ? `s${i + 1}` : 'done'
    lines.push(
      `  s${i}:`,
      `    run: "echo ${i} ${'${{'} params.n ${'}}'}"`,
      '    next:',
      `      - if: result.exitCode == 0 && size(result.lines) == 1`,
      `        goto: ${next}`,
      '      - goto: failed',
    )
  }
  lines.push('outcomes:', '  done: { severity: ok, summary: all steps ran }', '  failed: { severity: critical, summary: a step failed }')
  return lines.join('\n') + '\n'
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'rb-bench-'))
  try {
    const file = join(dir, 'bench-engine.yaml')
    writeFileSync(file, generate(STEPS))
    const compiled = loadRunbook(file)

    // Record once, for real.
    const recorded: RunEvent[] = []
    const local = createLocalExecutorFactory()
    const t0 = performance.now()
    const live = await runRunbook(compiled, {
      params: {},
      mode: 'dry-run',
      executors: local,
      approver: refusingApprover,
      onEvent: (e) => recorded.push(e),
    })
    const liveMs = performance.now() - t0
    await local.close()
    if (live.outcome?.id !== 'done') throw new Error(`recording run ended in ${live.outcome?.id}`)

    // Engine: full replay.
    const engineRun = async () => {
      const s = await runRunbook(compiled, {
        params: {},
        mode: 'dry-run',
        executors: new ReplayExecutors(recorded),
        approver: refusingApprover,
        onEvent: () => {},
      })
      if (s.outcome?.id !== 'done') throw new Error('replay diverged')
    }
    // Baseline: the same per-step work, without machine, events or executor.
    const answers = new Map<string, CommandResult>()
    for (const e of recorded) if (e.type === 'command.finished' && e.result) answers.set(e.spec.command, e.result)
    const template = compileTemplate('echo ${{ params.n }}')
    const guard = compileExpr('result.exitCode == 0 && size(result.lines) == 1')
    const baselineRun = async () => {
      for (let i = 0; i < STEPS; i++) {
        const command = `echo ${i} ${template.render({ params: { n: 1 }, steps: {}, facts: {}, result: null }, 'shell').slice(5)}`
        const r = answers.get(command)!
        const result = { ...r, lines: r.stdout.replace(/\n$/, '').split('\n') }
        if (guard.evaluate({ params: { n: 1 }, steps: {}, facts: {}, result }) !== true) throw new Error('baseline guard failed')
        await null
      }
    }

    for (let i = 0; i < 3; i++) {
      await engineRun()
      await baselineRun()
    }
    const engine: number[] = []
    const baseline: number[] = []
    for (let i = 0; i < RUNS; i++) {
      let t = performance.now()
      await baselineRun()
      baseline.push(performance.now() - t)
      t = performance.now()
      await engineRun()
      engine.push(performance.now() - t)
    }
    const e = median(engine)
    const b = median(baseline)
    const perStep = (ms: number) => (ms * 1000) / STEPS
    const rows = [
      ['replay through the engine', `${e.toFixed(1)} ms`, `${perStep(e).toFixed(1)} µs`],
      ['baseline loop (lookup + render + guard)', `${b.toFixed(1)} ms`, `${perStep(b).toFixed(1)} µs`],
      ['engine overhead', `${(e - b).toFixed(1)} ms`, `${perStep(e - b).toFixed(1)} µs`],
      ['(recording run, real echo commands)', `${liveMs.toFixed(0)} ms`, `${perStep(liveMs).toFixed(0)} µs`],
    ]
    console.log(`bench:engine: ${STEPS}-step runbook, median of ${RUNS} runs (node ${process.version})`)
    for (const [what, total, step] of rows) console.log(`  ${what!.padEnd(42)} ${total!.padStart(10)} ${step!.padStart(10)} per step`)
    console.log(
      `  ratio engine/baseline: ${(e / b).toFixed(1)}x; overhead per step is ${((perStep(e - b) / perStep(liveMs)) * 100).toFixed(1)}% of a real local command`,
    )
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
