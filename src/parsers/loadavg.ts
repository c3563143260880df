import { defineParser, parseError } from './registry.ts'
import { fieldsOf, int, num, requireOutput } from './text.ts'

export interface LoadavgResult {
  load1: number
  load5: number
  load15: number
  /** Runnable scheduling entities right now (`2` of `2/345`). */
  running: number
  /** All scheduling entities (processes and threads) (`345` of `2/345`). */
  tasks: number
  lastPid: number
  /** From `nproc` on the second line; null when it was not run. */
  cpus: number | null
  /** Load divided by cpus (two decimals); null without `nproc`. A value above 1 means a queue. */
  perCpu: { load1: number; load5: number; load15: number } | null
}

const NAME = 'loadavg'

/**
 * Load averages from `/proc/loadavg`, optionally with the CPU count.
 *
 * Expects `cat /proc/loadavg` (`0.10 0.10 0.05 1/86 5034`), optionally followed by the output
 * of `nproc` on the next line: run `cat /proc/loadavg; nproc` so a runbook can compare load
 * with CPUs (`result.perCpu.load5 > 2.0`).
 */
export const loadavgParser = defineParser<LoadavgResult>({
  name: NAME,
  describe: 'cat /proc/loadavg, optionally followed by nproc (cat /proc/loadavg; nproc)',
  fields: {
    load1: 'double',
    load5: 'double',
    load15: 'double',
    running: 'int',
    tasks: 'int',
    lastPid: 'int',
    cpus: 'int',
    perCpu: { load1: 'double', load5: 'double', load15: 'double' },
  },
  parse(result) {
    const ls = requireOutput(NAME, result, 'the line of /proc/loadavg')
    const first = ls[0]!
    const f = fieldsOf(first.text)
    const sched = /^(\d+)\/(\d+)$/.exec(f[3] ?? '')
    if (f.length !== 5 || !sched) throw parseError(NAME, 'expected `load1 load5 load15 running/tasks lastpid` (/proc/loadavg)', first)
    const load1 = num(NAME, f[0], first, 'load1')
    const load5 = num(NAME, f[1], first, 'load5')
    const load15 = num(NAME, f[2], first, 'load15')
    let cpus: number | null = null
    const second = ls[1]
    if (second !== undefined) {
      if (!/^\s*\d+\s*$/.test(second.text)) throw parseError(NAME, 'expected the output of nproc (a CPU count) after /proc/loadavg', second)
      cpus = int(NAME, second.text.trim(), second, 'CPU count')
      if (cpus === 0) throw parseError(NAME, 'nproc reported 0 CPUs', second)
    }
    const extra = ls[2]
    if (extra !== undefined) throw parseError(NAME, 'unexpected line after /proc/loadavg and nproc', extra)
    const per = (l: number): number => Math.round((l / cpus!) * 100) / 100
    return {
      load1,
      load5,
      load15,
      running: Number(sched[1]),
      tasks: Number(sched[2]),
      lastPid: int(NAME, f[4], first, 'last pid'),
      cpus,
      perCpu: cpus === null ? null : { load1: per(load1), load5: per(load5), load15: per(load15) },
    }
  },
})
