/**
 * `runbook run <runbook> --hosts ... | --select ...`: the CLI side of a fleet run. Picks the hosts,
 * parses the policy, opens one transcript per host run in a fleet folder with its `fleet.json`
 * index, wires the fleet view, and returns the fleet exit code. The fleet itself is src/fleet/.
 */
import { mkdirSync } from 'node:fs'
import { createInterface } from 'node:readline/promises'
import { join, resolve } from 'node:path'
import { setImmediate as nextTurn } from 'node:timers/promises'
import type { Approver } from '../engine/approval.ts'
import { RunbookError } from '../errors.ts'
import type { Phase } from '../fleet/group.ts'
import type { FleetEvent, FleetRunbook, HostRunner, HostTranscript } from '../fleet/run.ts'
import type { ExecutorFactory, Mode, RunEvent } from '../types.ts'
import type { CommandContext } from './command.ts'
import { useColor } from './output.ts'

export const FLEET_FLAGS = ['hosts', 'select', 'concurrency', 'canary', 'waves', 'max-failures'] as const

/** A host name as a file name: `root@203.0.113.9:2222` → `root_203.0.113.9_2222`. */
export function hostFileName(host: string): string {
  return host.replace(/[^A-Za-z0-9._-]/g, '_')
}

export interface FleetCliInput {
  ctx: CommandContext
  /** The compiled runbook; for a fleet through a server, what the server says of it. */
  compiled: FleetRunbook
  params: Record<string, unknown>
  mode: Mode
  approver: Approver
  /** --yes: the canary of a fix group continues without asking. */
  yes: boolean
  operator: string
  /** Where the hosts run here; or `runHost`: each host's run goes elsewhere (a server). */
  executors?: ExecutorFactory
  runHost?: HostRunner
  /** Connect to the hosts that start first while setting up (the runbook's first step logs in: `logsInFirst`). */
  warmFirstHosts?: boolean
  inventoryFile: string | undefined
  /**
   * Opens the run log (pino stays behind views/log.ts). Called once the first hosts are connecting:
   * loading pino is part of the set-up their handshakes overlap.
   */
  openLog(): Promise<Parameters<typeof import('../views/log.ts').createLogSink>[0]>
}

export async function runFleetCli(input: FleetCliInput): Promise<number> {
  const { ctx, compiled, params, mode, approver, operator, executors } = input
  const { values, io } = ctx
  // Light modules first: hosts, policy and params are checked, and the first hosts start
  // connecting, before the engine and the views load (their loading overlaps the handshakes).
  const { findInventory } = await import('../inventory/discover.ts')
  const { selectHosts } = await import('../fleet/select.ts')
  const { firstToStart, parsePolicy } = await import('../fleet/policy.ts')
  const { checkFleetParams } = await import('../fleet/params.ts')

  if (!('host' in compiled.params))
    throw new RunbookError('RB_PARAM_UNKNOWN', `run: runbook '${compiled.name}' takes no host, so it cannot run on --hosts`)
  if ('host' in params) throw new RunbookError('RB_USAGE', 'run: --hosts (or --select) chooses the hosts; do not pass --param host too')
  const hosts = selectHosts(
    { hosts: values.hosts as string | undefined, select: values.select as string[] | undefined },
    findInventory(input.inventoryFile, io.env, io.cwd),
  )
  const policy = parsePolicy(
    {
      concurrency: values.concurrency as string | undefined,
      canary: values.canary as string | undefined,
      waves: values.waves as string | undefined,
      maxFailures: values['max-failures'] as string | undefined,
    },
    io.env,
  )

  checkFleetParams(compiled, params) // before the fleet folder is made: a usage error leaves nothing behind
  // Hosts, policy and params are good: the hosts that start first connect while the rest is set up,
  // when the runbook's first step logs in to them anyway.
  if (input.warmFirstHosts) {
    for (const host of firstToStart(hosts, policy)) executors?.warm?.(host)
    // Node sends a socket's connect on the next tick, and ticks wait until the promise jobs run out:
    // without this turn of the event loop, the hosts would connect only once the whole set-up below
    // (every host's run, ~2 ms each) was done.
    await nextTurn()
  }
  const { runFleet } = await import('../fleet/run.ts')
  const { writeFleetIndex } = await import('../fleet/index-file.ts')
  const { openTranscript, stateDir } = await import('../transcript/writer.ts')
  const { createFleetJsonView, createFleetView } = await import('../views/fleet.ts')
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')
  const dir =
    typeof values.transcript === 'string'
      ? resolve(io.cwd, values.transcript)
      : join(stateDir(io.env), 'runs', `${compiled.name}-${stamp}-fleet`)
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const indexPath = join(dir, 'fleet.json')
  const { createLogSink } = await import('../views/log.ts')
  const logger = await input.openLog()
  const logSinks = new Map<string, (e: RunEvent) => void>()

  const startedAt = new Date()
  const index = {
    kind: 'runbook-fleet' as const,
    version: 1 as const,
    runbook: compiled.name,
    hash: compiled.hash,
    mode,
    startedAt: startedAt.toISOString(),
    plan: [] as string[],
    hosts,
    transcripts: Object.fromEntries(hosts.map((h) => [h, [] as { phase: Phase; path: string }[]])),
    notStarted: [] as { host: string; phase: Phase }[],
    stop: null as import('../fleet/schedule.ts').Stop | null,
  }
  const view = values.json
    ? createFleetJsonView(io.stdout)
    : createFleetView(io.stdout, { color: useColor(io) && Boolean(io.stdout.isTTY), verbose: Boolean(values.verbose), index: indexPath })
  const onEvent = (e: FleetEvent): void => {
    if (e.type === 'fleet.started') {
      index.plan = e.plan
      writeFleetIndex(indexPath, index)
    }
    view.sink(e)
  }
  const transcript = (host: string, phase: Phase): HostTranscript => {
    const path = join(dir, `${hostFileName(host)}${phase === 'apply' ? '.apply' : ''}.jsonl`)
    index.transcripts[host]!.push({ phase, path })
    return openTranscript(path)
  }
  // A prompt must not land on the live status line: clear it first (the next event redraws it).
  const asking: typeof approver = { approve: (req, signal) => (view.close(), approver.approve(req, signal)) }
  const confirm = input.yes
    ? undefined
    : async (question: string): Promise<boolean> => {
        if (!io.stdin.isTTY) return false
        view.close()
        const rl = createInterface({ input: io.stdin, output: io.stderr, terminal: true })
        try {
          return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `, { signal: io.signal })).trim())
        } finally {
          rl.close()
        }
      }
  try {
    const r = await runFleet(compiled, {
      hosts,
      params,
      mode,
      policy,
      approver: asking,
      operator,
      signal: io.signal,
      ...(executors ? { executors } : {}),
      ...(input.runHost ? { runHost: input.runHost } : {}),
      ...(confirm ? { confirm } : {}),
      transcript,
      onEvent,
      // A host the fleet is done with disconnects now, not in one burst at the end.
      ...(executors?.release ? { hostDone: (host: string) => executors.release!(host) } : {}),
      onRunEvent: (host, phase, e) => {
        const key = `${host} ${phase}`
        let sink = logSinks.get(key)
        if (!sink) {
          sink = createLogSink(logger.child({ host, phase }))
          logSinks.set(key, sink)
        }
        sink(e)
      },
    })
    writeFleetIndex(indexPath, {
      ...index,
      finishedAt: new Date().toISOString(),
      durationMs: Date.now() - startedAt.getTime(),
      notStarted: r.notStarted,
      stop: r.stop,
      exitCode: r.exitCode,
    })
    if (values.json) io.stderr.write(`fleet index: ${indexPath}\n`)
    return r.exitCode
  } finally {
    view.close()
  }
}
