/**
 * Where character `offset` of a YAML string value sits in the source text. A value is not a slice
 * of the source: double quotes have escapes (`\n`, `\"`, `\x41`, a `\` line continuation), single
 * quotes double their quote (`''`), and every style but the literal block folds line breaks (one
 * break is a space, each further one a newline; indentation is dropped). Errors inside expressions
 * (a CEL column, a `${{` in quotes, a mutating word) must point at the source, not at the value.
 *
 * @example
 * // source: run: "echo \"x\" ${{ params.y }}"      value: echo "x" ${{ params.y }}
 * scalarSourceOffset(text, 'QUOTE_DOUBLE', start, 9)  // the offset of `$` in the source
 */
export type ScalarStyle = 'PLAIN' | 'QUOTE_DOUBLE' | 'QUOTE_SINGLE' | 'BLOCK_LITERAL' | 'BLOCK_FOLDED'

/**
 * `start` is where the scalar starts in `text` (its opening quote, or the `|`/`>` indicator of a
 * block). Returns the offset in `text` of value character `offset` (clamped to the scalar).
 */
export function scalarSourceOffset(text: string, style: ScalarStyle, start: number, offset: number): number {
  if (style === 'BLOCK_LITERAL' || style === 'BLOCK_FOLDED') return blockOffset(text, style, start, offset)
  const quote = style === 'QUOTE_DOUBLE' ? '"' : style === 'QUOTE_SINGLE' ? "'" : ''
  let i = start + quote.length
  let v = 0
  while (i < text.length && v < offset) {
    const c = text[i]!
    if (quote && c === quote) {
      if (quote === "'" && text[i + 1] === "'") {
        i += 2
        v++
        continue
      }
      break // the closing quote
    }
    if (quote === '"' && c === '\\') {
      const n = text[i + 1]
      if (n === '\n' || n === '\r') {
        // Line continuation: the break and the next line's indentation produce nothing.
        i += 2
        while (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r') i++
        continue
      }
      i += n === 'x' ? 4 : n === 'u' ? 6 : n === 'U' ? 10 : 2
      v++
      continue
    }
    if (c === '\n' || ((c === ' ' || c === '\t' || c === '\r') && /^[ \t\r]*\n/.test(text.slice(i, i + 200)))) {
      // Folding: trailing blanks, the breaks and the next line's indentation.
      let breaks = 0
      while (i < text.length && /[ \t\r\n]/.test(text[i]!)) {
        if (text[i] === '\n') breaks++
        i++
      }
      v += breaks <= 1 ? 1 : breaks - 1
      continue
    }
    i++
    v++
  }
  return i
}

function blockOffset(text: string, style: ScalarStyle, start: number, offset: number): number {
  // Content starts on the line after the indicator; its indentation is that of the first non-empty line.
  let i = text.indexOf('\n', start)
  if (i === -1) return start
  i++
  const first = /^( *)\S/m.exec(text.slice(i))
  const indent = first ? first[1]!.length : 0
  let v = 0
  let lineStart = true
  while (i < text.length && v < offset) {
    if (lineStart) {
      let k = 0
      while (k < indent && text[i] === ' ') {
        i++
        k++
      }
      lineStart = false
      continue
    }
    const c = text[i]!
    if (c === '\n') {
      if (style === 'BLOCK_LITERAL') {
        i++
        v++
        lineStart = true
        continue
      }
      // Folded: a run of breaks (with the blank lines between) is a space, or n-1 newlines.
      let breaks = 0
      let j = i
      while (j < text.length && (text[j] === '\n' || (text[j] === ' ' && /^ *\n/.test(text.slice(j, j + 400))))) {
        if (text[j] === '\n') breaks++
        j++
      }
      i = j
      v += breaks <= 1 ? 1 : breaks - 1
      lineStart = true
      continue
    }
    i++
    v++
  }
  // The target is the first character of a line: past that line's indentation.
  if (lineStart) for (let k = 0; k < indent && text[i] === ' '; k++) i++
  return i
}
