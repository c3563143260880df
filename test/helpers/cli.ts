/** Run the CLI in-process with captured output, as a user would type it. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough, Readable } from 'node:stream'
import { main } from '../../src/cli/main.ts'

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

export async function cli(argv: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CliResult> {
  const out = new PassThrough()
  const err = new PassThrough()
  let stdout = ''
  let stderr = ''
  out.on('data', (d) => (stdout += d))
  err.on('data', (d) => (stderr += d))
  const stdin = Object.assign(Readable.from([]), { isTTY: false })
  // A state dir of its own unless the test passes one; the caller never sees it, so it goes after.
  const ownState = options.env?.RUNBOOK_STATE_DIR === undefined ? mkdtempSync(join(tmpdir(), 'rb-state-')) : undefined
  const env = { ...process.env, ...(ownState ? { RUNBOOK_STATE_DIR: ownState } : {}), NO_COLOR: '1', ...options.env }
  try {
    const code = await main(argv, {
      stdout: out,
      stderr: err,
      stdin,
      env,
      cwd: options.cwd ?? process.cwd(),
      signal: new AbortController().signal,
    })
    return { code, stdout, stderr }
  } finally {
    if (ownState) rmSync(ownState, { recursive: true, force: true })
  }
}

/** What tests read from `run --json` events (loose on purpose: each test reads what it checks). */
export interface CliEvent {
  type: string
  id?: string
  mode?: string
  summary?: string
  severity?: string
  evidence?: { text: string }[]
  step?: string
  value?: unknown
  to?: string
  status?: string
  exitCode?: number
  parser?: string
  reason?: string
  spec?: { mutating: boolean; command: string }
}

/** The CLI in-process with exactly this environment; every JSON line of stdout parsed as an event. */
export async function runCli(
  argv: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; events: CliEvent[]; stdout: string; stderr: string }> {
  const out = new PassThrough()
  const err = new PassThrough()
  let stdout = ''
  let stderr = ''
  out.on('data', (c: Buffer) => (stdout += c.toString()))
  err.on('data', (c: Buffer) => (stderr += c.toString()))
  const code = await main(argv, {
    stdout: out,
    stderr: err,
    stdin: new PassThrough(),
    env,
    cwd: process.cwd(),
    signal: new AbortController().signal,
  })
  const events: CliEvent[] = []
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue
    try {
      events.push(JSON.parse(line) as CliEvent)
    } catch {
      // a pretty-printed document (exec --json), not an event line
    }
  }
  return { code, events, stdout, stderr }
}
