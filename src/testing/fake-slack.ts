/**
 * A local fake of Slack for tests and `npm run bench:chatops`, on loopback only: the Web API
 * methods runbook uses (auth.test, chat.postMessage, chat.update, chat.postEphemeral,
 * apps.connections.open) and a Socket Mode WebSocket endpoint that apps.connections.open points
 * to. The real Bolt client connects to it; the fake sends slash commands and button clicks as
 * Slack does (envelopes), records every API call and every acknowledgement with its delay, and
 * refuses what Slack refuses (bad token, more than 50 blocks, a section text over 3000 characters).
 *
 * @example
 * const slack = await FakeSlack.start()
 * // RUNBOOK_SLACK_API_URL=slack.apiUrl RUNBOOK_SLACK_BOT_TOKEN=slack.botToken RUNBOOK_SLACK_APP_TOKEN=slack.appToken
 * await slack.connected()
 * const ack = await slack.slashCommand({ user: 'U0ALICE', channel: 'C0OPS', text: 'list' })
 */
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { performance } from 'node:perf_hooks'
import { WebSocketServer, type WebSocket } from 'ws'

export interface ApiCall {
  method: string
  args: Record<string, unknown>
  at: number
}

export interface FakeMessage {
  channel: string
  ts: string
  threadTs?: string
  text: string
  blocks: Array<Record<string, unknown>>
  /** Every version, the first as posted, then each chat.update. */
  versions: Array<{ text: string; blocks: Array<Record<string, unknown>>; at: number }>
}

export interface Ack {
  envelopeId: string
  /** What the app answered in the ack (a slash command may answer with a message). */
  payload: unknown
  /** From the envelope sent to its ack received. */
  ms: number
}

const TEAM = 'T0FAKE'
const APP = 'A0FAKE'

/** Slack's own checks on a message's blocks, the ones runbook must respect. */
function blocksError(blocks: unknown): string | undefined {
  if (blocks === undefined) return undefined
  if (!Array.isArray(blocks)) return 'invalid_blocks_format'
  if (blocks.length > 50) return 'invalid_blocks: no more than 50 items allowed'
  for (const [i, b] of blocks.entries()) {
    const block = b as { type?: string; text?: { text?: string }; elements?: unknown[] }
    if (block.type === 'section' && (block.text?.text?.length ?? 0) > 3000)
      return `invalid_blocks: must be less than 3001 characters [json-pointer:/blocks/${i}/text]`
    if (block.type === 'header' && (block.text?.text?.length ?? 0) > 150)
      return `invalid_blocks: must be less than 151 characters [json-pointer:/blocks/${i}/text]`
    if (block.type === 'context' && (block.elements?.length ?? 0) > 10)
      return `invalid_blocks: no more than 10 items allowed [json-pointer:/blocks/${i}/elements]`
    if (block.type === 'actions' && (block.elements?.length ?? 0) > 25)
      return `invalid_blocks: no more than 25 items allowed [json-pointer:/blocks/${i}/elements]`
  }
  return undefined
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = []
  for await (const c of req) chunks.push(c as Buffer)
  const text = Buffer.concat(chunks).toString('utf8')
  if ((req.headers['content-type'] ?? '').includes('application/json')) return text ? (JSON.parse(text) as Record<string, unknown>) : {}
  const out: Record<string, unknown> = {}
  for (const [k, v] of new URLSearchParams(text)) {
    // The Web API client sends objects and arrays as JSON strings in form fields.
    out[k] = /^[[{]/.test(v)
      ? (() => {
          try {
            return JSON.parse(v) as unknown
          } catch {
            return v
          }
        })()
      : v
  }
  return out
}

export class FakeSlack {
  readonly botToken = 'xoxb-fake-bot-token'
  readonly appToken = 'xapp-1-fake-app-token'
  readonly calls: ApiCall[] = []
  readonly messages = new Map<string, FakeMessage>()
  readonly ephemerals: Array<{ channel: string; user: string; text: string; at: number }> = []
  readonly acks: Ack[] = []
  /** Calls Slack would refuse, with its error: a test expects none. */
  readonly failures: Array<ApiCall & { error: string }> = []
  #seq = 0
  #socket: WebSocket | undefined
  #waiters = new Set<() => void>()
  #pending = new Map<string, { sent: number; resolve(a: Ack): void }>()
  #pinger: NodeJS.Timeout | undefined

  private constructor(
    readonly server: Server,
    readonly wss: WebSocketServer,
    readonly base: string,
  ) {}

  get apiUrl(): string {
    return `${this.base}/api/`
  }

  /** Starts the fake on 127.0.0.1, a free port. */
  static async start(): Promise<FakeSlack> {
    const wss = new WebSocketServer({ noServer: true })
    let fake: FakeSlack | undefined
    const server = createServer((req, res) => void fake!.#api(req, res))
    server.on('upgrade', (req, socket, head) => {
      if (!req.url?.startsWith('/link')) return socket.destroy()
      wss.handleUpgrade(req, socket, head, (ws) => fake!.#connect(ws))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    fake = new FakeSlack(server, wss, `http://127.0.0.1:${port}`)
    return fake
  }

  #notify(): void {
    for (const w of [...this.#waiters]) w()
  }

  #connect(ws: WebSocket): void {
    this.#socket?.close()
    this.#socket = ws
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as { envelope_id?: string; payload?: unknown }
      const p = msg.envelope_id ? this.#pending.get(msg.envelope_id) : undefined
      if (!p || !msg.envelope_id) return
      this.#pending.delete(msg.envelope_id)
      const ack = { envelopeId: msg.envelope_id, payload: msg.payload, ms: performance.now() - p.sent }
      this.acks.push(ack)
      p.resolve(ack)
    })
    ws.on('close', () => {
      if (this.#socket === ws) this.#socket = undefined
    })
    // Slack pings the client; Bolt disconnects after 30 s without one.
    clearInterval(this.#pinger)
    this.#pinger = setInterval(() => this.#socket?.ping(), 5000)
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: 1,
        debug_info: { host: 'fake-slack', build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: APP },
      }),
    )
    this.#notify()
  }

  async #api(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0]!
    const reply = (body: Record<string, unknown>) => {
      if (body.ok === false) this.failures.push({ method, args, at: Date.now(), error: String(body.error) })
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    let args: Record<string, unknown> = {}
    try {
      args = await readBody(req)
    } catch {
      return reply({ ok: false, error: 'invalid_json' })
    }
    const token = (req.headers.authorization ?? '').replace(/^Bearer /, '') || (args.token as string | undefined)
    this.calls.push({ method, args, at: Date.now() })
    this.#notify()
    if (method === 'apps.connections.open') {
      if (token !== this.appToken) return reply({ ok: false, error: 'invalid_auth' })
      return reply({ ok: true, url: `${this.base.replace(/^http/, 'ws')}/link?ticket=${randomUUID()}` })
    }
    if (token !== this.botToken) return reply({ ok: false, error: 'invalid_auth' })
    const ts = () => `${Math.floor(Date.now() / 1000)}.${String(++this.#seq).padStart(6, '0')}`
    switch (method) {
      case 'auth.test':
        return reply({
          ok: true,
          url: 'https://fake.slack.test/',
          team: 'fake',
          user: 'runbook',
          team_id: TEAM,
          user_id: 'U0RUNBOOK',
          bot_id: 'B0RUNBOOK',
          is_enterprise_install: false,
        })
      case 'chat.postMessage': {
        const channel = String(args.channel ?? '')
        if (!channel) return reply({ ok: false, error: 'channel_not_found' })
        const err = blocksError(args.blocks)
        if (err) return reply({ ok: false, error: err })
        const thread = args.thread_ts as string | undefined
        if (thread && !this.messages.has(thread)) return reply({ ok: false, error: 'thread_not_found' })
        const m: FakeMessage = {
          channel,
          ts: ts(),
          ...(thread ? { threadTs: thread } : {}),
          text: String(args.text ?? ''),
          blocks: (args.blocks as FakeMessage['blocks']) ?? [],
          versions: [],
        }
        m.versions.push({ text: m.text, blocks: m.blocks, at: Date.now() })
        this.messages.set(m.ts, m)
        this.#notify()
        return reply({ ok: true, channel, ts: m.ts, message: { type: 'message', text: m.text, ts: m.ts } })
      }
      case 'chat.update': {
        const m = this.messages.get(String(args.ts))
        if (!m || m.channel !== args.channel) return reply({ ok: false, error: 'message_not_found' })
        const err = blocksError(args.blocks)
        if (err) return reply({ ok: false, error: err })
        m.text = String(args.text ?? '')
        m.blocks = (args.blocks as FakeMessage['blocks']) ?? []
        m.versions.push({ text: m.text, blocks: m.blocks, at: Date.now() })
        this.#notify()
        return reply({ ok: true, channel: m.channel, ts: m.ts, text: m.text })
      }
      case 'chat.postEphemeral': {
        if (!args.channel || !args.user) return reply({ ok: false, error: 'channel_not_found' })
        this.ephemerals.push({ channel: String(args.channel), user: String(args.user), text: String(args.text ?? ''), at: Date.now() })
        this.#notify()
        return reply({ ok: true, message_ts: ts() })
      }
      default:
        return reply({ ok: false, error: 'unknown_method' })
    }
  }

  /** Resolves once the app's WebSocket is connected and said hello to. */
  connected(timeoutMs = 10_000): Promise<void> {
    return this.waitFor(() => (this.#socket ? true : undefined), timeoutMs, 'no Socket Mode connection').then(() => undefined)
  }

  /** Polls `probe` on every change (API call, ack, connection) until it returns something. */
  waitFor<T>(probe: () => T | undefined | false, timeoutMs = 20_000, what = 'condition'): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        let v: T | undefined | false
        try {
          v = probe()
        } catch (err) {
          return done(() => reject(err))
        }
        if (v !== undefined && v !== false) done(() => resolve(v as T))
      }
      const done = (f: () => void) => {
        this.#waiters.delete(check)
        clearTimeout(timer)
        clearInterval(poll)
        f()
      }
      const timer = setTimeout(
        () => done(() => reject(new Error(`fake Slack: timed out after ${timeoutMs} ms waiting for ${what}`))),
        timeoutMs,
      )
      // Also on a clock: a probe may depend on things other than Slack traffic.
      const poll = setInterval(check, 100)
      this.#waiters.add(check)
      check()
    })
  }

  #send(type: string, payload: Record<string, unknown>, accepts: boolean, envelopeId: string = randomUUID()): Promise<Ack> {
    const ws = this.#socket
    if (!ws) return Promise.reject(new Error('fake Slack: no app is connected over Socket Mode'))
    return new Promise((resolve) => {
      this.#pending.set(envelopeId, { sent: performance.now(), resolve })
      ws.send(JSON.stringify({ envelope_id: envelopeId, type, payload, accepts_response_payload: accepts }))
    })
  }

  /** Sends `/runbook <text>` as Slack does over Socket Mode; resolves with the app's ack. Reuse triggerId to act as a retry. */
  slashCommand(o: {
    user: string
    channel: string
    text: string
    command?: string
    triggerId?: string
    envelopeId?: string
  }): Promise<Ack> {
    const payload = {
      token: 'legacy-verification-token',
      team_id: TEAM,
      team_domain: 'fake',
      channel_id: o.channel,
      channel_name: 'ops',
      user_id: o.user,
      user_name: o.user.toLowerCase(),
      command: o.command ?? '/runbook',
      text: o.text,
      api_app_id: APP,
      is_enterprise_install: 'false',
      response_url: `${this.base}/commands/${randomUUID()}`,
      trigger_id: o.triggerId ?? `${Date.now()}.${++this.#seq}.${randomUUID().replace(/-/g, '')}`,
    }
    return this.#send('slash_commands', payload, true, o.envelopeId)
  }

  /** The buttons of a message, as a user sees them. */
  buttons(ts: string): Array<{ actionId: string; value: string; blockId: string; text: string; style?: string; confirm?: unknown }> {
    const m = this.messages.get(ts)
    if (!m) return []
    return m.blocks.flatMap((b) =>
      b.type === 'actions'
        ? (
            b.elements as Array<{
              type: string
              action_id: string
              value: string
              text: { text: string }
              style?: string
              confirm?: unknown
            }>
          )
            .filter((e) => e.type === 'button')
            .map((e) => ({
              actionId: e.action_id,
              value: e.value,
              blockId: String(b.block_id ?? ''),
              text: e.text.text,
              ...(e.style ? { style: e.style } : {}),
              ...(e.confirm ? { confirm: e.confirm } : {}),
            }))
        : [],
    )
  }

  /** A user clicks a button of a message (after its confirm dialog): a block_actions envelope. */
  click(o: { user: string; ts: string; actionId: string; triggerId?: string }): Promise<Ack> {
    const m = this.messages.get(o.ts)
    if (!m) return Promise.reject(new Error(`fake Slack: no message ${o.ts}`))
    const button = this.buttons(o.ts).find((b) => b.actionId === o.actionId)
    if (!button)
      return Promise.reject(
        new Error(
          `fake Slack: message ${o.ts} has no button ${o.actionId} (it has: ${
            this.buttons(o.ts)
              .map((b) => b.actionId)
              .join(', ') || 'none'
          })`,
        ),
      )
    const payload = {
      type: 'block_actions',
      user: { id: o.user, username: o.user.toLowerCase(), name: o.user.toLowerCase(), team_id: TEAM },
      api_app_id: APP,
      token: 'legacy-verification-token',
      container: {
        type: 'message',
        message_ts: m.ts,
        channel_id: m.channel,
        is_ephemeral: false,
        ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
      },
      trigger_id: o.triggerId ?? `${Date.now()}.${++this.#seq}.${randomUUID().replace(/-/g, '')}`,
      team: { id: TEAM, domain: 'fake' },
      enterprise: null,
      is_enterprise_install: false,
      channel: { id: m.channel, name: 'ops' },
      message: { type: 'message', ts: m.ts, text: m.text, blocks: m.blocks, ...(m.threadTs ? { thread_ts: m.threadTs } : {}) },
      state: { values: {} },
      response_url: `${this.base}/actions/${randomUUID()}`,
      actions: [
        {
          action_id: button.actionId,
          block_id: button.blockId,
          text: { type: 'plain_text', text: button.text, emoji: true },
          value: button.value,
          ...(button.style ? { style: button.style } : {}),
          type: 'button',
          action_ts: `${Date.now() / 1000}`,
        },
      ],
    }
    return this.#send('interactive', payload, false)
  }

  /** Messages of a thread (parent first), in posting order. */
  thread(parentTs: string): FakeMessage[] {
    return [...this.messages.values()].filter((m) => m.ts === parentTs || m.threadTs === parentTs)
  }

  callsOf(method: string): ApiCall[] {
    return this.calls.filter((c) => c.method === method)
  }

  async close(): Promise<void> {
    clearInterval(this.#pinger)
    for (const c of this.wss.clients) c.terminate()
    this.wss.close()
    this.server.closeAllConnections()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }
}
