/** Run the CLI in-process with captured output, as a user would type it. */
import { mkdtempSync } from 'node:fs'
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
  const env = { ...process.env, RUNBOOK_STATE_DIR: mkdtempSync(join(tmpdir(), 'rb-state-')), NO_COLOR: '1', ...options.env }
  const code = await main(argv, { stdout: out, stderr: err, stdin, env, cwd: options.cwd ?? process.cwd(), signal: new AbortController().signal })
  return { code, stdout, stderr }
}
