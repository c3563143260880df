import { firstProblem, hasFlag, optionValues } from './command-check.ts'
import { defineParser, parseError } from './registry.ts'
import { int, type Line, nonBlankLines, stderrLines, UNIT_POWER } from './text.ts'

export interface DuEntry {
  path: string
  kb: number
  /** The modification time `du --time` prints before the path, as printed (its --time-style); null without --time. */
  time: string | null
}

export interface DuResult {
  /** One per PATH argument, in output order (the `-c` grand total line is not an entry). */
  entries: DuEntry[]
  /** KiB of all entries: the `total` line of `du -c` when present, else their sum. */
  total: number
  /** stderr lines, e.g. `du: cannot access '/x': No such file or directory`. */
  errors: string[]
  /** Sizes had units larger than KiB (`-h`, `--si`, `-BM`...): converted, but only as exact as du printed them. */
  approximate: boolean
}

const NAME = 'du'
// A size as du prints it: KiB blocks (`-k`, the default), or with a unit: `-h` (`4.0K`, `1.2M`,
// powers of 1024), `--si` (`4.1k`, `1.1M`: powers of 1000), `-BK`/`-BM`/`-BG` (`752K`, `1M`),
// `-BKB`/`-BMB` (`771kB`, `1MB`: powers of 1000), `-BKiB`/`-BMiB` (`752KiB`, `1MiB`).
const SIZE = /^(\d+(?:[.,]\d+)?)(?:([kKMGTPEZY])(i?B)?)?$/
// `du --time` puts the time between size and path: `2026-11-27 20:39` (default, long-iso),
// `2026-11-27 20:39:29.940154523 +0000` (full-iso), `2026-11-27` (iso), or `+FORMAT` such as `+%s`.
const TIME = /^(?:\d{4}-\d\d-\d\d(?: [\d:.]+(?: [+-]\d{4})?)?|\d+)$/

/**
 * Space used by each path, in KiB.
 *
 * Expects `du -sk PATH...` (optionally `-c`): one `<kb>\t<path>` line per argument. Paths keep
 * their spaces (du separates with a tab). Sizes with a unit (`-h`, `--si`, `-B K|M|G|KB|MB|KiB...`)
 * are converted to KiB, flagged `approximate` when the unit is larger than KiB (du rounds up to what
 * it prints); `--si` is recognised by its lowercase `k`, and without one its `M` and `G` are read as
 * powers of 1024 (within 5% and 7%). Also `--time` (the time in `time`) and `-0` (NUL-ended lines).
 * Bare numbers are KiB: `-b`, `-m`, `-B 1M`, `--apparent-size -B1` and `--inodes` print bytes, MiB or
 * inodes that look the same, so validation refuses them under `parse: du` (`checkCommand`).
 *
 * @example
 * // du -sk /var/log/apt /var/log/dpkg.log
 * // 252	/var/log/apt
 * // 344	/var/log/dpkg.log
 * // → { entries: [{ path: '/var/log/apt', kb: 252, time: null }, ...], total: 596, errors: [], approximate: false }
 */
export const duParser = defineParser<DuResult>({
  name: NAME,
  describe: 'du -sk PATH... (optionally -c, --time, -0; -h/--si/-B UNIT sizes converted, approximate): KiB per path and in total',
  fields: {
    entries: [{ path: 'string', kb: 'int', time: 'string' }],
    total: 'int',
    errors: 'list<string>',
    approximate: 'bool',
  },
  checkCommand: (command) =>
    firstProblem(command, 'du', ({ options }) => {
      // Short options of du that take a value end a cluster: -B SIZE, -d N, -t SIZE, -X FILE.
      const args = 'BdtX'
      const bare = (w: { offset: number }, what: string) => ({
        offset: w.offset,
        message: `du prints ${what} as bare numbers, which read the same as KiB: use du -sk (or -sh)`,
      })
      const bytes = hasFlag(options, 'b', ['--bytes'], args)
      if (bytes) return bare(bytes, 'bytes')
      const mib = hasFlag(options, 'm', [], args)
      if (mib) return bare(mib, 'MiB')
      const inodes = hasFlag(options, null, ['--inodes'], args)
      if (inodes) return bare(inodes, 'inode counts')
      for (const { value, at } of optionValues(options, 'B', '--block-size', args)) {
        // A unit alone (-BM, -BKiB) is printed after each number; a number with it (-B1M) is not.
        if (value !== undefined && /^\d/.test(value) && !/^(?:1K|1KiB|1024)$/.test(value)) return bare(at, `blocks of ${value}`)
      }
      return null
    }),
  parse(result) {
    const errors = stderrLines(result)
    // `du -0` ends each line with NUL instead of a newline.
    const all = result.stdout.includes('\0') ? nulRecords(result.stdout) : nonBlankLines(result.stdout)
    if (all.length === 0 && !(errors.length > 0 && result.exitCode !== 0)) {
      throw parseError(NAME, 'empty output, expected `<kb>\\t<path>` lines')
    }
    const rows = all.map((line) => {
      const m = /^(\S+)\t(.+)$/.exec(line.text)
      if (!m) throw parseError(NAME, 'expected `<kb><TAB><path>` (du -sk)', line)
      const size = SIZE.exec(m[1]!)
      if (!size) throw parseError(NAME, `expected a size in KiB (du -sk) or with a unit (du -sh), got ${JSON.stringify(m[1])}`, line)
      const tab = m[2]!.indexOf('\t')
      const time = tab > 0 && TIME.test(m[2]!.slice(0, tab)) ? m[2]!.slice(0, tab) : null
      return {
        line,
        number: size[1]!.replace(',', '.'),
        unit: size[2] ?? '',
        suffix: size[3] ?? '',
        path: time === null ? m[2]! : m[2]!.slice(tab + 1),
        time,
      }
    })
    // --si prints `k` for 1000 and the same capitals as -h: a lowercase k says which one this is.
    const si = rows.some((r) => r.unit === 'k' && r.suffix === '')
    let approximate = false
    const entries: DuEntry[] = rows.map((r) => {
      if (r.unit === '') return { path: r.path, kb: int(NAME, r.number, r.line, 'size in KiB'), time: r.time }
      const base = r.suffix === 'B' || (r.suffix === '' && si) ? 1000 : 1024
      const bytes = Number(r.number) * base ** UNIT_POWER[r.unit]!
      if (!(base === 1024 && r.unit === 'K' && Number.isInteger(Number(r.number)))) approximate = true
      return { path: r.path, kb: Math.ceil(bytes / 1024), time: r.time }
    })
    const sum = (es: DuEntry[]): number => es.reduce((s, e) => s + e.kb, 0)
    const last = entries[entries.length - 1]
    // `-c` appends `<sum>\ttotal`; a path really named `total` would not equal the sum of the rest
    // (with units, the total is rounded on its own: it is taken when it is within that rounding).
    const rest = sum(entries.slice(0, -1))
    const isTotal =
      last &&
      last.path === 'total' &&
      entries.length > 1 &&
      (last.kb === rest || (approximate && Math.abs(last.kb - rest) <= Math.max(1, rest * 0.1)))
    if (isTotal) return { entries: entries.slice(0, -1), total: last.kb, errors, approximate }
    return { entries, total: sum(entries), errors, approximate }
  },
})

/** `du -0` output as lines: one record per NUL. */
function nulRecords(text: string): Line[] {
  return text
    .split('\0')
    .map((t, i) => ({ number: i + 1, text: t.replace(/^\n/, '') }))
    .filter((l) => l.text.trim() !== '')
}
