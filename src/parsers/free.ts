import { defineParser, parseError } from './registry.ts'
import { fieldsOf, int, percent, requireOutput, type Line } from './text.ts'

export interface FreeMem {
  total: number
  used: number
  free: number
  shared: number | null
  /** `buff/cache`, or buffers + cache of `free -w`. */
  buffCache: number | null
  /** Null on procps older than 3.3.10 (no `available` column). */
  available: number | null
}

export interface FreeResult {
  /** Bytes. */
  mem: FreeMem
  /** Bytes; all zero when the host has no swap. */
  swap: { total: number; used: number; free: number }
  /** available / total, in percent (one decimal); null without an `available` column. */
  memAvailablePercent: number | null
  /** used / total, in percent; 0 when there is no swap. */
  swapUsedPercent: number
  /** The host has swap configured (swap.total > 0). */
  hasSwap: boolean
}

const NAME = 'free'
const COLUMNS: Record<string, string> = {
  total: 'total', used: 'used', free: 'free', shared: 'shared', 'buff/cache': 'buffCache',
  buffers: 'buffers', cache: 'cache', cached: 'cache', available: 'available',
}

/**
 * Memory and swap in bytes, from `free -b` (also `free -b -w`, and the old procps layout with
 * `buffers cached` columns and a `-/+ buffers/cache:` line). Columns are read from the header.
 */
export const freeParser = defineParser<FreeResult>({
  name: NAME,
  describe: 'free -b (or free -b -w): memory and swap in bytes',
  fields: {
    mem: { total: 'int', used: 'int', free: 'int', shared: 'int', buffCache: 'int', available: 'int' },
    swap: { total: 'int', used: 'int', free: 'int' },
    memAvailablePercent: 'double', swapUsedPercent: 'double', hasSwap: 'bool',
  },
  parse(result) {
    const ls = requireOutput(NAME, result, 'the free -b header')
    const header = ls[0]!
    const cols = fieldsOf(header.text).map((c) => {
      const key = COLUMNS[c]
      if (!key) throw parseError(NAME, `unknown column ${JSON.stringify(c)} (expected free -b)`, header)
      return key
    })
    if (cols[0] !== 'total') throw parseError(NAME, 'expected a header starting with `total`', header)
    let mem: Record<string, number> | undefined
    let swap: Record<string, number> | undefined
    for (const line of ls.slice(1)) {
      const [label, ...values] = fieldsOf(line.text)
      if (label === '-/+') continue // old procps: `-/+ buffers/cache: used free`, derived from Mem
      const row = readRow(line, cols, values)
      if (label === 'Mem:') mem = row
      else if (label === 'Swap:') swap = row
      else if (label === 'Total:' || label === 'Low:' || label === 'High:') continue // free -t / -l
      else throw parseError(NAME, `unexpected row ${JSON.stringify(label)}`, line)
    }
    if (!mem) throw parseError(NAME, 'no `Mem:` row', ls[ls.length - 1])
    if (!swap) throw parseError(NAME, 'no `Swap:` row', ls[ls.length - 1])
    const buffCache = mem['buffCache'] ?? (mem['buffers'] !== undefined && mem['cache'] !== undefined ? mem['buffers'] + mem['cache'] : null)
    const m: FreeMem = {
      total: mem['total']!, used: mem['used'] ?? 0, free: mem['free'] ?? 0,
      shared: mem['shared'] ?? null, buffCache, available: mem['available'] ?? null,
    }
    const s = { total: swap['total']!, used: swap['used'] ?? 0, free: swap['free'] ?? 0 }
    return {
      mem: m,
      swap: s,
      memAvailablePercent: m.available === null ? null : percent(m.available, m.total),
      swapUsedPercent: percent(s.used, s.total),
      hasSwap: s.total > 0,
    }
  },
})

function readRow(line: Line, cols: string[], values: string[]): Record<string, number> {
  // The Swap row has only total/used/free: fewer values than columns is normal, more is not.
  if (values.length === 0 || values.length > cols.length) throw parseError(NAME, `expected up to ${cols.length} numbers`, line)
  const row: Record<string, number> = {}
  values.forEach((v, i) => {
    if (/^\d+(\.\d+)?[KMGTP]i?$|^\d+(\.\d+)?B$/.test(v)) throw parseError(NAME, 'human-readable sizes: run free -b', line)
    row[cols[i]!] = int(NAME, v, line, cols[i]!)
  })
  return row
}
