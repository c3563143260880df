/**
 * The text after `/runbook` → a typed command. Pure. Values stay strings: the service checks them
 * against the runbook's param schema (dsl/params.ts), so a bad value reads as it does at the CLI.
 *
 * @example
 * parseCommandText('run unreachable-host host=web1 port=2222')
 * // → { verb: 'run', runbook: 'unreachable-host', host: 'web1', params: { port: '2222' } }
 */
import { RunbookError } from '../errors.ts'

export type ChatCommand =
  | { verb: 'run' | 'plan'; runbook: string; host?: string; params: Record<string, string> }
  | { verb: 'status'; id: string }
  | { verb: 'list' }
  | { verb: 'help'; runbook?: string }

export const USAGE = [
  '`/runbook run <name> [host=H] [k=v ...]`: run it; a fix waits for an approval in the thread',
  '`/runbook plan <name> [host=H] [k=v ...]`: dry-run: diagnose and show the fix, change nothing',
  '`/runbook status <run id>`: where a run is',
  '`/runbook list`: the latest runs',
  '`/runbook help [name]`: this help, or the params of a runbook',
].join('\n')

const usage = (what: string) => new RunbookError('RB_USAGE', `${what}\nType one of:\n${USAGE}`)

/**
 * Slack rewrites what it recognises: `web1.example.com` arrives as `<http://web1.example.com|web1.example.com>`,
 * an address as `<mailto:a@b|a@b>`. Give the user's own text back.
 */
export function unlink(text: string): string {
  return text.replace(/<([^<>|]+)\|([^<>]*)>/g, '$2').replace(/<(?:mailto:|tel:)?([^<>@#!][^<>]*)>/g, '$1')
}

/** Splits on blanks; `k="a b"` and `'a b'` keep their blanks. Slack's curly quotes count as quotes. */
export function words(text: string): string[] {
  const out: string[] = []
  const re = /(?:[^\s"'“”‘’]+|"[^"]*"|“[^”]*”|'[^']*'|‘[^’]*’)+/g
  for (const m of text.matchAll(re))
    out.push(m[0].replace(/"([^"]*)"|“([^”]*)”|'([^']*)'|‘([^’]*)’/g, (_all, a, b, c, d) => a ?? b ?? c ?? d ?? ''))
  return out
}

const NAME = /^[a-z0-9][a-z0-9._-]*$/i
const KEY = /^[a-z_][a-z0-9_]*$/i

export function parseCommandText(text: string): ChatCommand {
  const [verb, ...rest] = words(unlink(text.trim()))
  switch (verb?.toLowerCase()) {
    case undefined:
    case 'help': {
      if (rest.length > 1) throw usage(`help takes at most one runbook name, not ${rest.length} words`)
      const name = rest[0]
      if (name !== undefined && !NAME.test(name)) throw usage(`help: '${name}' is not a runbook name`)
      return name ? { verb: 'help', runbook: name } : { verb: 'help' }
    }
    case 'list':
      if (rest.length > 0) throw usage('list takes no arguments')
      return { verb: 'list' }
    case 'status': {
      if (rest.length !== 1) throw usage('status takes one run id, e.g. `/runbook status 3f2a9c1e`')
      if (!/^[0-9a-f-]{4,36}$/i.test(rest[0]!)) throw usage(`status: '${rest[0]}' is not a run id (hex digits and dashes)`)
      return { verb: 'status', id: rest[0]!.toLowerCase() }
    }
    case 'run':
    case 'plan': {
      const v = verb.toLowerCase() as 'run' | 'plan'
      const [name, ...args] = rest
      if (!name) throw usage(`${v}: which runbook? e.g. \`/runbook ${v} unreachable-host host=web1\``)
      if (!NAME.test(name) || name.includes('=')) throw usage(`${v}: '${name}' is not a runbook name (runbooks are named, never paths)`)
      const params: Record<string, string> = {}
      let host: string | undefined
      for (const a of args) {
        const eq = a.indexOf('=')
        const key = a.slice(0, eq)
        if (eq <= 0 || !KEY.test(key)) throw usage(`${v}: '${a}' is not key=value (e.g. host=web1 port=2222)`)
        if (key === 'host' ? host !== undefined : key in params) throw usage(`${v}: ${key} is given twice`)
        if (key === 'host') host = a.slice(eq + 1)
        else params[key] = a.slice(eq + 1)
      }
      return { verb: v, runbook: name, ...(host !== undefined ? { host } : {}), params }
    }
    default:
      throw usage(`unknown command '${verb}'`)
  }
}
