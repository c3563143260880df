import { defineParser, parseError } from './registry.ts'
import { int, percent, requireOutput } from './text.ts'

export interface MeminfoResult {
  /** Every line: name → value as printed (KiB for `kB` lines, a count for HugePages_*). */
  values: Record<string, number>
  memTotalKb: number
  memFreeKb: number
  /** Null on kernels before 3.14 (no MemAvailable line). */
  memAvailableKb: number | null
  swapTotalKb: number
  swapFreeKb: number
  memAvailablePercent: number | null
  swapUsedPercent: number
  hasSwap: boolean
}

const NAME = 'meminfo'

/**
 * `/proc/meminfo` (`cat /proc/meminfo`). Values stay in KiB as the kernel prints them: in bytes
 * some (VmallocTotal: 34359738367 kB) would exceed what a JSON number holds exactly.
 */
export const meminfoParser = defineParser<MeminfoResult>({
  name: NAME,
  describe: 'cat /proc/meminfo (values in KiB)',
  fields: {
    values: { '*': 'int' },
    memTotalKb: 'int',
    memFreeKb: 'int',
    memAvailableKb: 'int',
    swapTotalKb: 'int',
    swapFreeKb: 'int',
    memAvailablePercent: 'double',
    swapUsedPercent: 'double',
    hasSwap: 'bool',
  },
  parse(result) {
    const ls = requireOutput(NAME, result, '/proc/meminfo lines')
    const values: Record<string, number> = {}
    for (const line of ls) {
      const m = /^([A-Za-z0-9_()]+):\s+(\S+)(?:\s+kB)?\s*$/.exec(line.text)
      if (!m) throw parseError(NAME, 'expected `Name:   value kB`', line)
      values[m[1]!] = int(NAME, m[2], line, m[1]!)
    }
    const need = (k: string): number => {
      const v = values[k]
      if (v === undefined) throw parseError(NAME, `no ${k} line (is this /proc/meminfo?)`, ls[ls.length - 1])
      return v
    }
    const memTotalKb = need('MemTotal')
    const swapTotalKb = need('SwapTotal')
    const swapFreeKb = need('SwapFree')
    const memAvailableKb = values['MemAvailable'] ?? null
    return {
      values,
      memTotalKb,
      memFreeKb: need('MemFree'),
      memAvailableKb,
      swapTotalKb,
      swapFreeKb,
      memAvailablePercent: memAvailableKb === null ? null : percent(memAvailableKb, memTotalKb),
      swapUsedPercent: percent(swapTotalKb - swapFreeKb, swapTotalKb),
      hasSwap: swapTotalKb > 0,
    }
  },
})
