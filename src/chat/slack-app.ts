/**
 * The Slack app: @slack/bolt 5 (the only file that imports it) wired to ChatOps. Socket Mode by
 * default, so the machine holding the SSH keys opens no inbound port; HTTP mode (route
 * `/slack/events` on the serve listener, signature checked there) when only a signing secret is
 * set. Every command and click is acknowledged first, then handled: Slack's 3 seconds always hold.
 *
 * @example
 * const config = slackConfig(process.env)        // undefined without RUNBOOK_SLACK_BOT_TOKEN
 * if (config) { const slack = await startSlackApp(service, config); ...; await slack.stop() }
 */
import { App, LogLevel, SocketModeReceiver, type App as BoltApp, type Logger, type Receiver, type ReceiverEvent } from '@slack/bolt'
import { RunbookError } from '../errors.ts'
import type { RunService } from '../service/service.ts'
import { ACTION_APPROVE, ACTION_DECLINE } from './blocks.ts'
import { ChatOps, type ChatPort } from './chatops.ts'

export interface SlackConfig {
  mode: 'socket' | 'http'
  botToken: string
  appToken?: string
  signingSecret?: string
  /** Web API base, ending in `/` (default https://slack.com/api/). */
  apiUrl?: string
  /** Base URL of the run pages, for links in threads. */
  publicUrl?: string
  /** The slash command (default /runbook). */
  command: string
}

/**
 * The Slack configuration in the environment, or undefined when RUNBOOK_SLACK_BOT_TOKEN is unset.
 * Socket Mode when RUNBOOK_SLACK_APP_TOKEN is set; HTTP mode when only RUNBOOK_SLACK_SIGNING_SECRET is.
 */
export function slackConfig(env: NodeJS.ProcessEnv): SlackConfig | undefined {
  const bad = (what: string) => new RunbookError('RB_SLACK_CONFIG', `Slack: ${what}`)
  const botToken = env.RUNBOOK_SLACK_BOT_TOKEN || undefined
  const appToken = env.RUNBOOK_SLACK_APP_TOKEN || undefined
  const signingSecret = env.RUNBOOK_SLACK_SIGNING_SECRET || undefined
  if (!botToken) {
    if (appToken || signingSecret)
      throw bad(
        'RUNBOOK_SLACK_APP_TOKEN or RUNBOOK_SLACK_SIGNING_SECRET is set but RUNBOOK_SLACK_BOT_TOKEN is not: set the bot token (xoxb-…) too',
      )
    return undefined
  }
  if (!botToken.startsWith('xoxb-')) throw bad('RUNBOOK_SLACK_BOT_TOKEN must be a bot token (xoxb-…), from OAuth & Permissions of the app')
  if (appToken && !appToken.startsWith('xapp-'))
    throw bad('RUNBOOK_SLACK_APP_TOKEN must be an app-level token (xapp-…) with the connections:write scope')
  // A bot token alone posts alert results (service/hooks/notify.ts) but takes no commands or clicks.
  if (!appToken && !signingSecret) return undefined
  const url = (name: string) => {
    const v = env[name] || undefined
    if (v === undefined) return undefined
    let u: URL
    try {
      u = new URL(v)
    } catch {
      throw bad(`${name} ${JSON.stringify(v)} is not a URL`)
    }
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw bad(`${name} must be an http(s) URL, not ${u.protocol}`)
    return u.href
  }
  const apiUrl = url('RUNBOOK_SLACK_API_URL')
  const publicUrl = url('RUNBOOK_PUBLIC_URL')
  const command = env.RUNBOOK_SLACK_COMMAND || '/runbook'
  if (!/^\/[a-z0-9_-]+$/.test(command)) throw bad(`RUNBOOK_SLACK_COMMAND ${JSON.stringify(command)} must look like /runbook`)
  return {
    mode: appToken ? 'socket' : 'http',
    botToken,
    ...(appToken ? { appToken } : { signingSecret: signingSecret! }),
    ...(apiUrl ? { apiUrl: apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/` } : {}),
    ...(publicUrl ? { publicUrl } : {}),
    command,
  }
}

/** HTTP mode: a request whose signature /slack/events has checked, given to Bolt; resolves with Slack's reply. */
export type SlackDispatch = (
  body: Record<string, unknown>,
  retry: { num?: number; reason?: string },
) => Promise<{ status: number; body: unknown }>

/** Bolt's receiver for HTTP mode: the serve listener's route hands it checked requests. */
class RouteReceiver implements Receiver {
  #app: BoltApp | undefined
  constructor(readonly log: (m: string) => void) {}
  init(app: BoltApp): void {
    this.#app = app
  }
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  dispatch: SlackDispatch = (body, retry) =>
    new Promise((resolve) => {
      let replied = false
      const reply = (status: number, payload: unknown) => {
        if (replied) return
        replied = true
        clearTimeout(timer)
        resolve({ status, body: payload })
      }
      // Nothing acknowledged it (no listener): Slack still gets its answer in time.
      const timer = setTimeout(() => reply(200, ''), 2500)
      const event: ReceiverEvent = {
        body,
        ack: async (response?: unknown) => reply(200, response ?? ''),
        ...(retry.num !== undefined ? { retryNum: retry.num } : {}),
        ...(retry.reason !== undefined ? { retryReason: retry.reason } : {}),
      }
      this.#app!.processEvent(event).catch((err: unknown) => {
        this.log(`bolt: ${(err as Error).message}`)
        reply(500, '')
      })
    })
}

function boltLogger(log: (m: string) => void): Logger {
  let level = LogLevel.WARN
  let name = 'bolt'
  const at =
    (l: string) =>
    (...msg: unknown[]) =>
      log(`${name} ${l}: ${msg.map((m) => (m instanceof Error ? m.message : String(m))).join(' ')}`)
  return {
    debug: () => {},
    info: () => {},
    warn: at('warn'),
    error: at('error'),
    setLevel: (l) => void (level = l),
    getLevel: () => level,
    setName: (n) => void (name = n),
  }
}

export interface SlackApp {
  config: SlackConfig
  chat: ChatOps
  /** HTTP mode only: what /slack/events calls once a request is verified. */
  dispatch?: SlackDispatch
  /** Resolves when every command and click handled so far is done (tests, shutdown). */
  idle(): Promise<void>
  stop(): Promise<void>
}

export interface SlackAppOptions {
  log?(message: string): void
  editIntervalMs?: number
}

/** Builds the Bolt app on the service and connects it (Socket Mode) or readies it for /slack/events (HTTP). */
export async function startSlackApp(service: RunService, config: SlackConfig, o: SlackAppOptions = {}): Promise<SlackApp> {
  const log = o.log ?? ((m: string) => process.stderr.write(`runbook slack: ${m}\n`))
  const logger = boltLogger(log)
  const clientOptions = config.apiUrl ? { slackApiUrl: config.apiUrl } : {}
  const routeReceiver = config.mode === 'http' ? new RouteReceiver(log) : undefined
  const receiver = routeReceiver ?? new SocketModeReceiver({ appToken: config.appToken!, logger, installerOptions: { clientOptions } })
  const app = new App({ token: config.botToken, receiver, logger, clientOptions, deferInitialization: true })

  const port: ChatPort = {
    post: async (m) => {
      const r = await app.client.chat.postMessage({
        channel: m.channel,
        text: m.text,
        blocks: m.blocks as never,
        ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
        unfurl_links: false,
      })
      return { channel: r.channel!, ts: r.ts! }
    },
    update: async (m) => {
      await app.client.chat.update({ channel: m.channel, ts: m.ts, text: m.text, blocks: m.blocks as never })
    },
    ephemeral: async (m) => {
      await app.client.chat.postEphemeral({
        channel: m.channel,
        user: m.user,
        text: m.text,
        ...(m.blocks ? { blocks: m.blocks as never } : {}),
        ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
      })
    },
  }
  const chat = new ChatOps({
    service,
    port,
    log,
    ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}),
    ...(o.editIntervalMs !== undefined ? { editIntervalMs: o.editIntervalMs } : {}),
  })
  // Runs the server resumed after a restart keep their threads up to date.
  void chat.resume().then(
    (n) => n > 0 && log(`following ${n} resumed run(s) in their threads`),
    (err: unknown) => log(`could not follow resumed runs: ${(err as Error).message}`),
  )
  const inFlight = new Set<Promise<void>>()
  const track = (p: Promise<void>) => {
    inFlight.add(p)
    void p.finally(() => inFlight.delete(p))
  }
  // Acks come first: after each handled command or click the loop turns once, so the acks of
  // envelopes already received go out before the next intake (RBAC, params, SQLite) starts.
  const intake: Array<() => Promise<void>> = []
  let pumping: Promise<void> | undefined
  const handle = (fn: () => Promise<void>) => {
    intake.push(fn)
    pumping ??= (async () => {
      while (intake.length) {
        await new Promise((r) => setImmediate(r))
        track(intake.shift()!())
      }
      pumping = undefined
    })()
  }

  app.command(config.command, async ({ ack, command }) => {
    await ack()
    handle(() => chat.command({ user: command.user_id, channel: command.channel_id, text: command.text, triggerId: command.trigger_id }))
  })
  for (const actionId of [ACTION_APPROVE, ACTION_DECLINE]) {
    app.action({ type: 'block_actions', action_id: actionId }, async ({ ack, body, action }) => {
      await ack()
      const channel = body.channel?.id ?? (body.container as { channel_id?: string } | undefined)?.channel_id ?? ''
      handle(() =>
        chat.click({
          user: body.user.id,
          channel,
          actionId,
          value: (action as { value?: string }).value ?? '',
          triggerId: body.trigger_id,
        }),
      )
    })
  }
  app.error(async (err) => log(`bolt: ${err.message}`))

  await app.init()
  await app.start()
  const idle = async () => {
    while (inFlight.size || pumping) await Promise.allSettled([...inFlight, pumping])
  }
  return {
    config,
    chat,
    ...(routeReceiver ? { dispatch: routeReceiver.dispatch } : {}),
    idle,
    async stop() {
      await app.stop()
      await idle()
      await chat.close()
    },
  }
}
