import type { EventSink } from '../../engine/emitter.ts'
import { RunbookError } from '../../errors.ts'
import { defineCommand } from '../command.ts'
import { useColor } from '../output.ts'
import { resolve } from 'node:path'
import { setImmediate as nextTurn } from 'node:timers/promises'

export default defineCommand({
  name: 'run',
  summary: 'Run a runbook against a host (dry-run unless --apply)',
  usage:
    'run <runbook> [--host H | --hosts H,GROUP,all [--select k=v] [--concurrency N] [--canary N] [--waves 10%,50%,100%] [--max-failures N|P%]] [--param k=v ...] [--param-file k=PATH ...] [--param-env k=VAR ...] [--apply [--yes]] [--local] [--transcript FILE] [--json] [--server URL]',
  description: `Runs the runbook's read-only diagnostics for real, follows its branches, and ends with an outcome: a diagnosis with evidence.
Dry-run (the default) never changes the host: every fix the run reaches is shown as a plan with its exact commands.
With --apply, a fix runs only after you approve its plan (a prompt, or --yes), is verified, and is rolled back when verification fails.
Every run is recorded as a transcript (JSON Lines, secrets redacted) that \`runbook replay\` re-renders and \`runbook test\` replays.

Secrets (params declared \`secret: true\`): do not pass them with --param, which puts them on the command line,
visible to every user in \`ps\` and kept in your shell history (runbook warns when you do). Instead:
  --param-file token=PATH   read the value from a file (one trailing newline is stripped)
  --param-file token=-      read it from stdin, e.g. \`pass show db/token | runbook run ... --param-file token=-\`
  --param-env token=VAR     read it from environment variable VAR
Every rendering of a secret (as typed, shell-quoted, JSON-escaped, base64 file content) is replaced by [redacted] in the transcript,
the log, --json and this view.

Fleets: --hosts web1,web2 | GROUP | all and/or --select role=web (inventory vars) run the runbook on each host, one run and
one transcript per host (in a folder with a fleet.json index that \`runbook replay\` renders), one SSH connection per host.
  --concurrency N      hosts at a time (default 10)
  --canary N           the first N hosts run first; the others only when they all end well
  --waves 10%,50%,100% cumulative waves (counts or percentages, last 100%), each starting when the previous one has finished
  --max-failures N|P%  counted over the whole run: the fleet stops when the Nth host fails (P%: ceil(P x hosts / 100));
                       no new host starts, running hosts finish, hosts never started are listed
A failed host: run incomplete, fix rolled back, fix failed, fix refused (exit 6-9). With --apply every host is first
diagnosed (dry-run); hosts with the same fix plan up to the host name form a group: one plan hash, one approval, then
the group is applied with the canary, waves and budget above. The end shows hosts grouped by outcome, evidence once.
Fleet exit code: 8 if any host needs a human; else 10 if the fleet stopped early (budget, canary); else the worst
host's code (7, 6, 9, 4, 3, 5, 0 in that order).

Exit codes: 0 healthy, 3 problem found, 4 fix proposed, 5 fix applied and verified, 6 fix rolled back,
7 run incomplete (a step failed with no handler), 8 fix failed and not undone (rollback failed or none declared), 9 fix refused (pre-flight failed or host locked),
2 usage/validation error, 1 internal error.`,
  options: {
    host: { type: 'string', valueName: 'H', description: 'Target: inventory name, user@host:port, ssh_config alias (sets param host)' },
    hosts: { type: 'string', valueName: 'LIST', description: 'Fleet: hosts, groups or all, comma-separated (one run per host)' },
    select: {
      type: 'string',
      multiple: true,
      valueName: 'k=v',
      description: 'Fleet: only hosts whose inventory var k is v (k!=v: is not); all must hold',
    },
    concurrency: { type: 'string', valueName: 'N', description: 'Fleet: hosts at a time (default 10; RUNBOOK_FLEET_CONCURRENCY)' },
    canary: { type: 'string', valueName: 'N', description: 'Fleet: run the first N hosts first; the rest only if they end well' },
    waves: { type: 'string', valueName: 'LIST', description: 'Fleet: cumulative waves, e.g. 10%,50%,100% (barrier between waves)' },
    'max-failures': {
      type: 'string',
      valueName: 'N|P%',
      description: 'Fleet: stop when the Nth host (or P% of them) has failed, over the whole run',
    },
    param: {
      type: 'string',
      short: 'p',
      multiple: true,
      valueName: 'k=v',
      description: 'A runbook parameter (not for secrets: argv shows in `ps`)',
    },
    'param-file': {
      type: 'string',
      multiple: true,
      valueName: 'k=PATH',
      description: 'A parameter read from a file, one trailing newline stripped; PATH - is stdin',
    },
    'param-env': { type: 'string', multiple: true, valueName: 'k=VAR', description: 'A parameter read from environment variable VAR' },
    apply: { type: 'boolean', description: 'Apply fixes (after approval); default is dry-run' },
    yes: { type: 'boolean', short: 'y', description: 'With --apply: approve every fix plan without asking' },
    local: { type: 'boolean', description: 'Run commands on this machine instead of over SSH' },
    inventory: {
      type: 'string',
      short: 'i',
      valueName: 'FILE',
      description: 'Inventory file (default: $RUNBOOK_INVENTORY, ./inventory.yaml, or the running lab)',
    },
    'accept-new-host-keys': { type: 'boolean', description: 'Record unknown host keys (never changed ones) in known_hosts' },
    transcript: {
      type: 'string',
      short: 't',
      valueName: 'FILE',
      description:
        'Where to record the run, replacing the file if it exists (default: $RUNBOOK_STATE_DIR/runs/<runbook>-<time>.jsonl); a fleet: a folder',
    },
    json: { type: 'boolean', description: 'Print events as JSON lines instead of the progress view' },
    verbose: { type: 'boolean', short: 'v', description: 'Show command output in the progress view' },
    'log-level': { type: 'string', valueName: 'LEVEL', description: 'pino log level for the run log (default info; RUNBOOK_LOG_LEVEL)' },
    server: {
      type: 'string',
      valueName: 'URL',
      description:
        'Submit the run to `runbook serve` and follow it (default $RUNBOOK_SERVER unless --local or a fleet; token from $RUNBOOK_TOKEN). With --hosts: a fleet diagnosis whose host runs live on the server (dry-run only)',
    },
  },
  maxPositionals: 1,
  examples: [
    'runbook run unreachable-host --host web1 --param client_ip=203.0.113.7',
    'runbook run log-dir-full --local --param dir=/var/log --param max_dir_mb=500',
    'runbook run log-dir-full --local --apply --yes',
    'runbook run unreachable-host --hosts all --canary 1 --max-failures 10%',
    'runbook run unreachable-host --select role=web --apply --waves 10%,50%,100%',
    'RUNBOOK_TOKEN=... runbook run stale-connections --hosts web --server http://127.0.0.1:8080',
    'pass show ops/api-token | runbook run <runbook> --host web1 --param-file token=-',
  ],
  async run({ values, positionals, io }) {
    const fleet = values.hosts !== undefined || values.select !== undefined
    const fleetOnly = ['concurrency', 'canary', 'waves', 'max-failures'].filter((f) => values[f] !== undefined)
    if (!fleet && fleetOnly.length > 0)
      throw new RunbookError('RB_USAGE', `run: --${fleetOnly[0]} is for fleet runs: add --hosts (or --select)`)
    if (fleet && values.host !== undefined)
      throw new RunbookError('RB_USAGE', 'run: --host runs one host, --hosts / --select a fleet: use one of them')
    if (fleet && values.local)
      throw new RunbookError('RB_USAGE', 'run: --local runs on this machine: it cannot be combined with --hosts / --select')
    if (fleet && typeof values.server === 'string') {
      const { serverOf } = await import('../client.ts')
      const { remoteFleet } = await import('../remote-fleet.ts')
      return remoteFleet({ values, positionals, rest: [], io }, serverOf(values.server, io.env, 'run'))
    }
    if (typeof values.server === 'string' || (io.env.RUNBOOK_SERVER && !values.local && !fleet)) {
      const { serverOf } = await import('../client.ts')
      const { remoteRun } = await import('../remote-run.ts')
      return remoteRun({ values, positionals, io }, serverOf(values.server, io.env, 'run'))
    }
    // Loaded here, not at start-up: `runbook --help` and other commands stay fast. The engine and
    // the views load last: by then the first hosts are connecting (warm), and their handshakes
    // overlap the loading.
    const { loadRunbookRemembering, resolveRunbook, runbookDirs } = await import('../../library.ts')
    const { stateDir } = await import('../../transcript/writer.ts')
    const ref = positionals[0]
    if (!ref) throw new RunbookError('RB_USAGE', 'run: which runbook? Usage: runbook run <runbook> --host H (see `runbook list`)')
    if (values.yes && !values.apply)
      throw new RunbookError('RB_USAGE', 'run: --yes only makes sense with --apply (dry-run never changes anything)')
    const compiled = await loadRunbookRemembering(resolveRunbook(ref, runbookDirs(io.env, io.cwd), io.cwd), stateDir(io.env), {
      learn: true,
    })
    const { paramsFromFlags } = await import('../param-input.ts')
    const params = await paramsFromFlags(values, io, compiled.params)
    if (typeof values.host === 'string') {
      if (!('host' in compiled.params))
        throw new RunbookError('RB_PARAM_UNKNOWN', `run: runbook '${compiled.name}' takes no host (it runs with --local)`)
      params.host = values.host
    } else if (values.local && 'host' in compiled.params && params.host === undefined) {
      params.host = 'local'
    }
    const { refusingApprover, promptApprover, yesApprover } = await import('../../engine/approval.ts')
    const { currentOperator } = await import('../../shared/operator.ts')
    const { logsInFirst } = await import('../../compile/model.ts')
    const { chooseExecutors } = await import('../executors.ts')
    const operator = currentOperator()
    const mode = values.apply ? 'apply' : 'dry-run'
    const approver = !values.apply
      ? refusingApprover
      : values.yes
        ? yesApprover(operator)
        : io.stdin.isTTY
          ? promptApprover(io.stdin, io.stderr, operator)
          : refusingApprover

    if (fleet) {
      const executors = chooseExecutors(
        { local: false, inventory: values.inventory as string | undefined, acceptNewHostKeys: Boolean(values['accept-new-host-keys']) },
        io,
      )
      const { runFleetCli } = await import('../fleet-run.ts')
      try {
        return await runFleetCli({
          ctx: { values, positionals, rest: [], io },
          compiled,
          params,
          mode,
          approver,
          yes: Boolean(values.yes),
          operator,
          executors,
          warmFirstHosts: logsInFirst(compiled.steps, compiled.start),
          inventoryFile: values.inventory as string | undefined,
          openLog: async () => {
            const { openRunLog } = await import('../../views/log.ts')
            return openRunLog(stateDir(io.env), values['log-level'] as string | undefined, io.env, { runbook: compiled.name })
          },
        })
      } finally {
        await executors.close()
      }
    }

    const executors = chooseExecutors(
      {
        local: Boolean(values.local),
        inventory: values.inventory as string | undefined,
        acceptNewHostKeys: Boolean(values['accept-new-host-keys']),
      },
      io,
    )
    // The host connects while the engine loads, when the first step logs in to it anyway and the
    // params are good (a bad one is refused by the engine below, before any connection).
    if (typeof params.host === 'string' && logsInFirst(compiled.steps, compiled.start)) {
      const { checkFleetParams } = await import('../../fleet/params.ts')
      try {
        checkFleetParams(compiled, params)
        executors.warm?.(params.host)
        // Its connect goes out on the next tick, which would otherwise wait for the set-up below.
        await nextTurn()
      } catch {
        // reported by runRunbook, in its own words
      }
    }
    const { fanOut } = await import('../../engine/emitter.ts')
    const { runRunbook } = await import('../../engine/run.ts')
    const { defaultTranscriptPath, openTranscript } = await import('../../transcript/writer.ts')
    const { createJsonView } = await import('../../views/json.ts')
    const { createProgressView } = await import('../../views/progress.ts')
    const transcriptPath =
      typeof values.transcript === 'string' ? resolve(io.cwd, values.transcript) : defaultTranscriptPath(io.env, compiled.name, new Date())
    const sinks: EventSink[] = []
    let transcript: ReturnType<typeof openTranscript> | undefined
    const view = values.json
      ? createJsonView(io.stdout)
      : createProgressView(io.stdout, { color: useColor(io) && Boolean(io.stdout.isTTY), verbose: Boolean(values.verbose) })
    const { createLogSink, openRunLog } = await import('../../views/log.ts')
    const logger = openRunLog(stateDir(io.env), values['log-level'] as string | undefined, io.env, { runbook: compiled.name })
    try {
      const summary = await runRunbook(compiled, {
        params,
        mode,
        executors,
        approver,
        operator,
        signal: io.signal,
        onEvent: (e) => {
          // Params are checked before the first event: open the transcript only for a run that starts.
          if (!transcript) {
            transcript = openTranscript(transcriptPath)
            sinks.push(transcript.write, view.sink, createLogSink(logger))
          }
          fanOut(sinks, (err) => io.stderr.write(`warning: an event sink failed: ${(err as Error).message}\n`))(e)
        },
      })
      if (!values.json) io.stderr.write(`transcript: ${transcriptPath}\n`)
      return summary.exitCode
    } finally {
      view.close()
      transcript?.close()
      await executors.close()
    }
  },
})
