/**
 * What a parser can tell from the command line alone: output it cannot read, or would read wrong.
 * Validation asks each parser named in `parse:` about its step's command (`Parser.checkCommand`),
 * so `du -sb` under `parse: du` (bytes that look like KiB) is an error at file:line:col before
 * anything runs, not a wrong number in a diagnosis.
 *
 * Deliberately rough: the command is split into simple commands at `|`, `;`, `&`, `(`, `)` and
 * newlines, and into words at blanks, quotes kept as they are. Only invocations of the parser's own
 * program are looked at, after assignments (`LC_ALL=C`) and wrappers (`sudo`, `env`, `timeout 5`,
 * `nice -n 5`...). A program it does not find (called through a script or a variable) is no problem.
 */

/** One word of the command, with its offset in the command text. */
export interface Word {
  text: string
  offset: number
}

/** What is wrong, and where in the command text (the offset of the offending word). */
export interface CommandProblem {
  offset: number
  message: string
}

const WRAPPERS = new Set(['sudo', 'env', 'timeout', 'nice', 'ionice', 'nohup', 'command', 'exec', 'stdbuf', 'chrt', 'time'])
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/

/** One invocation of the program: its name as written, and its words up to `--` (operands after it are not options). */
export interface Invocation {
  program: Word
  options: Word[]
}

/**
 * Every invocation of `program` in `command`.
 *
 * @example
 * invocations('LC_ALL=C du -sk -- /var/log | sort -n', 'du')
 * // [{ program: { text: 'du', offset: 9 }, options: [{ text: '-sk', offset: 12 }] }]
 */
export function invocations(command: string, program: string): Invocation[] {
  const out: Invocation[] = []
  for (const segment of segments(command)) {
    let i = 0
    const ws = segment
    // Skip assignments and wrappers with their options (and timeout's duration, nice's -n N).
    while (i < ws.length) {
      const w = ws[i]!.text
      if (ASSIGNMENT.test(w)) {
        i++
        continue
      }
      const name = w.slice(w.lastIndexOf('/') + 1)
      if (!WRAPPERS.has(name)) break
      i++
      while (i < ws.length && (ws[i]!.text.startsWith('-') || ASSIGNMENT.test(ws[i]!.text) || /^\d+(?:\.\d+)?[smhd]?$/.test(ws[i]!.text)))
        i++
    }
    const head = ws[i]?.text
    if (head === undefined || head.slice(head.lastIndexOf('/') + 1) !== program) continue
    const options: Word[] = []
    for (const w of ws.slice(i + 1)) {
      if (w.text === '--') break
      options.push(w)
    }
    out.push({ program: ws[i]!, options })
  }
  return out
}

/** The command's simple commands, each as words with offsets. */
function segments(command: string): Word[][] {
  const out: Word[][] = []
  let words: Word[] = []
  let word = ''
  let start = 0
  let quote: string | null = null
  const endWord = (): void => {
    if (word !== '') words.push({ text: word, offset: start })
    word = ''
  }
  const endSegment = (): void => {
    endWord()
    if (words.length > 0) out.push(words)
    words = []
  }
  for (let i = 0; i < command.length; i++) {
    const c = command[i]!
    if (quote) {
      word += c
      if (c === quote) quote = null
      continue
    }
    if (c === "'" || c === '"') {
      if (word === '') start = i
      word += c
      quote = c
    } else if ('|;&()\n'.includes(c)) endSegment()
    else if (c === ' ' || c === '\t') endWord()
    else {
      if (word === '') start = i
      word += c
    }
  }
  endSegment()
  return out
}

/** The problem of the first invocation of `program` that has one. */
export function firstProblem(command: string, program: string, check: (call: Invocation) => CommandProblem | null): CommandProblem | null {
  for (const call of invocations(command, program)) {
    const p = check(call)
    if (p) return p
  }
  return null
}

/**
 * The value of an option that takes one, in any of its spellings: `-B 1M`, `-B1M`, `-sB1M` (short,
 * after flag letters), `--block-size=1M`, `--block-size 1M`. `letter` is the short option, `long`
 * the long one; `argLetters` every short option of the program that takes a value (they end a cluster).
 */
export function optionValues(
  options: Word[],
  letter: string | null,
  long: string | null,
  argLetters: string,
): Array<{ value: string | undefined; at: Word }> {
  const out: Array<{ value: string | undefined; at: Word }> = []
  options.forEach((w, i) => {
    const t = w.text
    if (long && (t === long || t.startsWith(`${long}=`))) {
      out.push({ value: t === long ? options[i + 1]?.text : t.slice(long.length + 1), at: w })
      return
    }
    if (letter && /^-[^-]/.test(t)) {
      for (let k = 1; k < t.length; k++) {
        const c = t[k]!
        if (c === letter) {
          out.push({ value: k + 1 < t.length ? t.slice(k + 1) : options[i + 1]?.text, at: w })
          return
        }
        if (argLetters.includes(c)) return // the rest is that option's value
      }
    }
  })
  return out
}

/** Whether a short cluster holds `flag` as a flag (before any letter that takes a value), or a long option is `long`. */
export function hasFlag(options: Word[], flag: string | null, longs: readonly string[], argLetters: string): Word | undefined {
  return options.find((w) => {
    const t = w.text
    if (longs.includes(t)) return true
    if (!flag || !/^-[^-]/.test(t)) return false
    for (let k = 1; k < t.length; k++) {
      if (t[k] === flag) return true
      if (argLetters.includes(t[k]!)) return false
    }
    return false
  })
}

/** A report a program prints instead of the one its parser reads: its flag, long option, and what it shows. */
export type OtherReport = readonly [flag: string, long: string, what: string]

/**
 * The first option among `options` that asks for one of `reports`, with that report.
 *
 * @example
 * otherReport([{ text: '-in', offset: 8 }], [['i', '--interfaces', 'the interface table']], 'A')
 * // { at: { text: '-in', offset: 8 }, flag: 'i', what: 'the interface table' }
 */
export function otherReport(
  options: Word[],
  reports: readonly OtherReport[],
  argLetters: string,
): { at: Word; flag: string; what: string } | undefined {
  for (const [flag, long, what] of reports) {
    const at = hasFlag(options, flag, [long], argLetters)
    if (at) return { at, flag, what }
  }
  return undefined
}
