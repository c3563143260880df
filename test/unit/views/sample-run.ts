/**
 * Real event sequences for the view tests: the sample runbook `log-dir-full` run by the real engine
 * with the real local executor against a temp directory (no hand-written events).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { Writable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { test as base } from 'vitest'
import { compileRunbook } from '../../../src/compile/compile.ts'
import { validateFile } from '../../../src/dsl/validate.ts'
import { refusingApprover, yesApprover } from '../../../src/engine/approval.ts'
import { runRunbook } from '../../../src/engine/run.ts'
import { createLocalExecutorFactory } from '../../../src/executors/local.ts'
import { createParserRegistry } from '../../../src/parsers/index.ts'
import type { RunEvent } from '../../../src/types.ts'

const RUNBOOK = fileURLToPath(new URL('../../../runbooks/log-dir-full.yaml', import.meta.url))

export interface SampleRun {
  events: RunEvent[]
  /** The measured log directory (appears in every command). */
  dir: string
}

export type Scenario = 'proposed' | 'applied' | 'unreadable' | 'interrupted'

/**
 * Run log-dir-full once. `proposed`: dry-run over budget; `applied`: --apply --yes; `unreadable`:
 * no such dir; `interrupted`: Ctrl-C (abort) as soon as step `largest` starts its command.
 */
export async function runSample(root: string, scenario: Scenario): Promise<SampleRun> {
  const dir = join(root, scenario, 'logs')
  if (scenario !== 'unreadable') {
    mkdirSync(dir, { recursive: true })
    // 3 MB of rotated log over a 2 MiB budget: the fix is needed; 100 KB of live log stays.
    writeFileSync(join(dir, 'syslog.1.gz'), randomBytes(3_000_000))
    writeFileSync(join(dir, 'syslog'), randomBytes(100_000))
  }
  const registry = createParserRegistry()
  const validated = validateFile(RUNBOOK, registry)
  if (!validated.ok) throw new Error(validated.errors.map((e) => e.located).join('\n'))
  const compiled = compileRunbook(validated.value, registry)
  const events: RunEvent[] = []
  const executors = createLocalExecutorFactory()
  const interrupt = new AbortController()
  try {
    await runRunbook(compiled, {
      params: { dir, max_dir_mb: '2', archive: `${dir}.tar` },
      mode: scenario === 'applied' ? 'apply' : 'dry-run',
      executors,
      approver: scenario === 'applied' ? yesApprover('me') : refusingApprover,
      signal: interrupt.signal,
      onEvent: (e) => {
        events.push(e)
        if (scenario === 'interrupted' && e.type === 'command.started' && e.step === 'largest') interrupt.abort()
      },
    })
  } finally {
    await executors.close()
  }
  return { events, dir }
}

/** A stream that keeps what was written (synchronously), shaped like a terminal when asked. */
export function capture(tty?: {
  columns?: number
  rows?: number
}): Writable & { text(): string; isTTY?: boolean; columns?: number; rows?: number } {
  const chunks: string[] = []
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      chunks.push(chunk.toString())
      done()
    },
  })
  return Object.assign(stream, { text: () => chunks.join(''), ...(tty ? { isTTY: true, ...tty } : {}) })
}

/** Vitest fixture: the three runs, made once per test file in a temp dir removed afterwards. */
export const test = base.extend<{ runs: Record<Scenario, SampleRun> }>({
  runs: [
    async ({}, use) => {
      const root = mkdtempSync(join(tmpdir(), 'runbook-views-'))
      try {
        const runs = {
          proposed: await runSample(root, 'proposed'),
          applied: await runSample(root, 'applied'),
          unreadable: await runSample(root, 'unreadable'),
          interrupted: await runSample(root, 'interrupted'),
        }
        await use(runs)
      } finally {
        rmSync(root, { recursive: true, force: true })
      }
    },
    { scope: 'file' },
  ],
})

export function byType<K extends RunEvent['type']>(events: RunEvent[], type: K): Extract<RunEvent, { type: K }>[] {
  return events.filter((e): e is Extract<RunEvent, { type: K }> => e.type === type)
}
