import { defineParser, parseError } from './registry.ts'
import { fieldsOf, int, percent, nonBlankLines, type Line } from './text.ts'

export interface SwapDevice {
  name: string
  type: string
  sizeBytes: number
  usedBytes: number
  priority: number
  raw: string
}

export interface SwaponResult {
  devices: SwapDevice[]
  totalBytes: number
  usedBytes: number
  /** used / total in percent (one decimal); 0 with no swap. */
  usedPercent: number
}

const NAME = 'swapon'
const DEFAULT_COLUMNS = ['NAME', 'TYPE', 'SIZE', 'USED', 'PRIO']

/**
 * Active swap areas, from `swapon --show --bytes --noheadings --raw` (default columns NAME TYPE
 * SIZE USED PRIO), or the same with a header (`--raw` or the aligned table without it), in which
 * case the header picks the columns. No swap prints nothing at all: an empty device list, exit 0.
 * `--raw` escapes spaces in names as `\x20`; they are decoded. Also `cat /proc/swaps` and
 * `swapon -s` (`Filename Type Size Used Priority`, sizes in KiB, converted to bytes).
 */
export const swaponParser = defineParser<SwaponResult>({
  name: NAME,
  describe: 'swapon --show --bytes [--noheadings] [--raw], or cat /proc/swaps / swapon -s',
  fields: {
    devices: [{ name: 'string', type: 'string', sizeBytes: 'int', usedBytes: 'int', priority: 'int', raw: 'string' }],
    totalBytes: 'int',
    usedBytes: 'int',
    usedPercent: 'double',
  },
  parse(result) {
    const ls = nonBlankLines(result.stdout)
    if (ls.length === 0 && result.exitCode !== 0) throw parseError(NAME, `no output and exit code ${result.exitCode}`)
    // `cat /proc/swaps` and `swapon -s` (its deprecated summary): a header of their own, KiB.
    if (ls[0] && PROC_SWAPS.test(ls[0].text)) return summary(ls.slice(1).map(readProcSwaps))
    let columns = DEFAULT_COLUMNS
    let rows = ls
    let aligned: Line | undefined
    if (ls[0] && /^NAME\s/.test(ls[0].text)) {
      columns = fieldsOf(ls[0].text)
      rows = ls.slice(1)
      // The aligned table (no --raw) pads and does not escape: names may hold spaces.
      if (/\s{2,}/.test(ls[0].text)) aligned = ls[0]
    }
    for (const c of ['NAME', 'SIZE', 'USED']) {
      if (!columns.includes(c)) throw parseError(NAME, `header lacks the ${c} column`, ls[0])
    }
    return summary(rows.map((line) => readDevice(line, columns, aligned)))
  },
})

function summary(devices: SwapDevice[]): SwaponResult {
  const totalBytes = devices.reduce((s, d) => s + d.sizeBytes, 0)
  const usedBytes = devices.reduce((s, d) => s + d.usedBytes, 0)
  return { devices, totalBytes, usedBytes, usedPercent: percent(usedBytes, totalBytes) }
}

/** The header of /proc/swaps (tab-separated), which `swapon -s` prints too. */
const PROC_SWAPS = /^Filename\s+Type\s+Size\s+Used\s+Priority\s*$/

/**
 * A /proc/swaps line: `/swapfile file 1048572 0 -2`, sizes in KiB. The kernel escapes a space,
 * tab, newline or backslash in the name as octal (`\040`); the name is the fields before the last four.
 */
function readProcSwaps(line: Line): SwapDevice {
  const f = fieldsOf(line.text)
  if (f.length < 5) throw parseError(NAME, 'expected `Filename Type Size Used Priority` (/proc/swaps)', line)
  const [type, size, used, prio] = f.slice(-4)
  return {
    name: f
      .slice(0, -4)
      .join(' ')
      .replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))),
    type: type!,
    sizeBytes: int(NAME, size, line, 'Size (KiB)') * 1024,
    usedBytes: int(NAME, used, line, 'Used (KiB)') * 1024,
    priority: int(NAME, prio, line, 'Priority'),
    raw: line.text,
  }
}

function readDevice(line: Line, columns: string[], aligned: Line | undefined): SwapDevice {
  let values = fieldsOf(line.text)
  if (aligned && values.length > columns.length) {
    // NAME is first and the only column that can hold spaces: join the overflow back into it.
    const extra = values.length - columns.length
    values = [values.slice(0, extra + 1).join(' '), ...values.slice(extra + 1)]
  }
  if (values.length !== columns.length) throw parseError(NAME, `expected ${columns.length} columns (${columns.join(' ')})`, line)
  const get = (c: string): string | undefined => values[columns.indexOf(c)]
  const sizeBytes = int(NAME, get('SIZE'), line, 'SIZE (run with --bytes)')
  return {
    name: get('NAME')!.replace(/\\x([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))),
    type: get('TYPE') ?? '',
    sizeBytes,
    usedBytes: int(NAME, get('USED'), line, 'USED'),
    priority: columns.includes('PRIO') ? int(NAME, get('PRIO'), line, 'PRIO') : 0,
    raw: line.text,
  }
}
