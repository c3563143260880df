/**
 * Who is looking at a web page. Either a session made by the login form (a token checked against
 * access.yaml once; the browser then holds only a random session id in an HttpOnly, SameSite=Strict
 * cookie, and the server keeps its sha256), or, when configured, a user header set by a trusted
 * reverse proxy (`--trust-proxy-user-header X-Forwarded-User`) naming an identity of access.yaml.
 *
 * Every POST from a page carries a CSRF token bound to the session (or to the proxy user), and is
 * refused when its Origin names another host.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import type { AccessControl, Identity } from '../access.ts'

export const SESSION_COOKIE = 'rb_session'
export const SESSION_TTL_MS = 12 * 60 * 60_000
/** Sessions kept at most; the oldest go first. */
const MAX_SESSIONS = 10_000

export interface Viewer {
  identity: Identity
  /** The token a page must send back with every POST. */
  csrf: string
  /** How the identity was established. */
  via: 'session' | 'proxy'
  /** The session id hash, when via is session (to log out). */
  session?: string
}

interface Session {
  identity: Identity
  csrf: string
  expiresAt: number
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

/** `a=1; b=2` → the value of one cookie. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return undefined
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

export interface SessionOptions {
  access: AccessControl
  /** A request header (lower or mixed case) a trusted proxy sets to the user's identity name. */
  trustProxyUserHeader?: string
  ttlMs?: number
  now?(): number
}

export class Sessions {
  /** sha256(session id) → session: the store never holds what the browser holds. */
  readonly #byHash = new Map<string, Session>()
  /** Signs the CSRF token of proxy users (they have no session to keep one in). */
  readonly #key = randomBytes(32)
  readonly #ttlMs: number
  readonly #now: () => number
  readonly #header: string | undefined

  constructor(readonly o: SessionOptions) {
    this.#ttlMs = o.ttlMs ?? SESSION_TTL_MS
    this.#now = o.now ?? Date.now
    this.#header = o.trustProxyUserHeader?.toLowerCase()
  }

  get ttlMs(): number {
    return this.#ttlMs
  }

  /** After a login: the session id for the cookie (shown to nobody else, stored only hashed). */
  create(identity: Identity): string {
    const id = randomBytes(32).toString('base64url')
    if (this.#byHash.size >= MAX_SESSIONS) this.#byHash.delete(this.#byHash.keys().next().value!)
    this.#byHash.set(sha256(id), { identity, csrf: randomBytes(24).toString('base64url'), expiresAt: this.#now() + this.#ttlMs })
    return id
  }

  end(sessionHash: string): void {
    this.#byHash.delete(sessionHash)
  }

  /** The viewer of a request: the trusted proxy's user first (when configured), else the session cookie. */
  viewer(request: FastifyRequest): Viewer | undefined {
    if (this.#header) {
      const raw = request.headers[this.#header]
      const name = Array.isArray(raw) ? raw[0] : raw
      if (name) {
        const identity = this.o.access.policy.identities.find((i) => i.name === name.trim())
        // A name the proxy vouches for but access.yaml does not know: nobody (the login form is still there).
        if (identity)
          return { identity, csrf: createHmac('sha256', this.#key).update(`proxy:${identity.name}`).digest('base64url'), via: 'proxy' }
      }
    }
    const id = cookieValue(request.headers.cookie, SESSION_COOKIE)
    if (!id) return undefined
    const hash = sha256(id)
    const s = this.#byHash.get(hash)
    if (!s) return undefined
    if (this.#now() >= s.expiresAt) {
      this.#byHash.delete(hash)
      return undefined
    }
    return { identity: s.identity, csrf: s.csrf, via: 'session', session: hash }
  }

  /**
   * Why a POST from a page must be refused, or undefined: a cross-site Origin or Fetch Metadata,
   * or a CSRF token that is missing or not this viewer's.
   */
  forgery(request: FastifyRequest, viewer: Viewer | undefined, token: unknown): string | undefined {
    const origin = request.headers.origin
    if (origin !== undefined && origin !== 'null') {
      let same = false
      try {
        // Both through URL: `http://h:80` and `http://h` are the same origin.
        const o = new URL(origin)
        same = o.host === new URL(`${o.protocol}//${request.host}`).host
      } catch {
        same = false
      }
      if (!same) return `the request comes from another site (Origin ${origin}, this server is ${request.host})`
    } else if (origin === 'null') return 'the request comes from an opaque origin'
    if (request.headers['sec-fetch-site'] === 'cross-site') return 'the request comes from another site (Sec-Fetch-Site: cross-site)'
    if (!viewer) return undefined
    if (typeof token !== 'string' || !same(token, viewer.csrf))
      return 'the form is stale or was not made by this server (CSRF token missing or wrong): reload the page and try again'
    return undefined
  }
}
