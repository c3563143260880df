/**
 * Output in chat is bounded and never cut silently: what is left out is counted and said, with a
 * link to where it is in full. Pure.
 */

export interface Bounded {
  text: string
  /** Lines and characters left out (0 when everything fits). */
  omittedLines: number
  omittedChars: number
}

/**
 * The last `maxLines` lines of `text`, at most `maxChars` characters (a longer single line keeps
 * its end). The tail, because the end of an output is where a failure says why.
 */
export function lastLines(text: string, maxLines: number, maxChars: number): Bounded {
  const all = text.replace(/\n+$/, '').split('\n')
  let kept = all.slice(-maxLines)
  while (kept.length > 1 && kept.join('\n').length > maxChars) kept = kept.slice(1)
  let out = kept.join('\n')
  if (out.length > maxChars) out = `…${out.slice(out.length - maxChars + 1)}`
  return { text: out, omittedLines: all.length - kept.length, omittedChars: Math.max(0, text.replace(/\n+$/, '').length - out.length) }
}

/** The first lines that fit in `maxChars`, for a tree read from the top. */
export function firstLines(lines: readonly string[], maxChars: number): { lines: string[]; omitted: number } {
  const out: string[] = []
  let size = 0
  for (const l of lines) {
    const line = l.length > maxChars ? `${l.slice(0, maxChars - 1)}…` : l
    if (size + line.length + 1 > maxChars) break
    out.push(line)
    size += line.length + 1
  }
  return { lines: out, omitted: lines.length - out.length }
}

/** `3 earlier lines (1.2 KiB) not shown` or '' when nothing was cut. */
export function omissionNote(b: Pick<Bounded, 'omittedLines' | 'omittedChars'>, where: 'earlier' | 'more'): string {
  if (b.omittedChars === 0 && b.omittedLines === 0) return ''
  const size = b.omittedChars >= 1024 ? `${(b.omittedChars / 1024).toFixed(1)} KiB` : `${b.omittedChars} chars`
  return b.omittedLines > 0
    ? `${b.omittedLines} ${where} line${b.omittedLines === 1 ? '' : 's'} (${size}) not shown`
    : `${size} of a long line not shown`
}
