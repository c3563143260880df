import { defineParser, parseError } from './registry.ts'
import { lines, stderrLines, type Line } from './text.ts'

export interface UnitProperties {
  /** `Id=`, or the first of `Names=`; null when neither was asked for (`-p ActiveState,Result`). */
  id: string | null
  /** 0-based position of the block: systemctl prints one block per unit argument, in their order. */
  index: number
  /** `id`, or `#N` (the Nth unit of the command) when the block has no Id: what `failed`/`killed` list. */
  label: string
  description: string | null
  loadState: string | null
  activeState: string | null
  subState: string | null
  /** `success`, `exit-code`, `signal`, `timeout`, `core-dump`, `watchdog`, ... */
  result: string | null
  /** ExecMainCode as systemd reports it: a CLD_* number (1 exited, 2 killed, 3 dumped); 0 = never ran. */
  execMainCode: number | null
  execMainStatus: number | null
  execMainPid: number | null
  /** `exited`, `killed`, `dumped`, ... from ExecMainCode; null when the main process never ran. */
  execMainCodeName: string | null
  /** Signal name (`KILL`) when the main process was killed or dumped core. */
  execMainSignal: string | null
  /** The main process' end as `systemctl status` prints it: `code=killed, signal=KILL`, `code=exited, status=1/FAILURE`. */
  mainProcess: string | null
  nRestarts: number | null
  /** True when ActiveState is `failed`. */
  failed: boolean
  /** Every property printed, as text (timestamps, paths, TimeoutStartUSec...). */
  properties: Record<string, string>
}

export interface SystemctlShowResult {
  units: UnitProperties[]
  /** Labels (ids, or `#N` without Id) of the units whose ActiveState is `failed`. */
  failed: string[]
  /** Labels of the units whose main process was killed by a signal (code=killed or dumped). */
  killed: string[]
  /** stderr lines (`Failed to get properties: ...`). */
  errors: string[]
  /** false when there is no systemd to ask (a container: `System has not been booted with systemd`, `Failed to connect to bus`). */
  systemdRunning: boolean
}

const NAME = 'systemctl-show'
const PROP = /^([A-Za-z][A-Za-z0-9]*)=(.*)$/
// si_code values of waitid(2), as ExecMainCode carries them.
const CLD: Record<number, string> = { 1: 'exited', 2: 'killed', 3: 'dumped', 4: 'trapped', 5: 'stopped', 6: 'continued' }
const SIGNALS = [
  '',
  'HUP',
  'INT',
  'QUIT',
  'ILL',
  'TRAP',
  'ABRT',
  'BUS',
  'FPE',
  'KILL',
  'USR1',
  'SEGV',
  'USR2',
  'PIPE',
  'ALRM',
  'TERM',
  'STKFLT',
  'CHLD',
  'CONT',
  'STOP',
  'TSTP',
  'TTIN',
  'TTOU',
  'URG',
  'XCPU',
  'XFSZ',
  'VTALRM',
  'PROF',
  'WINCH',
  'IO',
  'PWR',
  'SYS',
]
// Exit status names systemctl status adds (libc and systemd's own EXIT_* codes; the common ones).
const EXIT_NAMES: Record<number, string> = {
  0: 'SUCCESS',
  1: 'FAILURE',
  200: 'CHDIR',
  203: 'EXEC',
  209: 'STDOUT',
  217: 'USER',
  226: 'NAMESPACE',
}

/**
 * Properties of one or more units, from `systemctl show [-p Id,ActiveState,SubState,Result,
 * ExecMainCode,ExecMainStatus,...] UNIT...`: `Key=value` lines, one block per unit, blocks separated
 * by a blank line (in systemd's own property order, not the `-p` order), one block per unit argument
 * in their order. Without `Id` (`-p ActiveState,Result`) a unit is known by its position (`#1`).
 * `--value` output (values without names) is refused: it cannot be told which value is which.
 * ExecMainCode/ExecMainStatus are translated the way `systemctl
 * status` prints the main process: `code=killed, signal=KILL`.
 *
 * @example
 * // systemctl show -p Id,ActiveState,Result,ExecMainCode,ExecMainStatus makecache.service
 * // Result=timeout / ExecMainCode=2 / ExecMainStatus=9 / Id=makecache.service / ActiveState=failed
 * // → { units: [{ id: 'makecache.service', failed: true, mainProcess: 'code=killed, signal=KILL', ... }], failed: ['makecache.service'], ... }
 */
export const systemctlShowParser = defineParser<SystemctlShowResult>({
  name: NAME,
  describe: 'systemctl show [-p Id,ActiveState,SubState,Result,ExecMainCode,ExecMainStatus,...] UNIT... (Key=value blocks)',
  fields: {
    units: [
      {
        id: 'string',
        index: 'int',
        label: 'string',
        description: 'string',
        loadState: 'string',
        activeState: 'string',
        subState: 'string',
        result: 'string',
        execMainCode: 'int',
        execMainStatus: 'int',
        execMainPid: 'int',
        execMainCodeName: 'string',
        execMainSignal: 'string',
        mainProcess: 'string',
        nRestarts: 'int',
        failed: 'bool',
        properties: { '*': 'string' },
      },
    ],
    failed: 'list<string>',
    killed: 'list<string>',
    errors: 'list<string>',
    systemdRunning: 'bool',
  },
  parse(result) {
    const errors = stderrLines(result)
    const blocks: Line[][] = [[]]
    for (const line of lines(result.stdout)) {
      if (line.text.trim() === '') {
        if (blocks[blocks.length - 1]!.length > 0) blocks.push([])
        continue
      }
      if (!PROP.test(line.text))
        throw parseError(
          NAME,
          `expected \`Key=value\` lines of \`systemctl show\`${/^[a-z-]+$/.test(line.text.trim()) ? ' (--value prints values without their names: drop it)' : ''}`,
          line,
        )
      blocks[blocks.length - 1]!.push(line)
    }
    const filled = blocks.filter((b) => b.length > 0)
    if (
      filled.length === 0 &&
      errors.some((e) => /System has not been booted with systemd|Failed to connect to bus|Failed to get D-Bus connection/.test(e))
    ) {
      return { units: [], failed: [], killed: [], errors, systemdRunning: false }
    }
    if (filled.length === 0) throw parseError(NAME, `empty output, expected Key=value lines${errors[0] ? ` (stderr: ${errors[0]})` : ''}`)
    const units = filled.map((b, i) => readUnit(b, i))
    return {
      units,
      failed: units.filter((u) => u.failed).map((u) => u.label),
      killed: units.filter((u) => u.execMainCodeName === 'killed' || u.execMainCodeName === 'dumped').map((u) => u.label),
      errors,
      systemdRunning: true,
    }
  },
})

function readUnit(block: Line[], index: number): UnitProperties {
  const props: Record<string, string> = {}
  for (const line of block) {
    const m = PROP.exec(line.text)!
    props[m[1]!] = m[2]!
  }
  const id = props['Id'] || props['Names']?.split(' ')[0] || null
  const num = (key: string): number | null => {
    const v = props[key]
    if (v === undefined || v === '') return null
    if (!/^-?\d+$/.test(v))
      throw parseError(
        NAME,
        `expected an integer for ${key}, got ${JSON.stringify(v)}`,
        block.find((l) => l.text.startsWith(`${key}=`)),
      )
    return Number(v)
  }
  const text = (key: string): string | null => props[key] ?? null
  const code = num('ExecMainCode')
  const status = num('ExecMainStatus')
  const codeName = code === null || code === 0 ? null : (CLD[code] ?? `code-${code}`)
  const signal = (codeName === 'killed' || codeName === 'dumped') && status !== null ? (SIGNALS[status] ?? String(status)) : null
  let mainProcess: string | null = null
  if (codeName === 'exited' && status !== null)
    mainProcess = `code=exited, status=${status}${EXIT_NAMES[status] ? `/${EXIT_NAMES[status]}` : ''}`
  else if (codeName !== null) mainProcess = `code=${codeName}, ${signal !== null ? `signal=${signal}` : `status=${status ?? '?'}`}`
  return {
    id,
    index,
    label: id ?? `#${index + 1}`,
    description: text('Description'),
    loadState: text('LoadState'),
    activeState: text('ActiveState'),
    subState: text('SubState'),
    result: text('Result'),
    execMainCode: code,
    execMainStatus: status,
    execMainPid: num('ExecMainPID'),
    execMainCodeName: codeName,
    execMainSignal: signal,
    mainProcess,
    nRestarts: num('NRestarts'),
    failed: props['ActiveState'] === 'failed',
    properties: props,
  }
}
