/**
 * The read-only check: proves, on the shell's own syntax tree, that a diagnostic command changes
 * nothing on the host. Every simple command anywhere counts (loops, branches, `{ }`, subshells,
 * functions, `$( )`, backticks, pipelines, lists), through wrappers (sudo, env, timeout, nice,
 * xargs, find -exec, ...) and recursively inside `sh -c` strings and `eval`. Each program must be
 * on the allow-list (`readonly-programs.ts`) with read-only flags, and no redirection may write a
 * file other than /dev/null, the standard streams, a descriptor or a /dev/tcp socket.
 *
 * What cannot be proven (a computed command name, a script read from stdin or a file, a shell
 * syntax error) is refused too: an author vouches for such a command with `readonly: "<why>"`.
 *
 * @example
 * readOnlyProblems('systemctl status nginx | grep -q active')          // []
 * readOnlyProblems('for u in a b; do systemctl restart "$u"; done')
 * // → [{ offset: 20, word: 'systemctl restart', why: "restarts units ..." }]
 */
import { PROGRAMS, type Arg } from './readonly-programs.ts'
import type { ReadOnlyVerdicts } from './readonly-verdicts.ts'
import type { ShNode } from './shell-syntax.ts'

export interface ReadOnlyProblem {
  /** Offset of the offending word in the checked text. */
  offset: number
  /** The offending word(s), as written. */
  word: string
  why: string
}

/** Commands whose only effect is on the shell running them. */
const SHELL_BUILTINS = new Set([
  ':',
  'true',
  'false',
  'echo',
  'printf',
  'read',
  'mapfile',
  'readarray',
  'cd',
  'pushd',
  'popd',
  'dirs',
  'pwd',
  'set',
  'unset',
  'shift',
  'exit',
  'return',
  'break',
  'continue',
  'wait',
  'trap',
  'type',
  'hash',
  'getopts',
  'let',
  'test',
  '[',
  '[[',
  'umask',
  'ulimit',
  'shopt',
  'times',
  'alias',
  'unalias',
  'caller',
  'local',
  'export',
  'declare',
  'typeset',
  'readonly',
  'sleep',
])

/**
 * `${{ }}` becomes a same-length word the analysis knows is a value, not code (`_rbv0_____`), so
 * offsets stay true; problems then show the original text again.
 */
const VALUE = '_rbv'
function mask(template: string): { text: string; values: Map<string, string> } {
  const values = new Map<string, string>()
  const text = template.replace(/\$\{\{[\s\S]*?\}\}/g, (m) => {
    const word = `${VALUE}${values.size}_`.padEnd(m.length, '_')
    values.set(word, m)
    return word
  })
  return { text, values }
}

// The bash grammar loads on demand (~70 ms of a CLI process's start): a CLI run whose commands all
// have a remembered verdict (readonly-verdicts.ts) never loads it.
let parseShell: ((text: string) => ShNode) | undefined
let verdicts: ReadOnlyVerdicts | undefined

/** Load the bash grammar the check parses with. Once per process; every caller that validates awaits it first (or `withReadOnlyVerdicts`). */
export async function loadShellParser(): Promise<void> {
  parseShell ??= await (await import('./shell-syntax.ts')).loadBash()
}

/** Thrown by `readOnlyProblems` when a command has no remembered verdict and the grammar was not loaded. */
export class ShellParserNotLoaded extends Error {
  constructor() {
    super('internal: the read-only check needs the bash grammar: await loadShellParser() before validating')
  }
}

/**
 * Run `validate` (synchronous validation) with remembered verdicts: it runs once without the
 * grammar, and again with it only when a command has no remembered verdict. What the checker proves
 * read-only meanwhile is saved for the next process.
 */
export async function withReadOnlyVerdicts<T>(remembered: ReadOnlyVerdicts | undefined, validate: () => T): Promise<T> {
  if (!remembered) {
    await loadShellParser()
    return validate()
  }
  // Set only while `validate` runs (synchronously): nothing else ever sees these verdicts.
  const attempt = (): T => {
    verdicts = remembered
    try {
      return validate()
    } finally {
      verdicts = undefined
    }
  }
  try {
    try {
      return attempt()
    } catch (err) {
      if (!(err instanceof ShellParserNotLoaded)) throw err
    }
    await loadShellParser()
    return attempt()
  } finally {
    remembered.save()
  }
}

/** Problems with a diagnostic command (a template: `${{ }}` are values). Empty: provably read-only. */
export function readOnlyProblems(template: string): ReadOnlyProblem[] {
  if (verdicts?.isReadOnly(template)) return []
  if (!parseShell) throw new ShellParserNotLoaded()
  const problems: ReadOnlyProblem[] = []
  const { text, values } = mask(template)
  new Checker(problems).script(text, 0, 0)
  const unmask = (w: string) => w.replace(/_rbv\d+_+/g, (m) => values.get(m) ?? m)
  if (problems.length === 0) verdicts?.remember(template)
  // One report per offending word.
  const seen = new Set<string>()
  return problems
    .map((p) => ({ ...p, word: unmask(p.word) }))
    .filter((p) => {
      const k = `${p.offset}:${p.word}`
      if (seen.has(k)) return false
      seen.add(k)
      return true
    })
}

const MAX_DEPTH = 8

interface Body {
  commands: Arg[][]
  redirects: Array<{ op: string; dest: string | null; destRaw: string; start: number; text: string }>
}

/**
 * Rewrite what tree-sitter-bash cannot parse into what it can, same length (offsets stay true):
 * `<>` (open read-write) as `>|` (a write: what matters here), and the pattern of `${v#pat}`,
 * `${v%pat}` (which may hold `[` or `]` the grammar trips on) as plain letters, unless it runs
 * something itself.
 */
function normalise(text: string): string {
  return text
    .replace(/(\d?)<>/g, (_m, fd: string) => `${fd}>|`)
    .replace(/\$\{([A-Za-z_][A-Za-z0-9_]*|[0-9@*#?$!-])(##?|%%?)([^}]*)\}/g, (m, _v: string, _op: string, pat: string) =>
      /[`$]/.test(pat) ? m : m.replace(pat, 'x'.repeat(pat.length)),
    )
}

/** A function body's command with the call's arguments in place of "$@", "$*" and $1..$9. */
function bindPositional(words: Arg[], args: Arg[]): Arg[] {
  return words.flatMap((w) => {
    const raw = w.raw.replace(/^"(.*)"$/s, '$1')
    if (raw === '$@' || raw === '$*' || raw === '${@}' || raw === '${*}') return args
    const m = /^\$\{?([1-9])\}?$/.exec(raw)
    if (m) return args[Number(m[1]) - 1] ? [args[Number(m[1]) - 1]!] : []
    return [w]
  })
}

class Checker {
  constructor(private readonly problems: ReadOnlyProblem[]) {}

  private report(offset: number, word: string, why: string): void {
    this.problems.push({ offset, word: word.length > 60 ? `${word.slice(0, 57)}...` : word, why })
  }

  /** Check a whole script; `base` maps its offsets back into the checked text. */
  script(text: string, base: number, depth: number): void {
    if (depth > MAX_DEPTH) return this.report(base, text.slice(0, 20), 'nests shells too deeply to check')
    const root = parseShell!(normalise(text))
    // Collect first, then check: the tree is freed when a nested `sh -c` is parsed. A function's
    // commands are checked where it is called, with that call's arguments for "$@" and $1..$9.
    const main: Body = { commands: [], redirects: [] }
    const functions = new Map<string, Body>()
    const errors: Array<{ start: number; text: string }> = []
    const walk = (n: ShNode, into: Body): void => {
      if (n.type === 'ERROR' || n.isMissing) {
        errors.push({ start: n.startIndex, text: n.text })
        return
      }
      if (n.type === 'function_definition') {
        const name = n.childForFieldName('name')?.text ?? ''
        const body: Body = { commands: [], redirects: [] }
        functions.set(name, body)
        for (const c of n.children) if (c && c.type !== 'word') walk(c, body)
        return
      }
      if (n.type === 'command') into.commands.push(this.words(n).map((w) => ({ ...w, offset: base + w.offset })))
      if (n.type === 'file_redirect') {
        const dest = n.childForFieldName('destination') ?? n.namedChildren.filter((c) => c && c.type !== 'file_descriptor').at(-1) ?? null
        const op = n.children.find((c) => c && !c.isNamed)?.text ?? ''
        into.redirects.push({ op, dest: dest ? literal(dest) : null, destRaw: dest?.text ?? '', start: base + n.startIndex, text: n.text })
      }
      for (const c of n.children) if (c) walk(c, into)
    }
    walk(root, main)
    for (const e of errors) this.report(base + e.start, e.text.split('\n')[0] ?? '', 'is not shell syntax the read-only check can parse')
    this.body(main, functions, depth, [])
  }

  private body(b: Body, functions: ReadonlyMap<string, Body>, depth: number, callStack: string[]): void {
    for (const r of b.redirects) {
      const why = redirectProblem(r.op, r.dest, r.destRaw)
      if (why) this.report(r.start, r.text, why)
    }
    for (const words of b.commands) {
      const name = words[0]?.text
      const fn = name ? functions.get(name) : undefined
      if (fn && name) {
        if (callStack.includes(name)) continue
        const args = words.slice(1)
        this.body({ commands: fn.commands.map((c) => bindPositional(c, args)), redirects: fn.redirects }, functions, depth, [
          ...callStack,
          name,
        ])
        continue
      }
      this.argv(words, depth)
    }
  }

  /** The words of a `command` node: its name, then its arguments, each with its literal value. */
  private words(n: ShNode): Arg[] {
    const out: Arg[] = []
    for (const c of n.namedChildren) {
      if (!c || c.type === 'variable_assignment' || c.type === 'file_redirect' || c.type === 'herestring_redirect') continue
      const node = c.type === 'command_name' ? (c.namedChildren[0] ?? c) : c
      out.push({ text: literal(node), raw: node.text, offset: node.startIndex, rawNode: node.type })
    }
    return out
  }

  /** Check one simple command given as words (name first). */
  argv(words: Arg[], depth: number): void {
    const first = words[0]
    if (!first) return
    if (first.text === null || first.text.includes(VALUE)) {
      return this.report(first.offset, first.raw, 'runs a command whose name is computed when the command runs')
    }
    const name = first.text.includes('/') ? first.text.slice(first.text.lastIndexOf('/') + 1) : first.text
    const args = words.slice(1)
    if (SHELL_BUILTINS.has(name)) return
    const program = PROGRAMS.get(name)
    if (!program)
      return this.report(first.offset, first.raw, `is not on the read-only allow-list${first.raw === name ? '' : ` (program '${name}')`}`)
    const verdict = program(args)
    if (verdict === null) return
    if ('runs' in verdict) {
      // A wrapper: what it runs is checked the same way.
      if (verdict.runs.length > 0) this.argv(verdict.runs, depth)
      return
    }
    if ('script' in verdict) {
      const s = verdict.script
      if (s.text === null || s.text.includes(VALUE))
        return this.report(s.offset, s.raw, `${name} runs a script that is computed when the command runs`)
      // Inside single quotes the script is verbatim, so offsets map exactly; otherwise to its start.
      const base = s.rawNode === 'raw_string' ? s.offset + 1 : s.offset
      const before = this.problems.length
      this.script(s.text, base, depth + 1)
      if (s.rawNode !== 'raw_string' && s.rawNode !== 'word') for (const p of this.problems.slice(before)) p.offset = s.offset
      return
    }
    if ('scripts' in verdict) {
      for (const cmd of verdict.scripts) this.argv(cmd, depth)
      return
    }
    const at = verdict.at ?? first
    this.report(at.offset, at === first ? first.raw : `${first.raw} ${at.raw}`, verdict.why)
  }
}

/** Where a redirection may point without writing a file. */
const HARMLESS_DEST = /^(\/dev\/(null|stdout|stderr|tty|fd\/\d+|tcp\/.*|udp\/.*)|&?-?\d+-?|-)$/

function redirectProblem(op: string, dest: string | null, destRaw: string): string | null {
  if (!/[>]/.test(op)) return null
  if (dest !== null && HARMLESS_DEST.test(dest)) return null
  // `exec 3<>"/dev/tcp/$host/$port"`: a socket, wherever it points.
  if (/^["']?\/dev\/(tcp|udp)\//.test(destRaw)) return null
  // `>&2`, `2>&1`: the destination is a descriptor number.
  if (/&$/.test(op) && dest !== null && /^\d+-?$/.test(dest)) return null
  return dest === null ? 'writes to a file whose name is computed when the command runs' : `writes the file ${dest} with a redirection`
}

/**
 * The literal value of a word, as the shell would pass it, or null when it depends on the
 * environment (`$x`, `$(...)`, globs are kept as written).
 */
export function literal(n: ShNode): string | null {
  switch (n.type) {
    case 'word':
    case 'number':
    case 'command_name':
      return n.type === 'command_name' && n.namedChildren[0] ? literal(n.namedChildren[0]) : unescapeWord(n.text)
    case 'raw_string':
      return n.text.slice(1, -1)
    case 'string':
      // Only plain text between the quotes: any expansion makes it depend on the environment.
      if (n.namedChildren.some((c) => c && c.type !== 'string_content')) return null
      return n.text.slice(1, -1).replace(/\\([$`"\\\n])/g, '$1')
    case 'ansi_c_string':
      return n.text.slice(2, -1).replace(/\\(.)/g, (_m, c: string) => ({ n: '\n', t: '\t', "'": "'", '\\': '\\' })[c] ?? c)
    case 'concatenation': {
      let out = ''
      for (const c of n.namedChildren) {
        if (!c) continue
        const part = literal(c)
        if (part === null) return null
        out += part
      }
      return out
    }
    default:
      return null
  }
}

function unescapeWord(text: string): string {
  return text.replace(/\\(.)/g, '$1')
}
