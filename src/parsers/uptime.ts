import { firstProblem, hasFlag } from './command-check.ts'
import { defineParser, parseError } from './registry.ts'
import { num, requireOutput } from './text.ts'

export interface UptimeResult {
  /** Wall-clock time of the host as printed (`05:31:46`), in its own time zone. */
  time: string
  /** Time since boot, to the minute (uptime prints no seconds). */
  uptimeSeconds: number
  /** Logged-in users; null when the field is missing. */
  users: number | null
  load1: number
  load5: number
  load15: number
  raw: string
}

const NAME = 'uptime'
// `up 6 min`, `up  1:02`, `up 3 days,  4:05`, `up 1 day, 12 min`, `up 2 days`
const LINE = /^\s*(\d{1,2}:\d{2}:\d{2})\s+up\s+(.*?),\s+(?:(\d+)\s+users?,\s+)?load averages?:\s+(\S+?),?\s+(\S+?),?\s+(\S+)\s*$/

/** What `uptime -p` and `uptime -s` print instead, and what to run for this parser. */
const OTHER_FORMS =
  'uptime -p (`up 1 week, 4 days, 13 hours`) and -s (the boot time) print neither the time nor the load: run plain `uptime`'

/**
 * Uptime, users and load, from plain `uptime` (procps, and BusyBox's, which prints the same line),
 * e.g. ` 05:31:46 up 7 min,  0 user,  load average: 0.10, 0.10, 0.05`; the time up reads as
 * procps prints it (`0 min`, ` 1:01`, `1 day, 0 min`, `11 days, 13:46`). Also accepts a comma
 * decimal separator (`0,10, 0,10, 0,05`) from non-English locales. `uptime -p` and `-s` are
 * refused, by validation when the command says so.
 */
export const uptimeParser = defineParser<UptimeResult>({
  name: NAME,
  describe: 'uptime (procps or BusyBox default format)',
  fields: { time: 'string', uptimeSeconds: 'int', users: 'int', load1: 'double', load5: 'double', load15: 'double', raw: 'string' },
  checkCommand: (command) =>
    firstProblem(command, 'uptime', ({ options }) => {
      const other = hasFlag(options, 'p', ['--pretty'], '') ?? hasFlag(options, 's', ['--since'], '')
      return other ? { offset: other.offset, message: OTHER_FORMS } : null
    }),
  parse(result) {
    const ls = requireOutput(NAME, result, 'one uptime line')
    const line = ls[0]!
    if (ls.length > 1) throw parseError(NAME, 'expected a single uptime line', ls[1])
    if (
      /^up\s+\d+\s+(?:year|week|day|hour|minute)s?\b/.test(line.text.trim()) ||
      /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(line.text.trim())
    )
      throw parseError(NAME, `this is the output of uptime -p or -s: ${OTHER_FORMS}`, line)
    // A comma locale prints `0,10, 0,10, 0,05`: separate the three values on ", " first.
    const text = line.text.replace(/(\d),(\d)/g, '$1.$2')
    const m = LINE.exec(text)
    if (!m) throw parseError(NAME, 'expected `HH:MM:SS up ..., N users, load average: a, b, c`', line)
    return {
      time: m[1]!,
      uptimeSeconds: durationSeconds(m[2]!, line),
      users: m[3] === undefined ? null : Number(m[3]),
      load1: num(NAME, m[4], line, 'load1'),
      load5: num(NAME, m[5], line, 'load5'),
      load15: num(NAME, m[6], line, 'load15'),
      raw: line.text,
    }
  },
})

function durationSeconds(text: string, line: { number: number; text: string }): number {
  let seconds = 0
  for (const part of text.split(/,\s*/)) {
    const p = part.trim()
    let m: RegExpExecArray | null
    if ((m = /^(\d+)\s+days?$/.exec(p))) seconds += Number(m[1]) * 86400
    else if ((m = /^(\d+):(\d{2})$/.exec(p))) seconds += Number(m[1]) * 3600 + Number(m[2]) * 60
    else if ((m = /^(\d+)\s+min$/.exec(p))) seconds += Number(m[1]) * 60
    else if ((m = /^(\d+)\s+(?:hr|hrs|hours?)$/.exec(p))) seconds += Number(m[1]) * 3600
    else throw parseError(NAME, `cannot read the uptime part ${JSON.stringify(p)}`, line)
  }
  return seconds
}
