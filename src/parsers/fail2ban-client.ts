/**
 * What every fail2ban-client answer shares: the server may be down. fail2ban-client then exits 255
 * with `ERROR   Failed to access socket path: /run/fail2ban/fail2ban.sock. Is fail2ban running?`
 * (no socket) or a refused connection on stderr, and prints nothing: that is an answer
 * (`running: false`), not unreadable output.
 */
import { parseError } from './registry.ts'
import type { CommandResult } from '../types.ts'
import { stderrLines } from './text.ts'

const DOWN = /Failed to access socket path|Is fail2ban running\?|Connection refused|No such file or directory: .*\.sock/

/** The stderr line saying the server is down, or undefined when it is up (or the failure is another one). */
export function serverDown(result: CommandResult): string | undefined {
  if (result.stdout.trim() !== '' || result.exitCode === 0) return undefined
  const line = stderrLines(result).find((l) => DOWN.test(l))
  return line === undefined ? undefined : line.replace(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ fail2ban\s+\[\d+\]:\s+ERROR\s+/, '')
}

/** Refuses the other failures (unknown jail, permission denied) with fail2ban-client's own words. */
export function clientFailure(parser: string, result: CommandResult): never {
  const errs = stderrLines(result).map((l) => l.replace(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ fail2ban\s+\[\d+\]:\s+/, ''))
  const out = result.stdout.trim().split('\n').pop() ?? ''
  const why = [out, ...errs].filter((s) => s !== '').join(' | ')
  throw parseError(parser, `fail2ban-client failed (exit code ${result.exitCode})${why ? `: ${why}` : ''}`)
}

/** A Python literal as fail2ban-client prints it (`[{'sshd': ['1.2.3.4']}]`, `[['sshd'], []]`). */
export function pythonLiteral(parser: string, text: string, line: { number: number; text: string }): unknown {
  let i = 0
  const fail = (what: string): never => {
    throw parseError(parser, `cannot read the Python value fail2ban-client printed: ${what} at column ${i + 1}`, line)
  }
  const ws = (): void => {
    while (i < text.length && /\s/.test(text[i]!)) i++
  }
  const value = (): unknown => {
    ws()
    const c = text[i]
    if (c === '[' || c === '(') {
      const close = c === '[' ? ']' : ')'
      i++
      const out: unknown[] = []
      ws()
      while (text[i] !== close) {
        out.push(value())
        ws()
        if (text[i] === ',') {
          i++
          ws()
        } else if (text[i] !== close) fail(`expected , or ${close}`)
      }
      i++
      return out
    }
    if (c === '{') {
      i++
      const out: Record<string, unknown> = {}
      ws()
      while (text[i] !== '}') {
        const k = value()
        ws()
        if (text[i] !== ':') fail('expected :')
        i++
        out[String(k)] = value()
        ws()
        if (text[i] === ',') {
          i++
          ws()
        } else if (text[i] !== '}') fail('expected , or }')
      }
      i++
      return out
    }
    if (c === "'" || c === '"') {
      i++
      let s = ''
      while (i < text.length && text[i] !== c) {
        if (text[i] === '\\') i++
        s += text[i++] ?? ''
      }
      if (text[i] !== c) fail('unterminated string')
      i++
      return s
    }
    const m = /^(-?\d+(?:\.\d+)?|None|True|False)/.exec(text.slice(i))
    if (!m) return fail('unexpected character')
    i += m[0].length
    return m[0] === 'None' ? null : m[0] === 'True' ? true : m[0] === 'False' ? false : Number(m[0])
  }
  const v = value()
  ws()
  if (i < text.length) fail('text after the value')
  return v
}
