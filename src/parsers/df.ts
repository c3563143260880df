import { defineParser, parseError } from './registry.ts'
import { int, nonBlankLines, stderrLines, type Line } from './text.ts'

export interface DfEntry {
  filesystem: string
  mountpoint: string
  /** KiB in block mode, inodes in inode mode. */
  total: number
  used: number
  available: number
  /** `Capacity` / `IUse%` as a number; null where df prints `-` (proc, sysfs: no inodes). */
  usePercent: number | null
  raw: string
}

export interface DfResult {
  /** `kb`: `df -P -k` (sizes in KiB); `inodes`: `df -P -i`. Detected from the header. */
  mode: 'kb' | 'inodes'
  filesystems: DfEntry[]
  /** Highest usePercent of all filesystems, null when none has one. */
  maxUsePercent: number | null
  /** stderr lines, e.g. `df: /srv: No such file or directory` for a missing path argument. */
  errors: string[]
}

const NAME = 'df'
// POSIX format always has six columns; the filesystem is non-greedy so that a mount point with
// spaces (`/tmp/rbcap full`) stays whole.
const ROW = /^(\S.*?)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+%|-)\s+(\/.*|-)$/

/**
 * Disk space or inode usage per filesystem.
 *
 * Expects POSIX output: `df -P -k [PATH...]` (header `Filesystem 1024-blocks Used Available
 * Capacity Mounted on`) or `df -P -i [PATH...]` (header `Filesystem Inodes IUsed IFree IUse%
 * Mounted on`). `N-blocks` headers other than 1024 (plain `df -P` with POSIXLY_CORRECT) are
 * converted to KiB. Human sizes (`-h`) are refused: compare numbers, not strings.
 *
 * @example
 * // df -P -k /var
 * // Filesystem     1024-blocks     Used Available Capacity Mounted on
 * // /dev/vda         264212084 22881580  83509332      22% /
 * // → { mode: 'kb', filesystems: [{ mountpoint: '/', usePercent: 22, ... }], maxUsePercent: 22 }
 */
export const dfParser = defineParser<DfResult>({
  name: NAME,
  describe: 'df -P -k [PATH...] or df -P -i [PATH...] (POSIX format; inode mode detected from the header)',
  fields: { mode: 'string', filesystems: 'list', maxUsePercent: 'int', errors: 'list' },
  parse(result) {
    const errors = stderrLines(result)
    const all = nonBlankLines(result.stdout)
    const header = all[0]
    if (header === undefined) {
      // Every PATH argument missing: df prints no header, only errors, and exits 1.
      if (errors.length > 0 && result.exitCode !== 0) return { mode: 'kb', filesystems: [], maxUsePercent: null, errors }
      throw parseError(NAME, 'empty output, expected the df -P header')
    }
    const { mode, blockSize } = readHeader(header)
    const filesystems = all.slice(1).map((line) => readRow(line, mode, blockSize))
    const percents = filesystems.map((f) => f.usePercent).filter((p): p is number => p !== null)
    return {
      mode,
      filesystems,
      maxUsePercent: percents.length > 0 ? Math.max(...percents) : null,
      errors,
    }
  },
})

function readHeader(line: Line): { mode: DfResult['mode']; blockSize: number } {
  const h = line.text
  if (/^Filesystem\s+Inodes\s+IUsed\s+IFree\s+IUse%\s+Mounted on\s*$/.test(h)) return { mode: 'inodes', blockSize: 0 }
  const m = /^Filesystem\s+(\d+)-blocks\s+Used\s+Available\s+Capacity\s+Mounted on\s*$/.exec(h)
  if (m) return { mode: 'kb', blockSize: Number(m[1]) }
  throw parseError(NAME, 'expected the POSIX header of `df -P -k` or `df -P -i`', line)
}

function readRow(line: Line, mode: DfResult['mode'], blockSize: number): DfEntry {
  const m = ROW.exec(line.text)
  if (!m) throw parseError(NAME, 'expected `filesystem total used available use% mountpoint`', line)
  const scale = (v: string | undefined, what: string): number => {
    const n = int(NAME, v, line, what)
    return mode === 'kb' && blockSize !== 1024 ? Math.ceil((n * blockSize) / 1024) : n
  }
  const pct = m[5]!
  return {
    filesystem: m[1]!,
    mountpoint: m[6]!,
    total: scale(m[2], 'total'),
    used: scale(m[3], 'used'),
    available: scale(m[4], 'available'),
    usePercent: pct === '-' ? null : Number(pct.slice(0, -1)),
    raw: line.text,
  }
}
