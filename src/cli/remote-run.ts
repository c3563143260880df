/**
 * `runbook run ... --server URL`: the run is submitted to `runbook serve` and lives in its shared
 * history; this shows the same live view from the events the server streams, records the same
 * transcript locally, and exits with the run's exit code.
 */
import { resolve } from 'node:path'
import { EXIT, RunbookError } from '../errors.ts'
import type { RunEvent } from '../types.ts'
import { apiJson, sse, type Server } from './client.ts'
import type { CommandContext } from './command.ts'
import { useColor } from './output.ts'

export async function remoteRun({ values, positionals, io }: Omit<CommandContext, 'rest'>, server: Server): Promise<number> {
  const { gatherParams } = await import('./param-input.ts')
  const { defaultTranscriptPath, openTranscript } = await import('../transcript/writer.ts')
  const { createJsonView } = await import('../views/json.ts')
  const { createProgressView } = await import('../views/progress.ts')
  const ref = positionals[0]
  if (!ref) throw new RunbookError('RB_USAGE', 'run: which runbook? Usage: runbook run <runbook> --host H --server URL')
  if (values.yes)
    throw new RunbookError(
      'RB_USAGE',
      'run --server: --yes is not possible: the server asks another identity to approve (POST /api/runs/<id>/approvals)',
    )
  for (const flag of ['local', 'inventory', 'accept-new-host-keys'] as const) {
    if (values[flag] !== undefined)
      throw new RunbookError('RB_USAGE', `run --server: --${flag} is for local runs; the server decides how it reaches hosts`)
  }
  const flags = {
    param: values.param as string[] | undefined,
    paramFile: values['param-file'] as string[] | undefined,
    paramEnv: values['param-env'] as string[] | undefined,
  }
  const gathered = await gatherParams(flags, io, new Set())
  for (const w of gathered.warnings) io.stderr.write(`warning: ${w}\n`)
  const body = {
    runbook: ref,
    ...(typeof values.host === 'string' ? { host: values.host } : {}),
    params: gathered.params,
    mode: values.apply ? 'apply' : 'dry-run',
  }
  const { id, url } = await apiJson<{ id: string; url: string }>(server, 'POST', '/api/runs', body)
  io.stderr.write(`run ${id} queued on ${server.url}: ${url}\n`)

  const view = values.json
    ? createJsonView(io.stdout)
    : createProgressView(io.stdout, { color: useColor(io) && Boolean(io.stdout.isTTY), verbose: Boolean(values.verbose) })
  let transcript: ReturnType<typeof openTranscript> | undefined
  let exitCode: number | undefined
  const follow = new AbortController()
  const stop = () => follow.abort()
  io.signal.addEventListener('abort', stop, { once: true })
  try {
    for await (const msg of sse(server, `/api/runs/${id}/events`, follow.signal)) {
      if (msg.event === 'end') break
      const event = JSON.parse(msg.data) as RunEvent
      if (!transcript) {
        const path =
          typeof values.transcript === 'string'
            ? resolve(io.cwd, values.transcript)
            : defaultTranscriptPath(io.env, event.type === 'run.started' ? event.runbook : ref, new Date())
        transcript = openTranscript(path)
      }
      transcript.write(event)
      view.sink(event)
      if (event.type === 'fix.proposed' && values.apply)
        io.stderr.write(`waiting for another identity to approve plan ${event.plan.hash} (POST ${url}/approvals)\n`)
      if (event.type === 'run.finished') exitCode = event.exitCode
    }
  } catch (err) {
    if (!follow.signal.aborted) throw err
  } finally {
    io.signal.removeEventListener('abort', stop)
    view.close()
    transcript?.close()
  }
  if (follow.signal.aborted) {
    io.stderr.write(`stopped following run ${id}; it goes on on the server: ${url}\n`)
    return EXIT.INTERRUPTED
  }
  if (transcript && !values.json) io.stderr.write(`transcript: ${transcript.path}\n`)
  if (exitCode !== undefined) return exitCode
  // The stream ended without run.finished (the run stopped before it started): ask for its status.
  const run = await apiJson<{ status: string; exitCode: number | null; error: string | null }>(server, 'GET', `/api/runs/${id}`)
  io.stderr.write(`run ${id}: ${run.status}${run.error ? ` (${run.error})` : ''}\n`)
  return run.exitCode ?? EXIT.INCOMPLETE
}
