/**
 * The one place that knows how a secret can be written. Replacing only the literal value is not
 * enough: the engine shell-quotes every value it interpolates (`it's` becomes `'it'\''s'`), sudo
 * quotes the whole command once more (`sh -c '…'\''it'\''\'\'''\''s…'`), a map rendered into a
 * command is JSON first, and a command's own output can echo any of these (`ps`, `set -x`, a JSON
 * API). Every rendering the engine itself can produce is derived here from the value, and all of
 * them are replaced, longest first, in one pass.
 *
 * Not covered (no engine rendering produces them, and a runbook that computes them is on its own):
 * parts of a secret (substring(), one line of a multi-line value), base64/URL encodings, bash's
 * `$'…'` form in `set -x` traces.
 */
import { REDACTED } from '../dsl/params.ts'

/** Inside single quotes, `'` is written `'\''` (executors/quote.ts). */
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

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')
/** A secret alone in a command is quoted, then redacted to `'[redacted]'`; a replay quotes REDACTED itself. */
const QUOTED_REDACTED = `'${REDACTED}'`

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
    this.#pattern.lastIndex = 0
    return s.replace(this.#pattern, REDACTED)
  }

  /** Deep copy with every string redacted (object keys included: a parsed result may key by value). */
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

  #walk(value: unknown, f: (s: string) => string): unknown {
    if (typeof value === 'string') return f(value)
    if (Array.isArray(value)) return value.map((v) => this.#walk(v, f))
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [f(k), this.#walk(v, f)]))
    }
    return value
  }
}
