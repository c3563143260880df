import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { RunbookError } from '../../errors.ts'
import { DEFAULTS } from '../../shared/defaults.ts'
import { defineCommand, untilAborted } from '../command.ts'
import { durationFlag } from '../output.ts'

/** A positive number of seconds (decimals allowed) as ms. */
export default defineCommand({
  name: 'worker',
  summary: 'Take runs from the shared queue (BullMQ on Redis) and run them: scale-out for `runbook serve`',
  usage:
    'worker --queue redis://... --database postgres://... [--access FILE] [--local] [--inventory FILE] [--concurrency N] [--run-timeout SECONDS] [--approval-ttl SECONDS] [--lock-duration SECONDS] [--stalled-interval SECONDS]',
  description: `When one machine is not enough (README "Scale-out"): \`runbook serve --database postgres://... --queue redis://...\`
takes the runs, and any number of \`runbook worker\` processes, on any machines, run them with the same engine and
executors as \`runbook run\`. Every event goes to the shared Postgres journal before the step it announces runs.
One mutating run per host at a time across all workers (the store's host lock, plus the lock the engine takes on the host).
A worker that dies (SIGKILL, a lost machine) stops renewing its job lock: after --lock-duration another worker takes the
job and resumes the run from its journal: a finished step never runs again, an interrupted apply is never re-run (the
fix goes to verify "in doubt", then rollback if it fails). SIGINT/SIGTERM: running runs are interrupted without being
ended and handed back to the queue at once. The worker needs the same runbooks (RUNBOOK_PATH), access.yaml and
inventory (or --local) as serve.`,
  options: {
    queue: { type: 'string', valueName: 'URL', description: 'Redis of the shared queue (redis://host:6379; RUNBOOK_QUEUE)' },
    database: { type: 'string', valueName: 'URL', description: 'The shared store (postgres://user@host/db; RUNBOOK_DATABASE)' },
    access: {
      type: 'string',
      valueName: 'FILE',
      description: 'access.yaml, for the approvals each fix needs (default $RUNBOOK_ACCESS, else ./access.yaml if present)',
    },
    local: { type: 'boolean', description: 'Run commands on this machine instead of over SSH' },
    inventory: {
      type: 'string',
      short: 'i',
      valueName: 'FILE',
      description: 'Inventory file (default: $RUNBOOK_INVENTORY, ./inventory.yaml, or the running lab)',
    },
    concurrency: { type: 'string', valueName: 'N', description: 'Runs at once in this worker (default 4)' },
    'run-timeout': { type: 'string', valueName: 'SECONDS', description: 'A run still going after this is stopped (default 1800)' },
    'approval-ttl': {
      type: 'string',
      valueName: 'SECONDS',
      description: 'An approval request expires after this (default 900; use the same as serve)',
    },
    'lock-duration': {
      type: 'string',
      valueName: 'SECONDS',
      description: 'A worker silent this long is taken for dead and its runs resumed elsewhere (default 30)',
    },
    'stalled-interval': {
      type: 'string',
      valueName: 'SECONDS',
      description: 'How often this worker looks for the jobs of dead workers (default 30)',
    },
  },
  examples: [
    'runbook worker --queue redis://queue.internal:6379 --database postgres://runbook@db.internal/runbook --access /etc/runbook/access.yaml',
  ],
  async run({ values, io }) {
    const { loadAccess } = await import('../../service/access.ts')
    const { RunService } = await import('../../service/service.ts')
    const { openStore } = await import('../../service/open-store.ts')
    const { RunWorker, describeRedis } = await import('../../service/bullmq-queue.ts')
    const { runbookDirs } = await import('../../library.ts')
    const { chooseExecutors } = await import('../executors.ts')
    const queueUrl = (values.queue as string | undefined) ?? (io.env.RUNBOOK_QUEUE || undefined)
    const database = (values.database as string | undefined) ?? (io.env.RUNBOOK_DATABASE || undefined)
    if (!queueUrl || !/^rediss?:\/\//.test(queueUrl))
      throw new RunbookError(
        'RB_USAGE',
        'worker: which queue? Pass --queue redis://host:6379 (or set RUNBOOK_QUEUE): the Redis `runbook serve --queue` submits to',
      )
    if (!database)
      throw new RunbookError(
        'RB_USAGE',
        'worker: which store? Pass --database postgres://... (or set RUNBOOK_DATABASE): the one `runbook serve --database` uses',
      )
    const concurrency = Number(values.concurrency ?? DEFAULTS.concurrency)
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new RunbookError('RB_USAGE', `worker: --concurrency must be a whole number ≥ 1, not ${JSON.stringify(values.concurrency)}`)
    const runTimeoutMs = durationFlag('worker', 'run-timeout', values['run-timeout']) ?? DEFAULTS.runTimeoutMs
    const approvalTtlMs = durationFlag('worker', 'approval-ttl', values['approval-ttl']) ?? DEFAULTS.approvalTtlMs
    const lockDurationMs = durationFlag('worker', 'lock-duration', values['lock-duration']) ?? DEFAULTS.queueLockMs
    const stalledIntervalMs = durationFlag('worker', 'stalled-interval', values['stalled-interval']) ?? DEFAULTS.queueStalledIntervalMs
    const given = (values.access as string | undefined) ?? io.env.RUNBOOK_ACCESS
    const accessFile = given
      ? resolve(io.cwd, given)
      : existsSync(resolve(io.cwd, 'access.yaml'))
        ? resolve(io.cwd, 'access.yaml')
        : undefined
    const access = loadAccess(accessFile, io.env)
    const { store, where } = await openStore({ database, stateDir: '', command: 'worker' })
    // Another process took this worker's claim on the store (a database restart, then a serve without --queue): stop.
    const claimLost = new AbortController()
    try {
      // Never beside a serve without --queue: it would take this worker's host locks and runs.
      await store.claim('shared', (err) => claimLost.abort(err))
    } catch (err) {
      await store.close()
      throw err
    }
    const log = (message: string) => io.stderr.write(`runbook worker: ${message}\n`)
    const service = new RunService({
      store,
      access,
      runbookDirs: runbookDirs(io.env, io.cwd),
      executors: () => chooseExecutors({ local: Boolean(values.local), inventory: values.inventory as string | undefined }, io),
      runTimeoutMs,
      approvalTtlMs,
      approvalPollMs: 500,
    })
    const worker = new RunWorker({
      connection: { url: queueUrl },
      store,
      concurrency,
      execute: (id, signal) => service.executeRun(id, signal),
      timeoutMs: runTimeoutMs,
      now: Date.now,
      lockDurationMs,
      stalledIntervalMs,
      log,
    })
    try {
      try {
        await worker.ready({ signal: io.signal })
      } catch (err) {
        throw new RunbookError(
          'RB_BACKEND_UNREACHABLE',
          `worker: cannot reach the queue at ${describeRedis(queueUrl)}: ${(err as Error).message}`,
          { cause: err },
        )
      }
      log(
        `taking runs from ${describeRedis(queueUrl)} (${where}, ${values.local ? 'local commands' : 'SSH'}, ${concurrency} at once, pid ${process.pid})`,
      )
      await untilAborted(io.signal, claimLost.signal)
      log(`stopping: ${worker.running} run(s) handed back to the queue`)
      if (claimLost.signal.aborted) throw claimLost.signal.reason
      return 0
    } finally {
      await worker.close()
      await service.close()
      await store.close()
    }
  },
})
