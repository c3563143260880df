/**
 * A fake Slack Web API and PagerDuty REST API on loopback, for the hooks' result posts: every
 * request is recorded (method, path, headers, parsed JSON body) so tests read what was sent.
 * Slack under /slack/ (`RUNBOOK_SLACK_API_URL=<url>/slack/`), PagerDuty under /pd.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Recorded {
  method: string
  path: string
  headers: IncomingHttpHeaders
  body: unknown
}

export interface FakeApis {
  url: string
  requests: Recorded[]
  /** Resolves when `n` requests have arrived (or rejects after `ms`). */
  waitFor(n: number, ms?: number): Promise<Recorded[]>
  close(): Promise<void>
}

export async function startFakeApis(options: { slackError?: string } = {}): Promise<FakeApis> {
  const requests: Recorded[] = []
  const server = createServer((req, res) => {
    let text = ''
    req.on('data', (c: Buffer) => (text += c.toString()))
    req.on('end', () => {
      let body: unknown = text
      try {
        body = JSON.parse(text)
      } catch {
        // kept as text
      }
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body })
      res.setHeader('content-type', 'application/json')
      if (req.url === '/slack/chat.postMessage') {
        const ok = !options.slackError && req.headers.authorization?.startsWith('Bearer xoxb-')
        res.end(
          JSON.stringify(
            ok
              ? { ok: true, channel: (body as { channel?: string }).channel, ts: `${Date.now() / 1000}` }
              : { ok: false, error: options.slackError ?? 'invalid_auth' },
          ),
        )
      } else if (/^\/pd\/incidents\/[^/]+\/notes$/.test(req.url ?? '')) {
        res.statusCode = 201
        res.end(JSON.stringify({ note: { id: 'PN1', content: (body as { note?: { content?: string } }).note?.content } }))
      } else {
        res.statusCode = 404
        res.end('{}')
      }
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    requests,
    async waitFor(n, ms = 20_000) {
      const end = Date.now() + ms
      while (requests.length < n) {
        if (Date.now() > end)
          throw new Error(`fake APIs got ${requests.length} requests, not ${n}: ${JSON.stringify(requests.map((r) => r.path))}`)
        await new Promise((r) => setTimeout(r, 20))
      }
      return requests
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  }
}
