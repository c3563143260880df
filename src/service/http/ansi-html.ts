/**
 * Command output with its ANSI colours, as HTML: SGR sequences (`ESC[1;31m`) become spans with
 * classes (the 16 colours, bold, dim, italic, underline, strike) or an rgb style (256 colours,
 * truecolor); every other escape or control sequence is dropped; the text is escaped.
 *
 * @example
 * ansiToHtml('\x1b[31mfailed\x1b[0m <x>') // '<span class="a-f1">failed</span> &lt;x&gt;'
 */
import { escapeHtml } from './html.ts'

interface Sgr {
  bold: boolean
  dim: boolean
  italic: boolean
  underline: boolean
  strike: boolean
  /** 0-15: a class; a string: an `rgb()` colour. */
  fg: number | string | null
  bg: number | string | null
}

const plain = (): Sgr => ({ bold: false, dim: false, italic: false, underline: false, strike: false, fg: null, bg: null })

const CUBE = [0, 95, 135, 175, 215, 255]

/** xterm's 256 colours: 0-15 stay classes (the page's palette), the rest are exact rgb. */
function color256(n: number): number | string | null {
  if (!Number.isInteger(n) || n < 0 || n > 255) return null
  if (n < 16) return n
  if (n >= 232) {
    const v = 8 + 10 * (n - 232)
    return `rgb(${v},${v},${v})`
  }
  const i = n - 16
  return `rgb(${CUBE[Math.floor(i / 36)]},${CUBE[Math.floor(i / 6) % 6]},${CUBE[i % 6]})`
}

/** Applies one SGR parameter list; returns the state after it. */
function apply(state: Sgr, params: number[]): Sgr {
  const s = { ...state }
  for (let i = 0; i < params.length; i++) {
    const p = params[i]!
    if (p === 0) Object.assign(s, plain())
    else if (p === 1) s.bold = true
    else if (p === 2) s.dim = true
    else if (p === 3) s.italic = true
    else if (p === 4) s.underline = true
    else if (p === 9) s.strike = true
    else if (p === 22) s.bold = s.dim = false
    else if (p === 23) s.italic = false
    else if (p === 24) s.underline = false
    else if (p === 29) s.strike = false
    else if (p >= 30 && p <= 37) s.fg = p - 30
    else if (p >= 90 && p <= 97) s.fg = p - 90 + 8
    else if (p === 39) s.fg = null
    else if (p >= 40 && p <= 47) s.bg = p - 40
    else if (p >= 100 && p <= 107) s.bg = p - 100 + 8
    else if (p === 49) s.bg = null
    else if (p === 38 || p === 48) {
      // 38;5;n or 38;2;r;g;b (and the same for background with 48).
      let c: number | string | null = null
      if (params[i + 1] === 5) {
        c = color256(params[i + 2] ?? -1)
        i += 2
      } else if (params[i + 1] === 2) {
        const [r, g, b] = [params[i + 2], params[i + 3], params[i + 4]].map((v) => Math.min(255, Math.max(0, v ?? 0)))
        c = `rgb(${r},${g},${b})`
        i += 4
      }
      if (p === 38) s.fg = c
      else s.bg = c
    }
    // Anything else (blink, inverse, fonts): no visual equivalent worth keeping.
  }
  return s
}

function open(s: Sgr): string {
  const classes: string[] = []
  const style: string[] = []
  if (s.bold) classes.push('a-b')
  if (s.dim) classes.push('a-d')
  if (s.italic) classes.push('a-i')
  if (s.underline) classes.push('a-u')
  if (s.strike) classes.push('a-s')
  if (typeof s.fg === 'number') classes.push(`a-f${s.fg}`)
  else if (s.fg) style.push(`color:${s.fg}`)
  if (typeof s.bg === 'number') classes.push(`a-g${s.bg}`)
  else if (s.bg) style.push(`background-color:${s.bg}`)
  if (classes.length === 0 && style.length === 0) return ''
  // Only classes and rgb() built above reach the attributes: nothing from the output itself.
  return `<span${classes.length ? ` class="${classes.join(' ')}"` : ''}${style.length ? ` style="${style.join(';')}"` : ''}>`
}

// CSI (ESC [ ... final byte), OSC (ESC ] ... BEL or ESC \), other two-byte escapes.
const ESCAPE = /\x1b\[([0-9;:?]*)([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]?/g

export function ansiToHtml(text: string): string {
  let out = ''
  let state = plain()
  let span = ''
  let last = 0
  const emit = (chunk: string) => {
    // \r\n is a line end; other control characters (a lone \r, backspace, bell) are dropped.
    const clean = chunk.replace(/\r\n/g, '\n').replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '')
    if (clean === '') return
    const tag = open(state)
    if (tag !== span) {
      if (span) out += '</span>'
      out += tag
      span = tag
    }
    out += escapeHtml(clean)
  }
  for (const m of text.matchAll(ESCAPE)) {
    emit(text.slice(last, m.index))
    last = m.index + m[0].length
    if (m[2] === 'm' && !m[1]!.includes('?')) {
      const params = m[1] === '' ? [0] : m[1]!.split(/[;:]/).map((p) => (p === '' ? 0 : Number(p)))
      state = apply(state, params)
    }
  }
  emit(text.slice(last))
  if (span) out += '</span>'
  return out
}

/** The palette for the classes above (xterm's defaults, readable on a light page). */
export const ANSI_CSS = [
  '.a-b{font-weight:bold}.a-d{opacity:.7}.a-i{font-style:italic}.a-u{text-decoration:underline}.a-s{text-decoration:line-through}',
  ...[
    '#000000',
    '#cd0000',
    '#00a000',
    '#a0a000',
    '#0000ee',
    '#cd00cd',
    '#00a0a0',
    '#b0b0b0',
    '#7f7f7f',
    '#ff0000',
    '#00d000',
    '#c0c000',
    '#5c5cff',
    '#ff00ff',
    '#00c0c0',
    '#ffffff',
  ].map((c, i) => `.a-f${i}{color:${c}}.a-g${i}{background-color:${c}}`),
].join('')
