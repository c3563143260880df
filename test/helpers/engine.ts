/** Load, compile and run runbooks in-process with real executors; collect the events. */
import { loadRunbook } from '../../src/library.ts'
import { runRunbook, type RunOptions, type RunSummary } from '../../src/engine/run.ts'
import { refusingApprover } from '../../src/engine/approval.ts'
import { createLocalExecutorFactory } from '../../src/executors/local.ts'
import type { CommandSpec, ExecutorFactory, RunEvent } from '../../src/types.ts'

/** Wraps a real factory and records every command asked of it. */
export function recording(inner: ExecutorFactory): ExecutorFactory & { asked: CommandSpec[] } {
  const asked: CommandSpec[] = []
  return {
    asked,
    prober: inner.prober,
    executor: (host) => {
      const ex = inner.executor(host)
      return { exec: (spec, signal) => (asked.push(spec), ex.exec(spec, signal)), close: () => ex.close() }
    },
    close: () => inner.close(),
    ...(inner.fresh ? { fresh: inner.fresh.bind(inner) } : {}),
    ...(inner.sourceAddress ? { sourceAddress: inner.sourceAddress.bind(inner) } : {}),
  }
}

export async function runFile(
  file: string,
  options: Partial<RunOptions> & { params: RunOptions['params'] },
): Promise<{ summary: RunSummary; events: RunEvent[]; asked: CommandSpec[] }> {
  const compiled = loadRunbook(file)
  const events: RunEvent[] = []
  const executors = recording(options.executors ?? createLocalExecutorFactory())
  try {
    const summary = await runRunbook(compiled, {
      mode: 'dry-run',
      approver: refusingApprover,
      ...options,
      executors,
      onEvent: (e) => {
        events.push(e)
        options.onEvent?.(e)
      },
    })
    return { summary, events, asked: executors.asked }
  } finally {
    await executors.close()
  }
}
