/**
 * The one place that knows how a secret can be written. Replacing only the literal value is not
 * enough: the engine shell-quotes every value it interpolates (`it's` becomes `'it'\''s'`), sudo
 * quotes the whole command once more (`sh -c 'echo '\''it'\''\'\'''\''s'\'''`), a map rendered into a
 * command is JSON first, and a command's own output can echo any of these (`ps`, `set -x`, a JSON
 * API), and the engine moves file content as base64 (writeFile, readFile in host-ops.ts). Every
 * rendering the engine itself can produce is derived here from the value and replaced, longest
 * first, in one pass; base64 blocks whose decoded text holds a secret are re-encoded redacted.
 *
 * Not covered (no engine rendering produces them, and a runbook that computes them is on its own):
 * parts of a secret (substring(), one line of a multi-line value), base64 of something other than
 * UTF-8 text, URL encoding, bash's `$'…'` form in `set -x` traces.
 */
import { QUOTED_REDACTED, REDACTED } from '../shared/redacted.ts'

/** Inside single quotes, `'` is written `'\''` (shared/quote.ts). */
const shellInner = (s: string): string => s.replace(/'/g, `'\\''`)
/** Inside a JSON string (a map rendered by `${{ }}`, or a command printing JSON). */
const jsonInner = (s: string): string => JSON.stringify(s).slice(1, -1)

const ENCODINGS = [shellInner, jsonInner] as const
/** value → quoted for the command → quoted again for `sudo sh -c` (and JSON at any level). */
const DEPTH = 3

/**
 * Every way the engine can write `secret`: the value, and each nesting of shell single-quoting and
 * JSON string escaping up to three deep. Deduplicated; the value itself comes first.
 *
 * @example
 * renderings("it's") // ["it's", "it'\\''s", "it'\\''\\'\\'''\\''s", ...]
 */
export function renderings(secret: string): string[] {
  const all = new Set([secret])
  let layer = [secret]
  for (let depth = 0; depth < DEPTH; depth++) {
    const next: string[] = []
    for (const s of layer) {
      for (const encode of ENCODINGS) {
        const r = encode(s)
        if (!all.has(r)) {
          all.add(r)
          next.push(r)
        }
      }
    }
    layer = next
  }
  return [...all]
}

/** Shorter tokens are mostly words; a secret's base64 is at least this long in practice. */
const MIN_BASE64 = 16
const BASE64_BLOCK = /[A-Za-z0-9+/]{16,}={0,2}(?:\n[A-Za-z0-9+/]{4,}={0,2})*/g

/** The UTF-8 text `b64` encodes, or null when it is not canonical base64 of valid UTF-8. */
function decodeBase64Text(b64: string): string | null {
  if (b64.length % 4 !== 0) return null
  const bytes = Buffer.from(b64, 'base64')
  if (bytes.toString('base64') !== b64) return null
  const text = bytes.toString('utf8')
  return Buffer.from(text, 'utf8').equals(bytes) ? text : null
}

function wrap(s: string, width: number): string[] {
  if (!Number.isFinite(width) || width <= 0) return [s]
  const out: string[] = []
  for (let i = 0; i < s.length; i += width) out.push(s.slice(i, i + width))
  return out
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')
/**
 * Replaces every rendering of every secret of a run by `[redacted]`. One instance per run, shared by
 * the emitter (every sink), the approver and the plan hash, so they cannot disagree.
 */
export class Redactor {
  readonly #pattern: RegExp | null
  /** The run has secret params, even if their values are already redacted (a replay). */
  readonly active: boolean

  constructor(secrets: Iterable<string>, active?: boolean) {
    const values = [...new Set(secrets)].filter((s) => s.length > 0 && s !== REDACTED)
    // Longest first: at any position the alternation takes the longest rendering (a secret that
    // contains another one is replaced whole, and a quoted form before the bare value inside it).
    const forms = [...new Set(values.flatMap(renderings))].sort((a, b) => b.length - a.length)
    this.#pattern = forms.length > 0 ? new RegExp(forms.map(escapeRegExp).join('|'), 'g') : null
    this.active = active ?? values.length > 0
  }

  /** A string with every rendering of every secret replaced. */
  text(s: string): string {
    if (this.#pattern === null) return s
    // base64 first: a `[redacted]` inserted into a block would make it undecodable.
    return this.#plain(s.length >= MIN_BASE64 ? s.replace(BASE64_BLOCK, (block) => this.#base64(block)) : s)
  }

  #plain(s: string): string {
    return s.replace(this.#pattern!, REDACTED)
  }

  /**
   * A run of base64 (one token, or `base64`'s 76-column lines) whose decoded UTF-8 text holds a
   * secret: re-encoded with the secret redacted, so a replay (which encodes `[redacted]`) writes the
   * same command. A line of plain words may touch the block (`present` above it in readFile's
   * output), so up to two lines are dropped from either end before giving up.
   */
  #base64(block: string): string {
    const lines = block.split('\n')
    for (let start = 0; start < Math.min(3, lines.length); start++) {
      for (let end = lines.length; end > start && end >= lines.length - 2; end--) {
        const b64 = lines.slice(start, end).join('')
        const text = decodeBase64Text(b64)
        if (text === null) continue
        const redacted = this.#plain(text)
        if (redacted === text) return block
        const width = end - start > 1 ? lines[start]!.length : Infinity
        return [...lines.slice(0, start), ...wrap(Buffer.from(redacted, 'utf8').toString('base64'), width), ...lines.slice(end)].join('\n')
      }
    }
    return block
  }

  /**
   * Deep copy with every string redacted. Keys are field names, left alone (a short secret such as
   * `e` must not turn `type` into `typ[redacted]` and the transcript unreadable), except under a
   * `value` key: a parser's result, which may key its data by what the command printed.
   */
  value<T>(value: T): T {
    if (this.#pattern === null) return value
    return this.#walk(value, (s) => this.text(s)) as T
  }

  /**
   * The redacted form that a replay of the redacted transcript reproduces exactly: there the secret
   * IS `[redacted]`, which the engine quotes as `'[redacted]'`, while a bare secret (`1234`) was
   * redacted to a bare `[redacted]`. Used for digests, never for display.
   */
  canonical<T>(value: T): T {
    if (!this.active) return value
    return this.#walk(value, (s) => this.text(s).split(QUOTED_REDACTED).join(REDACTED)) as T
  }

  #walk(value: unknown, f: (s: string) => string, keys = false): unknown {
    if (typeof value === 'string') return f(value)
    if (Array.isArray(value)) return value.map((v) => this.#walk(v, f, keys))
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [keys ? f(k) : k, this.#walk(v, f, keys || k === 'value')]))
    }
    return value
  }
}
