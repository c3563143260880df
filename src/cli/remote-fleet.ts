/**
 * `runbook run <runbook> --hosts ... --server URL`: a fleet diagnosis whose host runs live on
 * `runbook serve` (and its workers). The fleet itself (host selection, canary, waves, failure
 * budget, the fleet view, `fleet.json` and one transcript per host) is the CLI's, as for a local
 * fleet; each host's run is submitted to the server when the schedule starts it (POST /api/runs)
 * and followed through its event stream. The params are checked once, against what the server
 * says of the runbook (GET /api/runbooks/:name), before any run is submitted.
 *
 * Dry-run only: on a server, a fix is approved per run by another identity, which does not fit
 * one approval per fix group. Hosts are chosen from the CLI's inventory (names, groups, --select);
 * the server reaches them through its own.
 */
import { EXIT, RunbookError } from '../errors.ts'
import type { FleetRunbook, HostRun, HostRunner } from '../fleet/run.ts'
import type { RunEvent } from '../types.ts'
import { apiJson, sse, type Server } from './client.ts'
import type { CommandContext } from './command.ts'

/** Submits one host's run to the server and follows it to its end. */
export function serverRunner(server: Server, runbook: string): HostRunner {
  return async (host, run) => {
    const { host: _, ...params } = run.params
    const { id } = await apiJson<{ id: string; url: string }>(server, 'POST', '/api/runs', { runbook, host, params, mode: run.mode })
    const follow = new AbortController()
    const stop = () => follow.abort()
    run.signal?.addEventListener('abort', stop, { once: true })
    let outcome: HostRun['outcome'] = null
    let finished: Extract<RunEvent, { type: 'run.finished' }> | undefined
    try {
      for await (const msg of sse(server, `/api/runs/${id}/events`, follow.signal)) {
        if (msg.event === 'end') break
        const event = JSON.parse(msg.data) as RunEvent
        run.onEvent(event)
        if (event.type === 'outcome')
          outcome = {
            id: event.id,
            severity: event.severity,
            summary: event.summary,
            evidence: event.evidence,
            ...(event.see ? { see: event.see } : {}),
          }
        if (event.type === 'run.finished') finished = event
      }
    } catch (err) {
      if (!follow.signal.aborted) throw err
    } finally {
      run.signal?.removeEventListener('abort', stop)
    }
    // Interrupted: the run goes on on the server; this fleet stops following it.
    if (follow.signal.aborted) return { status: 'incomplete', exitCode: EXIT.INTERRUPTED, outcome, interrupted: true }
    if (finished) return { status: finished.status, exitCode: finished.exitCode, outcome, interrupted: false }
    // The stream ended without run.finished (cancelled before it started, a worker that died): its record says why.
    const record = await apiJson<{ status: string; exitCode: number | null; error: string | null }>(server, 'GET', `/api/runs/${id}`)
    return {
      status: 'incomplete',
      exitCode: record.exitCode ?? EXIT.INCOMPLETE,
      interrupted: false,
      outcome: {
        id: '_error',
        severity: 'critical',
        summary: `run ${id} on the server: ${record.status}${record.error ? ` (${record.error})` : ''}`,
        evidence: [],
      },
    }
  }
}

export async function remoteFleet(ctx: CommandContext, server: Server): Promise<number> {
  const { values, positionals, io } = ctx
  const ref = positionals[0]
  if (!ref) throw new RunbookError('RB_USAGE', 'run: which runbook? Usage: runbook run <runbook> --hosts H,GROUP --server URL')
  if (values.apply || values.yes) {
    throw new RunbookError(
      'RB_USAGE',
      'run --server --hosts: fleet fixes are not submitted to a server (a server asks another identity to approve each run). Diagnose the fleet with --server, then apply per host (`run <runbook> --host H --apply --server URL`) or run the fleet fix from the CLI (`--hosts ... --apply` without --server)',
    )
  }
  for (const flag of ['accept-new-host-keys'] as const) {
    if (values[flag] !== undefined)
      throw new RunbookError('RB_USAGE', `run --server: --${flag} is for local runs; the server decides how it reaches hosts`)
  }
  const { refusingApprover } = await import('../engine/approval.ts')
  const { currentOperator } = await import('../engine/run.ts')
  const { stateDir } = await import('../transcript/writer.ts')
  const { paramsFromFlags } = await import('./param-input.ts')
  const { openRunLog } = await import('../views/log.ts')
  const { runFleetCli } = await import('./fleet-run.ts')

  const info = await apiJson<FleetRunbook & { summary: string }>(server, 'GET', `/api/runbooks/${encodeURIComponent(ref)}`)
  const params = await paramsFromFlags(values, io, info.params)

  io.stderr.write(`fleet of ${info.name} through ${server.url}: each host's run is submitted there as the schedule starts it\n`)
  return runFleetCli({
    ctx,
    compiled: info,
    params,
    mode: 'dry-run',
    approver: refusingApprover,
    yes: false,
    operator: currentOperator(),
    runHost: serverRunner(server, info.name),
    inventoryFile: values.inventory as string | undefined,
    openLog: () =>
      Promise.resolve(
        openRunLog(stateDir(io.env), values['log-level'] as string | undefined, io.env, { runbook: info.name, server: server.url }),
      ),
  })
}
