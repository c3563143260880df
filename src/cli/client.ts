/**
 * The CLI as a client of `runbook serve`: where the server is (--server, $RUNBOOK_SERVER), the
 * token ($RUNBOOK_TOKEN only: a flag would show it in `ps`), JSON calls whose errors come back as
 * the server's RunbookError, and a Server-Sent Events reader.
 */
import { ERROR_CODES, RunbookError, type ErrorCode } from '../errors.ts'

export interface Server {
  url: string
  token: string | undefined
}

export function serverOf(flag: unknown, env: NodeJS.ProcessEnv, command: string): Server {
  const url = typeof flag === 'string' ? flag : env.RUNBOOK_SERVER
  if (!url)
    throw new RunbookError('RB_USAGE', `${command}: which server? Pass --server URL or set RUNBOOK_SERVER (e.g. http://127.0.0.1:8080)`)
  if (!/^https?:\/\//.test(url))
    throw new RunbookError('RB_USAGE', `${command}: --server ${JSON.stringify(url)} must be an http:// or https:// URL`)
  return { url: url.replace(/\/+$/, ''), token: env.RUNBOOK_TOKEN || undefined }
}

const headers = (server: Server, extra: Record<string, string> = {}) => ({
  ...extra,
  ...(server.token ? { authorization: `Bearer ${server.token}` } : {}),
})

async function send(server: Server, path: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(`${server.url}${path}`, init)
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause
    throw new RunbookError(
      'RB_SERVER_UNREACHABLE',
      `cannot reach ${server.url}: ${cause?.code ?? cause?.message ?? (err as Error).message}`,
      { cause: err },
    )
  }
}

/** The server's refusal as the same catalogue error, so the CLI prints it and exits as for a local one. */
async function failure(res: Response): Promise<RunbookError> {
  const text = await res.text()
  try {
    const { error } = JSON.parse(text) as { error: { code: string; message: string } }
    const code = (error.code in ERROR_CODES ? error.code : 'RB_INTERNAL') as ErrorCode
    return new RunbookError(code, `server: ${error.message}`, { detail: { status: res.status } })
  } catch {
    return new RunbookError('RB_SERVER_UNREACHABLE', `server answered ${res.status} ${res.statusText}: ${text.slice(0, 200)}`)
  }
}

export async function apiJson<T>(server: Server, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const res = await send(server, path, {
    method,
    headers: headers(server, body === undefined ? {} : { 'content-type': 'application/json' }),
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  if (!res.ok) throw await failure(res)
  return (await res.json()) as T
}

export interface SseMessage {
  id: string | undefined
  event: string
  data: string
}

/** Reads an SSE stream until the server ends it (or the signal aborts). */
export async function* sse(server: Server, path: string, signal?: AbortSignal): AsyncGenerator<SseMessage> {
  const res = await send(server, path, { headers: headers(server, { accept: 'text/event-stream' }), ...(signal ? { signal } : {}) })
  if (!res.ok) throw await failure(res)
  const decoder = new TextDecoder()
  let buffer = ''
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true })
    let end: number
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      const msg: SseMessage = { id: undefined, event: 'message', data: '' }
      const data: string[] = []
      for (const line of frame.split('\n')) {
        if (line.startsWith(':')) continue
        const i = line.indexOf(':')
        const field = i < 0 ? line : line.slice(0, i)
        const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '')
        if (field === 'id') msg.id = value
        else if (field === 'event') msg.event = value
        else if (field === 'data') data.push(value)
      }
      if (data.length === 0 && msg.id === undefined) continue
      msg.data = data.join('\n')
      yield msg
    }
  }
}
