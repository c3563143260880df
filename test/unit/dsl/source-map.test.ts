/** Code frames show what is in the file without letting it act on the reader's terminal. */
import { describe, expect, it } from 'vitest'
import { codeFrame, escapeControls, FRAME_WIDTH } from '../../../src/dsl/source-map.ts'

const caretCol = (frame: string) => {
  const lines = frame.split('\n')
  const at = lines.findIndex((l) => l.startsWith('>'))
  return { line: lines[at]!, caret: lines[at + 1]!.indexOf('^') }
}

describe('codeFrame', () => {
  it('escapes ESC, CR, C1 and bidi controls, keeps the caret under the same character', () => {
    const frame = codeFrame('a: 1\nb: "\u001b[31m\r\u009b\u202e" x\n', 2, 15)
    expect(frame).not.toMatch(/[\u001b\r\u009b\u202e]/)
    expect(frame).toContain('b: "\\x1b[31m\\x0d\\x9b\\u202e" x')
    const { line, caret } = caretCol(frame)
    expect(line[caret]).toBe('x')
  })

  it('treats CRLF line ends as line ends, not content', () => {
    expect(codeFrame('a: 1\r\nb: 2\r\n', 2, 1)).not.toContain('\\x0d')
  })

  it('cuts a very long line to a window that keeps the caret on its character', () => {
    const text = `k: ${'a'.repeat(100_000)}X${'b'.repeat(100_000)}\n`
    const { line, caret } = caretCol(codeFrame(text, 1, 100_004))
    expect(line.length).toBeLessThan(FRAME_WIDTH + 20)
    expect(line[caret]).toBe('X')
  })

  it('escapeControls leaves text, tabs and newlines alone', () => {
    expect(escapeControls('plain\ttext\nnext é ü 日本')).toBe('plain\ttext\nnext é ü 日本')
  })
})
