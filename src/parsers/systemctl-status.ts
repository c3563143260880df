import { defineParser, parseError } from './registry.ts'
import { lines, stderrLines, type Line } from './text.ts'

export interface StatusProcess {
  pid: number
  /** `ExecStartPre=/usr/sbin/sshd -t` (a `Process:` line) or the command of a CGroup line. */
  command: string
  /** `code=exited, status=0/SUCCESS`; null while running. */
  code: string | null
}

export interface UnitStatus {
  id: string
  description: string | null
  /** `loaded`, `not-found`, `masked`, `bad-setting`, `error`. */
  loadState: string | null
  unitFile: string | null
  /** `enabled`, `disabled`, `static`, `masked`, `indirect`, ...; null when not printed. */
  enabled: string | null
  /** `enabled` / `disabled` from `preset: x` (or `vendor preset: x` before systemd 250). */
  preset: string | null
  /** `active`, `inactive`, `failed`, `activating`, `deactivating`, `reloading`, `maintenance`. */
  activeState: string | null
  /** `running`, `dead`, `exited`, `start`, `auto-restart`, ... (in parentheses after the state). */
  subState: string | null
  /** `(Result: timeout)` of a failed unit; null otherwise. */
  result: string | null
  /** `since Fri 2026-11-27 05:13:20 UTC` as printed; null when absent. */
  since: string | null
  mainPid: number | null
  /** `sshd` while running, `code=killed, signal=KILL` when it ended; null without a Main PID line. */
  mainProcess: string | null
  /** Ended processes (`Process:` lines) and, while running, the CGroup tree's processes. */
  processes: StatusProcess[]
  tasks: number | null
  /** `Memory:` as printed (`2.1M`, `1.5M (peak: 3.2M)`). */
  memory: string | null
  /** `Status: "Ready."` without quotes. */
  statusText: string | null
  /** `Condition: start condition failed at ...` / `unmet condition check (ConditionPathExists=...)`. */
  condition: string | null
  /** Every `Key: value` line as printed (continuation lines joined with a newline). */
  fields: Record<string, string>
  /** The journal lines printed under the unit (`-n 0` prints none). */
  journal: string[]
  failed: boolean
}

export interface SystemctlStatusResult {
  units: UnitStatus[]
  /** Ids of units whose Active state is `failed`. */
  failed: string[]
  /** Units systemctl could not find (`Unit x.service could not be found.` on stderr, exit 4). */
  notFound: string[]
  /** false when there is no systemd to ask (`System has not been booted with systemd`, `Failed to connect to bus`). */
  systemdRunning: boolean
  /** stderr lines, verbatim (`Warning: The unit file ... changed on disk`). */
  errors: string[]
}

const NAME = 'systemctl-status'
const TYPES = 'service|socket|target|timer|mount|automount|swap|path|slice|scope|device'
// `● ssh.service - OpenBSD Secure Shell server`; `○` inactive, `×` failed, `↻` reloading (systemd ≥ 248),
// `*` in a non-UTF-8 locale; old systemd prints `●` for every state.
const HEADER = new RegExp(String.raw`^(?:[●○×↻✗✓*] )?(\S+\.(?:${TYPES}))(?: - (.*))?$`)
// Keys are right-aligned to `Main PID:`; a longer one (`TriggeredBy:`) starts at column 0.
const FIELD = /^\s{0,12}([A-Z][A-Za-z ]*?|IO|IP|CPU): (.*)$/
const NOT_FOUND = /^Unit (\S+) could not be found\.$/
const NO_SYSTEMD = /System has not been booted with systemd|Failed to connect to bus|Failed to get D-Bus connection/

/**
 * Units as `systemctl status UNIT...` prints them (systemd 219 to 257): the header with its state
 * bullet, `Loaded:`, `Active:` (state, sub-state, `Result:`, since), `Main PID:`, `Process:`
 * lines, Tasks, Memory, Status, Condition, the CGroup tree and the journal lines. A unit that is
 * not found is listed in `notFound` (exit 4); a host without systemd gives `systemdRunning: false`.
 * Read with `--no-pager`; `-l` keeps long lines whole. `systemctl status` without a unit (the
 * host's summary) is refused: name the units.
 *
 * @example
 * // result.units.exists(u, u.id == 'makecache.service' && u.result == 'timeout')
 */
export const systemctlStatusParser = defineParser<SystemctlStatusResult>({
  name: NAME,
  describe: 'systemctl status [--no-pager] [-l] [-n N] UNIT...: state, result, main process, journal lines',
  fields: {
    units: [
      {
        id: 'string',
        description: 'string',
        loadState: 'string',
        unitFile: 'string',
        enabled: 'string',
        preset: 'string',
        activeState: 'string',
        subState: 'string',
        result: 'string',
        since: 'string',
        mainPid: 'int',
        mainProcess: 'string',
        processes: [{ pid: 'int', command: 'string', code: 'string' }],
        tasks: 'int',
        memory: 'string',
        statusText: 'string',
        condition: 'string',
        fields: { '*': 'string' },
        journal: 'list<string>',
        failed: 'bool',
      },
    ],
    failed: 'list<string>',
    notFound: 'list<string>',
    systemdRunning: 'bool',
    errors: 'list<string>',
  },
  parse(result) {
    const errors = stderrLines(result)
    const notFound = errors.map((e) => NOT_FOUND.exec(e)?.[1]).filter((x): x is string => x !== undefined)
    const all = lines(result.stdout)
    const units: UnitStatus[] = []
    let unit: UnitStatus | undefined
    let lastKey: string | undefined
    let inJournal = false
    for (const line of all) {
      const t = line.text
      const h = HEADER.exec(t)
      if (h && (inJournal || !unit || t.trim() === '' || !/^\s/.test(t))) {
        unit = emptyUnit(h[1]!, h[2] ?? null)
        units.push(unit)
        lastKey = undefined
        inJournal = false
        continue
      }
      if (!unit) {
        if (t.trim() === '') continue
        throw parseError(NAME, 'expected a unit header (`● name.service - Description`); name the units (systemctl status UNIT)', line)
      }
      if (t.trim() === '') {
        inJournal = true
        continue
      }
      if (inJournal) {
        unit.journal.push(t)
        continue
      }
      // Lines systemctl prints between fields (`Warning: The unit file ... changed on disk`, `Notice: ...`).
      if (/^(?:Warning|Notice|Hint): /.test(t)) {
        unit.journal.push(t)
        continue
      }
      const f = FIELD.exec(t)
      if (f) {
        lastKey = f[1]!.trim()
        unit.fields[lastKey] = unit.fields[lastKey] === undefined ? f[2]! : `${unit.fields[lastKey]}\n${f[2]!}`
        continue
      }
      if (/^\s+\S/.test(t) && lastKey !== undefined) {
        unit.fields[lastKey] += `\n${t.trim()}`
        continue
      }
      throw parseError(NAME, 'expected `Key: value`, its continuation, or a journal line after a blank line', line)
    }
    for (const u of units) readFields(u, all)
    const noSystemd = errors.some((e) => NO_SYSTEMD.test(e))
    if (units.length === 0 && notFound.length === 0 && !noSystemd) {
      throw parseError(NAME, `no unit in the output (exit code ${result.exitCode})${errors[0] ? `: ${errors[0]}` : ''}`)
    }
    return { units, failed: units.filter((u) => u.failed).map((u) => u.id), notFound, systemdRunning: !noSystemd, errors }
  },
})

function emptyUnit(id: string, description: string | null): UnitStatus {
  return {
    id,
    description,
    loadState: null,
    unitFile: null,
    enabled: null,
    preset: null,
    activeState: null,
    subState: null,
    result: null,
    since: null,
    mainPid: null,
    mainProcess: null,
    processes: [],
    tasks: null,
    memory: null,
    statusText: null,
    condition: null,
    fields: {},
    journal: [],
    failed: false,
  }
}

function readFields(u: UnitStatus, all: Line[]): void {
  const at = (text: string): Line => all.find((l) => l.text.includes(text)) ?? { number: 0, text }
  const loaded = u.fields['Loaded']
  if (loaded !== undefined) {
    const m = /^(\S+)(?: \((.*)\))?/.exec(loaded)!
    u.loadState = m[1]!
    const parts = (m[2] ?? '').split(';').map((p) => p.trim())
    if (parts[0] && parts[0].startsWith('/')) u.unitFile = parts[0]
    if (parts[1] && !parts[1].includes('preset')) u.enabled = parts[1]
    const preset = parts.find((p) => /^(?:vendor )?preset: /.test(p))
    if (preset) u.preset = preset.replace(/^(?:vendor )?preset: /, '')
  }
  const active = u.fields['Active']
  if (active !== undefined) {
    const m = /^(\S+)(?: \(([^)]*)\))?(?: since ([^;]+)(?:;.*)?)?/.exec(active)
    if (!m) throw parseError(NAME, 'cannot read the Active line', at(active))
    u.activeState = m[1]!
    const inner = m[2] ?? ''
    const r = /Result: ([^)]+)/.exec(active)
    u.result = r ? r[1]! : null
    u.subState = inner.startsWith('Result:') ? null : inner.split(/[ ,]/)[0] || null
    u.since = m[3]?.trim() ?? null
    u.failed = u.activeState === 'failed'
  }
  const main = u.fields['Main PID']
  if (main !== undefined) {
    const m = /^(\d+)(?: \((.*)\))?/.exec(main)
    if (!m) throw parseError(NAME, 'cannot read the Main PID line', at(main))
    u.mainPid = Number(m[1])
    u.mainProcess = m[2] ?? null
  }
  for (const p of (u.fields['Process'] ?? '').split('\n').filter((x) => x !== '')) {
    const m = /^(\d+) (.*?)(?: \((code=[^)]*)\))?$/.exec(p)
    if (m) u.processes.push({ pid: Number(m[1]), command: m[2]!, code: m[3] ?? null })
  }
  for (const c of (u.fields['CGroup'] ?? '').split('\n').slice(1)) {
    const m = /^[\s│├└─`|-]*(\d+) (.*)$/.exec(c)
    if (m) u.processes.push({ pid: Number(m[1]), command: m[2]!.replace(/^"(.*)"$/, '$1'), code: null })
  }
  const tasks = /^(\d+)/.exec(u.fields['Tasks'] ?? '')
  u.tasks = tasks ? Number(tasks[1]) : null
  u.memory = u.fields['Memory'] ?? null
  u.statusText = u.fields['Status']?.replace(/^"(.*)"$/, '$1') ?? null
  u.condition = u.fields['Condition'] ?? null
}
