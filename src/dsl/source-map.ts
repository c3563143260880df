/**
 * Code frames for located errors, Ansible-style: the offending line, its neighbours, and a caret.
 */

/**
 * @example
 * codeFrame('a: 1\nb: [\n', 2, 4)
 * //   1 | a: 1
 * // > 2 | b: [
 * //     |    ^
 */
export function codeFrame(text: string, line: number, col: number, context = 1): string {
  const lines = text.split('\n')
  const from = Math.max(1, line - context)
  const to = Math.min(lines.length, line + context)
  const width = String(to).length
  const out: string[] = []
  for (let n = from; n <= to; n++) {
    const content = (lines[n - 1] ?? '').replace(/\t/g, ' ')
    out.push(`${n === line ? '>' : ' '} ${String(n).padStart(width)} | ${content}`)
    if (n === line) out.push(`  ${' '.repeat(width)} | ${' '.repeat(Math.max(0, col - 1))}^`)
  }
  return out.join('\n')
}
