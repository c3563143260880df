/**
 * Where each `${{ }}` of a shell template lands, as the shell will read it.
 *
 * The engine quotes every interpolated value itself (`quote()`), so the value must sit where a
 * quoted word means what it says: unquoted, at top level or inside `$( )`. Anywhere else the
 * author's quoting and the engine's collide:
 * - inside '...': the engine's quotes close the author's, and a value with a quote runs as code
 *   (`echo '${{ s }}'` with s = `x';touch M;'`);
 * - inside "...", `...`, $'...' or a heredoc body: the quotes arrive as literal characters, and
 *   `$( )` or backticks in the value are expanded;
 * - right after a backslash: the backslash escapes the engine's opening quote;
 * - in a `#` comment: a value with a newline ends the comment, and its next line runs.
 * Walks the template once, tracking the shell's quoting contexts (nested `$( )` included).
 *
 * @example
 * quotedInterpolations("grep 'Failed for ${{ params.user }}' /var/log/auth.log")
 * // → [{ offset: 18, context: 'single quotes' }]
 */

export type QuoteContext =
  'single quotes' | 'double quotes' | 'backticks' | "$'...' quotes" | 'a heredoc' | 'a backslash escape' | 'a comment'

export interface QuotedInterpolation {
  /** Offset of the `${{` in the template. */
  offset: number
  context: QuoteContext
}

type Frame = 'top' | 'subst' | 'double' | 'backtick'

/** Every `${{ }}` of `template` that does not sit in plain shell word position. */
export function quotedInterpolations(template: string): QuotedInterpolation[] {
  const found: QuotedInterpolation[] = []
  const stack: Frame[] = ['top']
  /** Parenthesis depth inside each `$( )` frame, so `$( (a) )` closes at the right `)`. */
  const depth: number[] = []
  const heredocs: Array<{ word: string; stripTabs: boolean }> = []
  const n = template.length
  let i = 0
  const at = (s: string, k = i) => template.startsWith(s, k)
  const skipInterpolation = (k: number): number => {
    const close = template.indexOf('}}', k + 3)
    return close === -1 ? n : close + 2
  }
  const flag = (k: number, context: QuoteContext): number => {
    found.push({ offset: k, context })
    return skipInterpolation(k)
  }
  /** Skip to the end of a region closed by `end` (no escapes): single quotes. */
  const region = (end: string, context: QuoteContext, escapes: boolean): void => {
    while (i < n && !at(end)) {
      if (escapes && template[i] === '\\') i += 2
      else if (at('${{')) i = flag(i, context)
      else i++
    }
    i++
  }
  const wordStart = (k: number) => k === 0 || /[\s;&|()<>]/.test(template[k - 1]!)

  while (i < n) {
    const frame = stack[stack.length - 1]!
    const c = template[i]!
    if (at('${{')) {
      if (frame === 'double') i = flag(i, 'double quotes')
      else if (frame === 'backtick') i = flag(i, 'backticks')
      else i = skipInterpolation(i)
      continue
    }
    if (c === '\\') {
      if (at('${{', i + 1))
        i = flag(i + 1, frame === 'double' ? 'double quotes' : frame === 'backtick' ? 'backticks' : 'a backslash escape')
      else i += 2
      continue
    }
    if (frame === 'double') {
      if (c === '"') {
        stack.pop()
        i++
      } else if (at('$(')) {
        openSubst()
        i += 2
      } else if (c === '`') {
        stack.push('backtick')
        i++
      } else i++
      continue
    }
    if (frame === 'backtick') {
      if (c === '`') stack.pop()
      i++
      continue
    }
    // top or subst: plain shell words.
    if (c === "'") {
      i++
      region("'", 'single quotes', false)
    } else if (at("$'")) {
      i += 2
      region("'", "$'...' quotes", true)
    } else if (c === '"') {
      stack.push('double')
      i++
    } else if (c === '`') {
      stack.push('backtick')
      i++
    } else if (at('$(')) {
      openSubst()
      i += 2
    } else if (frame === 'subst' && c === '(') {
      depth[depth.length - 1]!++
      i++
    } else if (frame === 'subst' && c === ')') {
      if (depth[depth.length - 1]! === 0) {
        stack.pop()
        depth.pop()
      } else depth[depth.length - 1]!--
      i++
    } else if (c === '#' && wordStart(i)) {
      while (i < n && template[i] !== '\n') i = at('${{') ? flag(i, 'a comment') : i + 1
    } else if (at('<<') && !at('<<<')) {
      i = readHeredocWord(i)
    } else if (c === '\n' && heredocs.length > 0) {
      i = readHeredocBodies(i + 1)
    } else i++
  }
  return found

  function openSubst(): void {
    stack.push('subst')
    depth.push(0)
  }

  /** `<<WORD`, `<<-WORD`, `<<'WORD'`, `<<"WORD"`: remember it; the body starts at the next line. */
  function readHeredocWord(k: number): number {
    k += 2
    const stripTabs = template[k] === '-'
    if (stripTabs) k++
    while (template[k] === ' ' || template[k] === '\t') k++
    const m = /^(['"]?)([^\s'";&|<>()]+)\1/.exec(template.slice(k))
    if (!m) return k
    heredocs.push({ word: m[2]!, stripTabs })
    return k + m[0].length
  }

  /** Skip each pending heredoc body, flagging interpolations inside; returns the offset after them. */
  function readHeredocBodies(k: number): number {
    for (const doc of heredocs.splice(0)) {
      while (k < n) {
        const eol = template.indexOf('\n', k)
        const end = eol === -1 ? n : eol
        const line = template.slice(k, end)
        if ((doc.stripTabs ? line.replace(/^\t+/, '') : line) === doc.word) {
          k = end + 1
          break
        }
        for (let j = line.indexOf('${{'); j !== -1; j = line.indexOf('${{', j + 3)) found.push({ offset: k + j, context: 'a heredoc' })
        k = end + 1
      }
    }
    return k
  }
}

/** The instruction for an author whose interpolation sits in `context`. */
export function quotedInterpolationAdvice(context: QuoteContext): string {
  switch (context) {
    case 'single quotes':
    case 'double quotes':
    case "$'...' quotes":
      return `the engine quotes every value itself, and a value inside ${context} breaks out of them. Close the quotes before it and reopen them after: "text "\${{ x }}" more"`
    case 'backticks':
      return 'the engine quotes every value itself, and backticks re-read it as code. Use $( ) instead of backticks'
    case 'a heredoc':
      return 'a heredoc body is not quoted by the engine: its value is pasted as text (and expanded when the delimiter is unquoted). Pass the value as an argument or an environment variable of the command instead'
    case 'a comment':
      return 'a value with a newline would end the comment and run its next line. Move the value out of the comment'
    case 'a backslash escape':
      return "the backslash escapes the engine's opening quote. Remove the backslash"
  }
}
