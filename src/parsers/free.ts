import { firstProblem, type Word } from './command-check.ts'
import { defineParser, parseError, type Parser } from './registry.ts'
import { fieldsOf, type Line, percent, requireOutput, UNIT_POWER } from './text.ts'

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

/** The unit the numbers were printed in: bytes (`-b`), KiB (`-k`, the default), MiB, GiB, or `human` (`-h`). */
export type FreeUnit = 'B' | 'KiB' | 'MiB' | 'GiB' | 'human'

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
  /** How the numbers were printed; every value above is converted to bytes. */
  unit: FreeUnit
  /** Values were rounded by free (`-m`, `-g`, `-h`): bytes are exact only to that unit. */
  approximate: boolean
}

const COLUMNS: Record<string, string> = {
  total: 'total',
  used: 'used',
  free: 'free',
  shared: 'shared',
  'buff/cache': 'buffCache',
  buffers: 'buffers',
  cache: 'cache',
  cached: 'cache',
  available: 'available',
}
const FIELDS = {
  mem: { total: 'int', used: 'int', free: 'int', shared: 'int', buffCache: 'int', available: 'int' },
  swap: { total: 'int', used: 'int', free: 'int' },
  memAvailablePercent: 'double',
  swapUsedPercent: 'double',
  hasSwap: 'bool',
  unit: 'string',
  approximate: 'bool',
} as const
const FACTOR: Record<Exclude<FreeUnit, 'human'>, number> = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 }
// procps `-h`: `B`, `Ki`..`Pi` (procps-ng >= 3.3.13), bare `K`..`P` in older releases (still powers
// of 1024) and with `--si` (powers of 1000: free prints the same letters, so they cannot be told
// apart; validation refuses --si, see checkCommand).
const HUMAN = /^(\d+(?:[.,]\d+)?)(B|[KMGTPE]i?)$/

/**
 * Memory and swap, always returned in bytes. `free -b` and `free -h` say their unit in the output
 * (bytes are detected: the kernel counts memory in KiB, so every byte value is a multiple of 1024);
 * the plain numbers of `free`, `free -k`, `-m` and `-g` do not, so they are refused here unless the
 * unit is declared by the parser's name: `parse: free-k`, `free-m`, `free-g`. Columns are read from
 * the header (also `-w`, `-t`, `-l`, and the old procps `buffers cached` layout with its
 * `-/+ buffers/cache:` line). `free -s N -c M` prints M samples: the last one is returned. Needs
 * the C locale's header (`LC_ALL=C free ...`).
 */
export const freeParser = makeFree('free', null, 'free -b, free -h (also -w, -t; unit detected): memory and swap in bytes')
/** `free` / `free -k`: KiB declared. */
export const freeKParser = makeFree('free-k', 'KiB', 'free or free -k (KiB declared; also -w, -t): memory and swap in bytes')
/** `free -m`: MiB declared. */
export const freeMParser = makeFree('free-m', 'MiB', 'free -m (MiB declared; also -w, -t): memory and swap in bytes (rounded to MiB)')
/** `free -g`: GiB declared. */
export const freeGParser = makeFree('free-g', 'GiB', 'free -g (GiB declared; also -w, -t): memory and swap in bytes (rounded to GiB)')

function makeFree(name: string, declared: Exclude<FreeUnit, 'human' | 'B'> | null, describe: string): Parser<FreeResult> {
  return defineParser<FreeResult>({
    name,
    describe,
    fields: FIELDS,
    checkCommand: (command) =>
      firstProblem(command, 'free', ({ program, options }) => {
        const printed = printedUnit(options)
        // --si turns -k, -m, -g, -h and the default into powers of 1000 (`25G`, `25276510` kB),
        // which read the same as the powers of 1024 they replace; bytes stay bytes.
        const si = options.find((w) => w.text === '--si')
        if (si && printed.unit !== 'B')
          return {
            offset: si.offset,
            message: 'free --si prints powers of 1000 that read the same as KiB, MiB or GiB: drop --si (or use free -b)',
          }
        const wanted = declared === null ? ['B', 'human'] : [declared]
        if (wanted.includes(printed.unit)) return null
        const what = printed.unit === 'human' ? 'human sizes (-h)' : printed.unit === 'B' ? 'bytes' : printed.unit
        const fix =
          declared === null
            ? printed.unit === 'KiB'
              ? 'add -b (or -h), or say the unit: parse: free-k'
              : `add -b, or say the unit: parse: free-${printed.unit[0]!.toLowerCase()}`
            : `the ${name} parser reads ${declared}: use ${declared === 'KiB' ? 'free -k' : declared === 'MiB' ? 'free -m' : 'free -g'}, or parse: free with free -b`
        return { offset: (printed.at ?? program).offset, message: `free prints ${what} here: ${fix}` }
      }),
    parse(result) {
      const ls = requireOutput(name, result, 'the free header (`total used free ...`)')
      const header = ls[0]!
      const cols = fieldsOf(header.text).map((c) => {
        const key = COLUMNS[c]
        if (!key) throw parseError(name, `unknown column ${JSON.stringify(c)} (run free with LC_ALL=C)`, header)
        return key
      })
      if (cols[0] !== 'total') throw parseError(name, 'expected a header starting with `total`', header)
      let mem: { line: Line; values: string[] } | undefined
      let swap: { line: Line; values: string[] } | undefined
      for (const line of ls.slice(1)) {
        const [label, ...values] = fieldsOf(line.text)
        if (label === '-/+') continue // old procps: `-/+ buffers/cache: used free`, derived from Mem
        // `free -s N [-c M]` prints a sample, a blank line, and the header again: the last sample counts.
        if (line.text.trim() === header.text.trim()) {
          mem = swap = undefined
          continue
        }
        if (values.length === 0 || values.length > cols.length)
          throw parseError(name, `expected a label and up to ${cols.length} values`, line)
        if (label === 'Mem:') {
          if (mem) throw parseError(name, 'a second `Mem:` row (free -s/-c repeats: run it once)', line)
          mem = { line, values }
        } else if (label === 'Swap:') swap = { line, values }
        else if (label === 'Total:' || label === 'Low:' || label === 'High:' || label === 'Comm:')
          continue // -t / -l / --committed
        else throw parseError(name, `unexpected row ${JSON.stringify(label)}`, line)
      }
      if (!mem) throw parseError(name, 'no `Mem:` row', ls[ls.length - 1])
      if (!swap) throw parseError(name, 'no `Swap:` row', ls[ls.length - 1])
      const human = [mem, swap].some((r) => r.values.some((v) => /[A-Za-z]$/.test(v)))
      let unit: FreeUnit
      if (human) {
        if (declared) throw parseError(name, `sizes carry a unit (free -h): use parse: free, not ${name}`, mem.line)
        unit = 'human'
      } else if (declared) {
        unit = declared
      } else {
        const nums = mem.values.map((v) => Number(v))
        const looksBytes = nums.every((n) => n % 1024 === 0) && nums.filter((n) => n > 0).length >= 3 && (nums[0] ?? 0) >= 1024 ** 2
        if (!looksBytes) {
          throw parseError(
            name,
            'plain numbers that are not bytes (free prints KiB by default): run free -b or -h, or declare the unit with parse: free-k, free-m or free-g',
            mem.line,
          )
        }
        unit = 'B'
      }
      const m = readRow(name, mem.line, cols, mem.values, unit)
      const s = readRow(name, swap.line, cols, swap.values, unit)
      const buffCache = m['buffCache'] ?? (m['buffers'] !== undefined && m['cache'] !== undefined ? m['buffers'] + m['cache'] : null)
      const out: FreeMem = {
        total: m['total']!,
        used: m['used'] ?? 0,
        free: m['free'] ?? 0,
        shared: m['shared'] ?? null,
        buffCache,
        available: m['available'] ?? null,
      }
      const sw = { total: s['total']!, used: s['used'] ?? 0, free: s['free'] ?? 0 }
      return {
        mem: out,
        swap: sw,
        memAvailablePercent: out.available === null ? null : percent(out.available, out.total),
        swapUsedPercent: percent(sw.used, sw.total),
        hasSwap: sw.total > 0,
        unit,
        approximate: unit !== 'B' && unit !== 'KiB',
      }
    },
  })
}

function readRow(name: string, line: Line, cols: string[], values: string[], unit: FreeUnit): Record<string, number> {
  const row: Record<string, number> = {}
  values.forEach((v, i) => {
    const col = cols[i]!
    if (unit === 'human') {
      const h = HUMAN.exec(v)
      if (!h) throw parseError(name, `expected a size like 1.5Gi for ${col}, got ${JSON.stringify(v)}`, line)
      const letter = h[2]!
      const exp = letter === 'B' ? 0 : UNIT_POWER[letter[0]!]!
      row[col] = Math.round(Number(h[1]!.replace(',', '.')) * 1024 ** exp)
      return
    }
    if (!/^\d+$/.test(v)) throw parseError(name, `expected an integer for ${col}, got ${JSON.stringify(v)}`, line)
    const n = Number(v) * FACTOR[unit]
    if (!Number.isSafeInteger(n)) throw parseError(name, `${col} ${v} is too large for a JSON number`, line)
    row[col] = n
  })
  return row
}

/** The unit free prints with these options (the last unit option wins; -h over all), and the option that set it. */
function printedUnit(options: Word[]): { unit: string; at: Word | undefined } {
  const UNITS: Record<string, string> = { b: 'B', k: 'KiB', m: 'MiB', g: 'GiB' }
  const LONG: Record<string, string> = {
    '--bytes': 'B',
    '--kibi': 'KiB',
    '--kilo': 'kB',
    '--mebi': 'MiB',
    '--mega': 'MB',
    '--gibi': 'GiB',
    '--giga': 'GB',
    '--tebi': 'TiB',
    '--tera': 'TB',
    '--pebi': 'PiB',
    '--peta': 'PB',
  }
  let unit = 'KiB'
  let at: Word | undefined
  for (const w of options) {
    if (w.text === '-h' || w.text === '--human' || (/^-[^-]/.test(w.text) && /^[^sc]*h/.test(w.text.slice(1))))
      return { unit: 'human', at: w }
    const long = LONG[w.text]
    if (long) {
      unit = long
      at = w
      continue
    }
    if (!/^-[^-]/.test(w.text)) continue
    for (const c of w.text.slice(1)) {
      if (c === 's' || c === 'c') break // -s SECONDS, -c COUNT: the rest is their value
      if (UNITS[c]) {
        unit = UNITS[c]!
        at = w
      }
    }
  }
  return { unit, at }
}
