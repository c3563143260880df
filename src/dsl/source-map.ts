/**
 * Code frames for located errors, Ansible-style: the offending line, its neighbours, and a caret.
 *
 * A frame prints text from a file the reader may not have written, to their terminal: control
 * characters (ESC sequences that recolour, retitle or rewrite the screen, a CR that overwrites the
 * line, bidi overrides that reorder what is shown) are escaped as `\xNN` / `\uNNNN`, and very long
 * lines are cut to a window around the caret.
 */

/** C0 controls but tab and newline, DEL, C1 controls, and Unicode line separators and bidi controls. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

/** `s` with every control character written as a visible escape (`\x1b`, `\u202e`). */
export function escapeControls(s: string): string {
  return s.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0)
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`
  })
}

/** Widest source line a frame shows; longer lines show a window around the caret. */
export const FRAME_WIDTH = 160

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
  // A CRLF file's lines end in \r: a line ending, not content.
  const shown = (n: number) => (lines[n - 1] ?? '').replace(/\r$/, '').replace(/\t/g, ' ')
  const target = shown(line)
  // Where the caret goes once the text before it is escaped, and the window that keeps it visible.
  const caret = escapeControls(target.slice(0, Math.max(0, col - 1))).length
  const start = caret < FRAME_WIDTH * 0.75 ? 0 : caret - Math.floor(FRAME_WIDTH / 2)
  const cut = (s: string) => {
    const escaped = escapeControls(s)
    const head = start > 0 ? '…' : ''
    const body = escaped.slice(start, start + FRAME_WIDTH)
    return head + body + (escaped.length > start + FRAME_WIDTH ? '…' : '')
  }
  const out: string[] = []
  for (let n = from; n <= to; n++) {
    out.push(`${n === line ? '>' : ' '} ${String(n).padStart(width)} | ${cut(shown(n))}`)
    if (n === line) out.push(`  ${' '.repeat(width)} | ${' '.repeat(caret - start + (start > 0 ? 1 : 0))}^`)
  }
  return out.join('\n')
}
