import { defineParser, parseError } from './registry.ts'
import { int, type Line, nonBlankLines, stderrLines, UNIT_POWER } from './text.ts'

export interface DfEntry {
  filesystem: string
  /** `df -T` only; null otherwise. */
  type: string | null
  mountpoint: string
  /** KiB in block mode, inodes in inode mode (from `-h` sizes: rounded, see `approximate`). */
  total: number
  used: number
  available: number
  /** `Capacity` / `Use%` / `IUse%` as a number; null where df prints `-` (proc, sysfs: no inodes). */
  usePercent: number | null
  raw: string
}

export interface DfResult {
  /** `kb`: sizes in KiB (`-P -k`, plain `df`, or `-h` converted); `inodes`: `-i`. Detected from the header. */
  mode: 'kb' | 'inodes'
  filesystems: DfEntry[]
  /** Highest usePercent of all filesystems, null when none has one. */
  maxUsePercent: number | null
  /** stderr lines, e.g. `df: /srv: No such file or directory` for a missing path argument. */
  errors: string[]
  /** Sizes were human-readable (`-h`, `-H`): converted, but only as exact as df printed them. */
  approximate: boolean
}

const NAME = 'df'
// `N-blocks` headers as GNU df prints them for -B: `1K-blocks`, `1024-blocks`, `512B-blocks`,
// `1B-blocks` (bytes), `1M-blocks` (powers of 1024), `1kB-blocks` / `1MB-blocks` (powers of 1000).
const SIZE_HEADERS = /^(?:(\d+)([kKMGTPE]?)(i?B)?-blocks|Size|Inodes)$/
// `-h` prints K M G T P E Z Y (powers of 1024); `-H` prints k for 1000 and the same capitals for
// powers of 1000, so capitals are read as powers of 1024 (within 7% for `-H`, hence `approximate`).
const HUMAN = /^(\d+(?:[.,]\d+)?)([kKMGTPEZY]?)$/

/**
 * Disk space or inode usage per filesystem, read by the header: `df -P -k` (`1024-blocks ...
 * Capacity`), plain `df` (`1K-blocks ... Use%`), `df -h` / `-H` (`Size Used Avail Use%`, sizes
 * converted to KiB and flagged `approximate`), `df -i` / `-ih` (`Inodes IUsed IFree IUse%`), each
 * with or without `-T` (Type column) and PATH arguments. `N-blocks` other than 1024 (`df -B`:
 * `1B-blocks`, `512B-blocks`, `1M-blocks`, `1MB-blocks`...) are converted to KiB; blocks larger than
 * 1 KiB are rounded up by df, so those KiB are flagged `approximate` too. A filesystem name that
 * old df wrapped onto its own line is joined with the next line.
 * A missing PATH is reported in `errors` (stderr), not thrown. Other columns (`--output`) and
 * translated headers are refused: run with LC_ALL=C.
 *
 * @example
 * // df -P -k /var
 * // Filesystem     1024-blocks     Used Available Capacity Mounted on
 * // /dev/vda         264212084 22881580  83509332      22% /
 * // → { mode: 'kb', filesystems: [{ mountpoint: '/', usePercent: 22, ... }], maxUsePercent: 22 }
 */
export const dfParser = defineParser<DfResult>({
  name: NAME,
  describe: 'df [-P] [-k|-h|-H|-i|-B SIZE] [-T] [PATH...] (header-driven; sizes in KiB, inode mode detected)',
  fields: {
    mode: 'string',
    filesystems: [
      {
        filesystem: 'string',
        type: 'string',
        mountpoint: 'string',
        total: 'int',
        used: 'int',
        available: 'int',
        usePercent: 'int',
        raw: 'string',
      },
    ],
    maxUsePercent: 'int',
    errors: 'list<string>',
    approximate: 'bool',
  },
  parse(result) {
    const errors = stderrLines(result)
    const all = nonBlankLines(result.stdout)
    const header = all[0]
    if (header === undefined) {
      // Every PATH argument missing: df prints no header, only errors, and exits 1.
      if (errors.length > 0 && result.exitCode !== 0)
        return { mode: 'kb', filesystems: [], maxUsePercent: null, errors, approximate: false }
      throw parseError(NAME, 'empty output, expected the df header')
    }
    const h = readHeader(header)
    const filesystems: DfEntry[] = []
    const body = all.slice(1)
    for (let i = 0; i < body.length; i++) {
      let line = body[i]!
      // Old df: a long device name alone on its line, the numbers on the next (indented) one.
      if (/^\S+$/.test(line.text) && body[i + 1] && /^\s/.test(body[i + 1]!.text)) {
        line = { number: line.number, text: `${line.text} ${body[i + 1]!.text.trim()}` }
        i++
      }
      filesystems.push(readRow(line, h))
    }
    const percents = filesystems.map((f) => f.usePercent).filter((p): p is number => p !== null)
    return {
      mode: h.mode,
      filesystems,
      maxUsePercent: percents.length > 0 ? Math.max(...percents) : null,
      errors,
      approximate: h.rounded === true,
    }
  },
})

interface Header {
  mode: DfResult['mode']
  blockSize: number
  human: boolean
  typed: boolean
  rounded?: boolean
  /** The unit df writes after each number with -B<unit> (`K`, `MB`); '' for plain numbers. */
  unit?: string
}

function readHeader(line: Line): Header {
  const m = /^Filesystem\s+(Type\s+)?(\S+)\s+(?:Used|IUsed)\s+(?:Available|Avail|IFree)\s+(?:Capacity|Use%|IUse%)\s+Mounted on\s*$/.exec(
    line.text,
  )
  const size = m ? SIZE_HEADERS.exec(m[2]!) : null
  if (!m || !size)
    throw parseError(
      NAME,
      'expected a df header (`Filesystem [Type] 1K-blocks|Size|Inodes Used Avail Use% Mounted on`; run with LC_ALL=C)',
      line,
    )
  const typed = m[1] !== undefined
  if (m[2] === 'Inodes') return { mode: 'inodes', blockSize: 1, human: false, typed }
  if (m[2] === 'Size') return { mode: 'kb', blockSize: 0, human: true, typed }
  // A unit letter followed by a bare B is decimal (kB, MB); alone or with iB it is binary (K, MiB).
  const base = size[3] === 'B' && size[2] ? 1000 : 1024
  const blockSize = Number(size[1]) * base ** (UNIT_POWER[size[2] ?? ''] ?? 0)
  if (!(blockSize > 0)) throw parseError(NAME, `expected a block size in the header, got ${JSON.stringify(m[2])}`, line)
  // df rounds up to whole blocks: unless a block divides 1 KiB, the KiB are approximate.
  // With a unit letter (-BK, -BM, -BMB) df also writes it after every number (`258020M`).
  return { mode: 'kb', blockSize, human: false, typed, rounded: 1024 % blockSize !== 0, unit: `${size[2] ?? ''}${size[3] ?? ''}` }
}

function readRow(line: Line, h: Header): DfEntry {
  const num = String.raw`(\S+)`
  const re = new RegExp(String.raw`^(\S.*?)\s+${h.typed ? String.raw`(\S+)\s+` : '()'}${num}\s+${num}\s+${num}\s+(\d+%|-)\s+(\/.*|-)$`)
  const m = re.exec(line.text)
  if (!m) throw parseError(NAME, `expected \`filesystem${h.typed ? ' type' : ''} total used available use% mountpoint\``, line)
  const value = (v: string, what: string): number => {
    // Inode counts in `df -ih` are human too; the header alone does not say it.
    const human = HUMAN.exec(v)
    if (h.human || (h.mode === 'inodes' && human && human[2] !== '')) {
      h.rounded = true
      if (!human) throw parseError(NAME, `expected a size like 1.5G for ${what}, got ${JSON.stringify(v)}`, line)
      const n = Number(human[1]!.replace(',', '.')) * 1024 ** UNIT_POWER[human[2]!]!
      return Math.round(h.mode === 'kb' ? n / 1024 : n)
    }
    const n = int(NAME, h.unit && v.endsWith(h.unit) ? v.slice(0, -h.unit.length) : v, line, what)
    return h.mode === 'kb' && h.blockSize !== 1024 ? Math.ceil((n * h.blockSize) / 1024) : n
  }
  const pct = m[6]!
  return {
    filesystem: m[1]!,
    type: h.typed ? m[2]! : null,
    mountpoint: m[7]!,
    total: value(m[3]!, 'total'),
    used: value(m[4]!, 'used'),
    available: value(m[5]!, 'available'),
    usePercent: pct === '-' ? null : Number(pct.slice(0, -1)),
    raw: line.text,
  }
}
