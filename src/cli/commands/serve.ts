import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { RunbookError } from '../../errors.ts'
import { DEFAULTS } from '../../shared/defaults.ts'
import { defineCommand, untilAborted } from '../command.ts'
import { durationFlag } from '../output.ts'

/** `127.0.0.1:8080`, `[::1]:8080`, `:8080` (loopback) → host and port. */
export function parseListen(text: string): { host: string; port: number } {
  const m = text.match(/^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/)
  const port = m ? Number(m[3]) : NaN
  if (!m || port > 65535)
    throw new RunbookError('RB_USAGE', `serve: --listen ${JSON.stringify(text)}: expected HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:8080`)
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port }
}

export default defineCommand({
  name: 'serve',
  summary: 'Run the runbook service: an HTTP API that queues runs, keeps their history and waits for approvals',
  usage:
    'serve [--listen HOST:PORT] [--state-dir DIR] [--database postgres://... [--queue redis://...]] [--access FILE] [--local] [--inventory FILE] [--concurrency N] [--run-timeout SECONDS] [--approval-ttl SECONDS] [--trust-proxy-user-header NAME] [--config FILE] [--triggers FILE]',
  description: `One process serves a team: runs come in through the HTTP API (README "runbook serve"), wait in a queue, run with
the same engine and executors as \`runbook run\`, and every event is committed to an SQLite journal in the state dir
(runbook.db) before the run goes on. A run's transcript exported from the API replays with \`runbook test\`.
Who may do what comes from access.yaml (tokens by sha256, roles, rules over view/run/approve/apply × runbooks × hosts);
RUNBOOK_ADMIN_TOKEN adds an admin. A fix waits for approval of its plan hash by an identity other than the requester.
Web pages: /runs and /runs/<id> (log in with a token, or behind a proxy that sets --trust-proxy-user-header).
After a restart or a crash, runs that were running or waiting for approval resume from their journal: a finished step is
never run again, an interrupted apply command is never re-run (the fix goes to verify "in doubt", then rollback if it fails).
Alert hooks (README "Alert triggers"): POST /hooks/alertmanager (RUNBOOK_HOOK_TOKEN), /hooks/pagerduty
(RUNBOOK_PAGERDUTY_SECRETS), /hooks/generic (RUNBOOK_WEBHOOK_SECRET) start dry-runs by the rules of --triggers.
Slack: with RUNBOOK_SLACK_BOT_TOKEN set, the Slack app starts too (README "Slack"): Socket Mode with
RUNBOOK_SLACK_APP_TOKEN (no inbound port), else HTTP mode on POST /slack/events with RUNBOOK_SLACK_SIGNING_SECRET.
RUNBOOK_SLACK_API_URL points it at another API base; RUNBOOK_PUBLIC_URL is the base of run page links in threads.
Stops on SIGINT/SIGTERM: running runs are interrupted without being ended, and resume at the next start.
Growing past one machine (README "Scale-out"): --database postgres://... keeps the same tables on PostgreSQL instead of
the SQLite file; --queue redis://... (with --database) hands the runs to \`runbook worker\` processes through BullMQ
instead of running them in this process.`,
  options: {
    listen: {
      type: 'string',
      valueName: 'HOST:PORT',
      description: 'Where to listen (default 127.0.0.1:8080; RUNBOOK_LISTEN). Plain HTTP: keep it on loopback or behind a TLS proxy',
    },
    'state-dir': {
      type: 'string',
      valueName: 'DIR',
      description: 'Where the store lives (default $RUNBOOK_STATE_DIR or ~/.local/state/runbook)',
    },
    database: {
      type: 'string',
      valueName: 'URL',
      description: 'Keep the store on PostgreSQL (postgres://user@host/db; RUNBOOK_DATABASE) instead of SQLite in the state dir',
    },
    queue: {
      type: 'string',
      valueName: 'URL',
      description:
        'Hand runs to `runbook worker` processes through BullMQ on this Redis (redis://host:6379; RUNBOOK_QUEUE); needs --database',
    },
    access: { type: 'string', valueName: 'FILE', description: 'access.yaml (default $RUNBOOK_ACCESS, else ./access.yaml if present)' },
    local: { type: 'boolean', description: 'Run commands on this machine instead of over SSH' },
    inventory: {
      type: 'string',
      short: 'i',
      valueName: 'FILE',
      description: 'Inventory file (default: $RUNBOOK_INVENTORY, ./inventory.yaml, or the running lab)',
    },
    concurrency: { type: 'string', valueName: 'N', description: 'Runs at once (default 4)' },
    'run-timeout': { type: 'string', valueName: 'SECONDS', description: 'A run still going after this is stopped (default 1800)' },
    'approval-ttl': { type: 'string', valueName: 'SECONDS', description: 'An approval request expires after this (default 900)' },
    config: {
      type: 'string',
      valueName: 'FILE',
      description:
        'Serve config file (YAML, chmod 600): hook secrets, triggers, public_url, Slack and PagerDuty settings (default $RUNBOOK_CONFIG). RUNBOOK_* variables win over it',
    },
    triggers: {
      type: 'string',
      valueName: 'FILE',
      description: 'triggers.yaml: which alerts start which diagnosis (default $RUNBOOK_TRIGGERS, or `triggers:` in --config)',
    },
    'trust-proxy-user-header': {
      type: 'string',
      valueName: 'NAME',
      description:
        'Web pages: trust this header (e.g. X-Forwarded-User), set by a reverse proxy that authenticates users, to name the identity in access.yaml. Off by default; only behind such a proxy, with the server unreachable otherwise',
    },
  },
  examples: ['RUNBOOK_ADMIN_TOKEN=$(openssl rand -hex 24) runbook serve --state-dir /var/lib/runbook --access /etc/runbook/access.yaml'],
  async run({ values, io }) {
    const { loadAccess } = await import('../../service/access.ts')
    const { RunService } = await import('../../service/service.ts')
    const { openStore } = await import('../../service/open-store.ts')
    const { buildServer } = await import('../../service/http/server.ts')
    const { stateDir } = await import('../../transcript/writer.ts')
    const { runbookDirs } = await import('../../library.ts')
    const { chooseExecutors } = await import('../executors.ts')
    const { slackConfig, startSlackApp } = await import('../../chat/slack-app.ts')
    const number = (name: string, fallback: number) => {
      const v = values[name]
      if (v === undefined) return fallback
      const n = Number(v)
      if (!Number.isInteger(n) || n < 1)
        throw new RunbookError('RB_USAGE', `serve: --${name} must be a whole number ≥ 1, not ${JSON.stringify(v)}`)
      return n
    }
    const { host, port } = parseListen((values.listen as string | undefined) ?? io.env.RUNBOOK_LISTEN ?? '127.0.0.1:8080')
    const dir = resolve(io.cwd, (values['state-dir'] as string | undefined) ?? stateDir(io.env))
    const given = (values.access as string | undefined) ?? io.env.RUNBOOK_ACCESS
    const accessFile = given
      ? resolve(io.cwd, given)
      : existsSync(resolve(io.cwd, 'access.yaml'))
        ? resolve(io.cwd, 'access.yaml')
        : undefined
    const access = loadAccess(accessFile, io.env)
    if (access.policy.identities.length === 0 && !io.env.RUNBOOK_ADMIN_TOKEN) {
      throw new RunbookError(
        'RB_USAGE',
        'serve: nobody could use this server: give --access access.yaml with identities, or set RUNBOOK_ADMIN_TOKEN',
      )
    }
    // Checked before anything opens: a half-configured Slack app is a usage error, not a silent no-op.
    const slack = slackConfig(io.env)
    if (!slack && io.env.RUNBOOK_SLACK_BOT_TOKEN)
      io.stderr.write(
        'runbook serve: slack: a bot token without RUNBOOK_SLACK_APP_TOKEN or RUNBOOK_SLACK_SIGNING_SECRET: alert results are posted, no commands or buttons are taken\n',
      )
    const concurrency = number('concurrency', DEFAULTS.concurrency)
    const runTimeoutMs = durationFlag('serve', 'run-timeout', values['run-timeout']) ?? DEFAULTS.runTimeoutMs
    const approvalTtlMs = durationFlag('serve', 'approval-ttl', values['approval-ttl']) ?? DEFAULTS.approvalTtlMs
    const database = (values.database as string | undefined) ?? (io.env.RUNBOOK_DATABASE || undefined)
    const queueUrl = (values.queue as string | undefined) ?? (io.env.RUNBOOK_QUEUE || undefined)
    if (queueUrl !== undefined && !/^rediss?:\/\//.test(queueUrl))
      throw new RunbookError('RB_USAGE', 'serve: --queue must be a redis:// URL, e.g. redis://127.0.0.1:6379')
    if (queueUrl !== undefined && database === undefined)
      throw new RunbookError(
        'RB_USAGE',
        'serve: --queue needs --database postgres://...: the workers must share the store with this server',
      )
    const { store, where } = await openStore({ database, stateDir: dir, command: 'serve' })
    const bull = queueUrl === undefined ? undefined : await import('../../service/bullmq-queue.ts')
    const shared =
      bull && queueUrl
        ? new bull.BullRunQueue({ connection: { url: queueUrl }, store, log: (m) => io.stderr.write(`runbook serve: ${m}\n`) })
        : undefined
    // Another process took this one's claim on the store (a database restart, then a second serve): stop.
    const claimLost = new AbortController()
    const service = new RunService({
      store,
      access,
      runbookDirs: runbookDirs(io.env, io.cwd),
      executors: () => chooseExecutors({ local: Boolean(values.local), inventory: values.inventory as string | undefined }, io),
      concurrency,
      runTimeoutMs,
      approvalTtlMs,
      ...(shared ? { queue: () => shared, approvalPollMs: 500 } : {}),
      onClaimLost: (err) => claimLost.abort(err),
    })
    const proxyHeader = values['trust-proxy-user-header'] as string | undefined
    if (proxyHeader !== undefined && !/^[A-Za-z0-9-]+$/.test(proxyHeader))
      throw new RunbookError(
        'RB_USAGE',
        `serve: --trust-proxy-user-header ${JSON.stringify(proxyHeader)}: expected a header name, e.g. X-Forwarded-User`,
      )
    const { setupHooks } = await import('../../service/hooks/setup.ts')
    const configFile = (values.config as string | undefined) ?? (io.env.RUNBOOK_CONFIG || undefined)
    const triggersFlag = values.triggers as string | undefined
    let hooks: ReturnType<typeof setupHooks>
    try {
      hooks = setupHooks({
        service,
        env: triggersFlag ? { ...io.env, RUNBOOK_TRIGGERS: resolve(io.cwd, triggersFlag) } : io.env,
        cwd: io.cwd,
        ...(configFile ? { configFile } : {}),
        runbookDirs: runbookDirs(io.env, io.cwd),
        log: (message) => io.stderr.write(`runbook serve: ${message}\n`),
      })
    } catch (err) {
      // A bad config or triggers file: nothing started, the store is closed again.
      await service.close()
      await store.close()
      throw err
    }
    let app: Awaited<ReturnType<typeof buildServer>> | undefined
    let chat: Awaited<ReturnType<typeof startSlackApp>> | undefined
    try {
      if (shared) {
        try {
          await shared.ready({ signal: io.signal })
        } catch (err) {
          throw new RunbookError(
            'RB_BACKEND_UNREACHABLE',
            `serve: cannot reach the queue at ${bull!.describeRedis(queueUrl!)}: ${(err as Error).message}`,
            { cause: err },
          )
        }
      }
      await service.start()
      await hooks.dispatcher.start()
      // After start(): a command arriving over Socket Mode must not race the re-queueing of old jobs.
      if (slack) chat = await startSlackApp(service, slack, { log: (m) => io.stderr.write(`runbook serve: slack: ${m}\n`) })
      app = await buildServer(service, {
        ...(proxyHeader ? { trustProxyUserHeader: proxyHeader } : {}),
        hooks: { dispatcher: hooks.dispatcher, secrets: hooks.config },
        ...(chat?.dispatch ? { slack: { signingSecret: slack!.signingSecret!, dispatch: chat.dispatch } } : {}),
      })
      const address = await app.listen({ host, port })
      io.stderr.write(
        `runbook serve: listening on ${address} (${where}, access ${accessFile ?? 'RUNBOOK_ADMIN_TOKEN only'}, ${shared ? `runs by workers on ${bull!.describeRedis(queueUrl!)}` : `${values.local ? 'local commands' : 'SSH'}, ${concurrency} at once`}${slack ? `, Slack ${slack.mode === 'socket' ? 'Socket Mode' : 'HTTP mode on /slack/events'}` : ''})\n`,
      )
      io.stderr.write(`runbook serve: ${hooks.describe()}\n`)
      await untilAborted(io.signal, claimLost.signal)
      if (claimLost.signal.aborted) throw claimLost.signal.reason
      io.stderr.write('runbook serve: stopping\n')
      return 0
    } finally {
      await app?.close()
      await chat?.stop()
      await service.close()
      await hooks.dispatcher.close()
      await store.close()
    }
  },
})
