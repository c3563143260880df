import { firstProblem, otherReport, type OtherReport } from './command-check.ts'
import { defineParser, parseError } from './registry.ts'
import { int, requireOutput, type Line } from './text.ts'

/** One vmstat line, by column name (`r`, `b`, `swpd`, `free`, `buff`, `cache` or `inact`/`active`, `si`, `so`, `bi`, `bo`, `in`, `cs`, `us`, `sy`, `id`, `wa`, `st`, `gu`). */
export interface VmstatSample {
  values: Record<string, number>
  /** `-t`: the timestamp as printed (`2026-11-27 06:08:25`); null otherwise. */
  timestamp: string | null
  raw: string
}

export interface VmstatResult {
  /** `table` (vmstat [-w] [-a] [-t] [-S u] [delay [count]]) or `stats` (vmstat -s). */
  kind: 'table' | 'stats'
  /** Every line in order. Without -y the first one is the average since boot, the others one interval each. */
  samples: VmstatSample[]
  /** The last line's values (the current state when run with an interval; since boot for a single `vmstat`). */
  latest: Record<string, number>
  /** Column names, as the header prints them. */
  columns: string[]
  /** `-t`: the timestamp's time zone from the header (`UTC`); null otherwise. */
  timeZone: string | null
  /** `vmstat -s`: counters by name (`total memory`, `used swap`, `IO-wait cpu ticks`); `K` amounts in KiB. */
  stats: Record<string, number>
}

const NAME = 'vmstat'
/** vmstat's reports other than the table and -s. */
const OTHER_REPORTS: readonly OtherReport[] = [
  ['d', '--disk', 'disk statistics'],
  ['D', '--disk-sum', 'a disk summary'],
  ['p', '--partition', 'partition statistics'],
  ['m', '--slabs', 'slab statistics'],
  ['f', '--forks', 'the number of forks'],
]
const GROUPS = /^\s*-*procs-*\s+-+memory-+\s+-+swap-+\s+-+io-+\s+-+system-+\s+-+cpu-+(\s+-+timestamp-+)?\s*$/
const KNOWN = new Set([
  'r',
  'b',
  'swpd',
  'free',
  'buff',
  'cache',
  'inact',
  'active',
  'si',
  'so',
  'bi',
  'bo',
  'in',
  'cs',
  'us',
  'sy',
  'id',
  'wa',
  'st',
  'gu',
])

/**
 * procps vmstat: the table (`vmstat`, `vmstat 1 5`, `-w`, `-a` with inact/active, `-t` with a
 * timestamp, `-y`, `-S k|K|m|M`) or the counters of `vmstat -s`. Columns are read from the header,
 * so old procps without `st` and 4.x with `gu` both read. Memory and swap columns are in the unit
 * vmstat printed them in: KiB by default, `-S` changes it and the output does not say; CPU columns
 * are percent. Repeated headers (a long run reprints them) are skipped. `-d`, `-D`, `-p`, `-m`
 * (disk and slab reports) are refused.
 *
 * @example
 * // result.latest['wa'] > 30 || result.latest['si'] > 0
 */
export const vmstatParser = defineParser<VmstatResult>({
  name: NAME,
  describe: 'vmstat [-w] [-a] [-t] [-y] [-S u] [delay [count]] or vmstat -s: procs, memory, swap, io, cpu',
  fields: {
    kind: 'string',
    samples: [{ values: { '*': 'int' }, timestamp: 'string', raw: 'string' }],
    latest: { '*': 'int' },
    columns: 'list<string>',
    timeZone: 'string',
    stats: { '*': 'int' },
  },
  checkCommand: (command) =>
    firstProblem(command, 'vmstat', ({ options }) => {
      const other = otherReport(options, OTHER_REPORTS, 'Sp')
      if (other)
        return {
          offset: other.at.offset,
          message: `vmstat -${other.flag} prints ${other.what}: the vmstat parser reads the table (vmstat [-w] [-a] [-t] [delay [count]]) or vmstat -s`,
        }
      return null
    }),
  parse(result) {
    const ls = requireOutput(NAME, result, 'the vmstat header')
    if (/^\s*\d+ (?:K )?[a-zA-Z]/.test(ls[0]!.text)) return readStats(ls)
    let columns: string[] | undefined
    let timeZone: string | null = null
    const samples: VmstatSample[] = []
    for (const line of ls) {
      if (GROUPS.test(line.text)) continue
      if (/^\s*r\s+b\s/.test(line.text)) {
        const words = line.text.trim().split(/\s+/)
        const cpuEnd = words.findIndex((w) => !KNOWN.has(w))
        columns = cpuEnd === -1 ? words : words.slice(0, cpuEnd)
        timeZone = cpuEnd === -1 ? null : words.slice(cpuEnd).join(' ')
        continue
      }
      if (!columns) throw parseError(NAME, 'expected the vmstat header (`procs ---memory--- ...` then `r b swpd free ...`)', line)
      samples.push(readSample(line, columns, timeZone !== null))
    }
    if (!columns) throw parseError(NAME, 'no column header (`r b swpd free ...`)', ls[0])
    if (samples.length === 0) throw parseError(NAME, 'a header without any line of values', ls[ls.length - 1])
    return { kind: 'table', samples, latest: samples[samples.length - 1]!.values, columns, timeZone, stats: {} }
  },
})

function readSample(line: Line, columns: string[], timestamp: boolean): VmstatSample {
  const words = line.text.trim().split(/\s+/)
  const expected = columns.length + (timestamp ? 2 : 0)
  if (words.length !== expected) throw parseError(NAME, `expected ${expected} values, got ${words.length}`, line)
  const values: Record<string, number> = {}
  columns.forEach((c, i) => {
    values[c] = int(NAME, words[i], line, c)
  })
  return { values, timestamp: timestamp ? `${words[columns.length]} ${words[columns.length + 1]}` : null, raw: line.text }
}

function readStats(ls: Line[]): VmstatResult {
  const stats: Record<string, number> = {}
  for (const line of ls) {
    const m = /^\s*(\d+) (K )?(.+?)\s*$/.exec(line.text)
    if (!m) throw parseError(NAME, 'expected `NUMBER [K] name` (vmstat -s)', line)
    stats[m[3]!] = int(NAME, m[1], line, m[3]!)
  }
  return { kind: 'stats', samples: [], latest: {}, columns: [], timeZone: null, stats }
}
