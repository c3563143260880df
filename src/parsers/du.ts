import { defineParser, parseError } from './registry.ts'
import { int, nonBlankLines, stderrLines } from './text.ts'

export interface DuEntry {
  path: string
  kb: number
}

export interface DuResult {
  /** One per PATH argument, in output order (the `-c` grand total line is not an entry). */
  entries: DuEntry[]
  /** KiB of all entries: the `total` line of `du -c` when present, else their sum. */
  total: number
  /** stderr lines, e.g. `du: cannot access '/x': No such file or directory`. */
  errors: string[]
}

const NAME = 'du'

/**
 * Space used by each path, in KiB.
 *
 * Expects `du -sk PATH...` (optionally `-c`): one `<kb>\t<path>` line per argument. Paths keep
 * their spaces (du separates with a tab). Human sizes (`-h`) are refused.
 *
 * @example
 * // du -sk /var/log/apt /var/log/dpkg.log
 * // 252	/var/log/apt
 * // 344	/var/log/dpkg.log
 * // → { entries: [{ path: '/var/log/apt', kb: 252 }, ...], total: 596, errors: [] }
 */
export const duParser = defineParser<DuResult>({
  name: NAME,
  describe: 'du -sk PATH... (optionally -c): KiB per path and in total',
  fields: { entries: [{ path: 'string', kb: 'int' }], total: 'int', errors: 'list<string>' },
  parse(result) {
    const errors = stderrLines(result)
    const all = nonBlankLines(result.stdout)
    if (all.length === 0 && !(errors.length > 0 && result.exitCode !== 0)) {
      throw parseError(NAME, 'empty output, expected `<kb>\\t<path>` lines')
    }
    const entries = all.map((line) => {
      const m = /^(\S+)\t(.+)$/.exec(line.text)
      if (!m) throw parseError(NAME, 'expected `<kb><TAB><path>` (du -sk)', line)
      return { path: m[2]!, kb: int(NAME, m[1], line, 'size in KiB') }
    })
    const sum = (es: DuEntry[]): number => es.reduce((s, e) => s + e.kb, 0)
    const last = entries[entries.length - 1]
    // `-c` appends `<sum>\ttotal`; a path really named `total` would not equal the sum of the rest.
    if (last && last.path === 'total' && entries.length > 1 && last.kb === sum(entries.slice(0, -1))) {
      return { entries: entries.slice(0, -1), total: last.kb, errors }
    }
    return { entries, total: sum(entries), errors }
  },
})
