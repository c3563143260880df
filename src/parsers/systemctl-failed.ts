import { defineParser, parseError } from './registry.ts'
import { fieldsOf, lines, stderrLines, type Line } from './text.ts'

export interface ListedUnit {
  unit: string
  load: string
  active: string
  sub: string
  /** Pending job (`start`, `stop`, ...) or null. */
  job: string | null
  description: string
}

export interface SystemctlUnitsResult {
  /** `json` (`--output=json`), `plain` (`--no-legend --plain`) or `table` (the default, with header and legend). */
  format: 'json' | 'plain' | 'table'
  units: ListedUnit[]
  /** Unit names, in listing order. */
  names: string[]
  errors: string[]
}

const NAME = 'systemctl-failed'
const JOB_TYPES = new Set([
  'start',
  'stop',
  'reload',
  'restart',
  'try-restart',
  'reload-or-start',
  'verify-active',
  'verify-started',
  'nop',
])
const TRANSITIONS = new Set(['activating', 'deactivating', 'reloading', 'refreshing'])

/**
 * Units listed by `systemctl list-units --failed` (or any `--state=`, e.g. `--state=activating`):
 * `--output=json` (systemd 246+: unambiguous, prefer it), `--no-legend --plain`, or the default
 * table (header `UNIT LOAD ACTIVE SUB [JOB] DESCRIPTION`, `●` marks, legend). No unit at all is an
 * empty list: nothing printed with `--no-legend`, `[]` in JSON, `0 loaded units listed.` in a table.
 * Without JSON the JOB column is recognised only for units in a transition state (activating...),
 * where it is a job type; elsewhere the word belongs to the description.
 *
 * @example
 * // systemctl list-units --failed --output=json
 * // [{"unit":"makecache.service","load":"loaded","active":"failed","sub":"failed","description":"..."}]
 * // → { format: 'json', units: [{ unit: 'makecache.service', active: 'failed', job: null, ... }], names: ['makecache.service'] }
 */
export const systemctlFailedParser = defineParser<SystemctlUnitsResult>({
  name: NAME,
  describe: 'systemctl list-units --failed (or --state=STATE) --output=json, or --no-legend --plain, or the default table',
  fields: {
    format: 'string',
    units: [{ unit: 'string', load: 'string', active: 'string', sub: 'string', job: 'string', description: 'string' }],
    names: 'list<string>',
    errors: 'list<string>',
  },
  parse(result) {
    const errors = stderrLines(result)
    const text = result.stdout.trim()
    if (text === '') {
      if (result.exitCode !== 0)
        throw parseError(NAME, `no output and exit code ${result.exitCode}${errors[0] ? ` (stderr: ${errors[0]})` : ''}`)
      return { format: 'plain', units: [], names: [], errors }
    }
    if (text.startsWith('[')) return done('json', readJson(result.stdout), errors)
    const all = lines(result.stdout)
    const header = all.find((l) => l.text.trim() !== '')!
    if (/^\s*UNIT\s+LOAD\s+ACTIVE\s+SUB\s/.test(header.text)) {
      const rows: ListedUnit[] = []
      for (const line of all.slice(all.indexOf(header) + 1)) {
        if (line.text.trim() === '') break // the legend follows the blank line
        rows.push(readRow(line, line.text.replace(/^\s*[●*]?\s*/, '')))
      }
      return done('table', rows, errors)
    }
    if (/^0 loaded units listed\./.test(header.text)) return done('table', [], errors)
    return done(
      'plain',
      all.filter((l) => l.text.trim() !== '').map((l) => readRow(l, l.text.replace(/^\s*[●*]?\s*/, ''))),
      errors,
    )
  },
})

function done(format: SystemctlUnitsResult['format'], units: ListedUnit[], errors: string[]): SystemctlUnitsResult {
  return { format, units, names: units.map((u) => u.unit), errors }
}

function readRow(line: Line, text: string): ListedUnit {
  const f = fieldsOf(text)
  const [unit, load, active, sub] = f
  if (
    unit === undefined ||
    load === undefined ||
    active === undefined ||
    sub === undefined ||
    !/^[^\s=]+\.[a-z]+$/.test(unit) ||
    /=/.test(load)
  ) {
    throw parseError(NAME, 'expected `UNIT LOAD ACTIVE SUB [JOB] DESCRIPTION`', line)
  }
  const hasJob = TRANSITIONS.has(active) && f[4] !== undefined && JOB_TYPES.has(f[4])
  const rest = hasJob ? f.slice(5) : f.slice(4)
  return { unit, load, active, sub, job: hasJob ? f[4]! : null, description: rest.join(' ') }
}

function readJson(stdout: string): ListedUnit[] {
  let doc: unknown
  try {
    doc = JSON.parse(stdout)
  } catch (e) {
    throw parseError(NAME, `invalid JSON (${(e as Error).message})`, { number: 1, text: stdout.split('\n')[0] ?? '' })
  }
  if (!Array.isArray(doc)) throw parseError(NAME, 'expected a JSON array of units')
  return doc.map((u: unknown, i) => {
    const o = u as Record<string, unknown>
    const s = (k: string): string => (typeof o[k] === 'string' ? (o[k] as string) : '')
    if (typeof u !== 'object' || u === null || typeof o['unit'] !== 'string')
      throw parseError(NAME, `JSON entry ${i} has no "unit"`, { number: 1, text: JSON.stringify(u) })
    return {
      unit: s('unit'),
      load: s('load'),
      active: s('active'),
      sub: s('sub'),
      job: typeof o['job'] === 'string' && o['job'] !== '' ? (o['job'] as string) : null,
      description: s('description'),
    }
  })
}
