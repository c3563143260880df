import { defineParser, parseError } from './registry.ts'
import { int, nonBlankLines } from './text.ts'
import { clientFailure, serverDown } from './fail2ban-client.ts'

export interface Fail2banStatusResult {
  /** false when fail2ban-server is down (no socket, connection refused): every other field is then empty. */
  running: boolean
  /** Why the server could not be asked (`Failed to access socket path: ... Is fail2ban running?`); null when running. */
  error: string | null
  /** `overview` for `fail2ban-client status`, `jail` for `fail2ban-client status <jail>`; `down` when the server is not running. */
  kind: 'overview' | 'jail' | 'down'
  /** overview: every jail name. */
  jails: string[]
  /** jail: its name; null for the overview. */
  jail: string | null
  currentlyFailed: number | null
  totalFailed: number | null
  currentlyBanned: number | null
  totalBanned: number | null
  bannedIps: string[]
  files: string[]
}

const NAME = 'fail2ban-status'

/**
 * fail2ban's tree output: `fail2ban-client status` (jail list) or `fail2ban-client status <jail>`
 * (counters and the banned IP list). When fail2ban-server is down (exit 255, `Failed to access
 * socket path ... Is fail2ban running?`) the result says `running: false`, `kind: 'down'`. An
 * unknown jail (exit 255, `Sorry but the jail '...' does not exist`) and a refused socket
 * (`Permission denied`: run with sudo) are parse errors quoting fail2ban-client.
 */
export const fail2banStatusParser = defineParser<Fail2banStatusResult>({
  name: NAME,
  describe: 'fail2ban-client status [JAIL]',
  fields: {
    running: 'bool',
    error: 'string',
    kind: 'string',
    jails: 'list<string>',
    jail: 'string',
    currentlyFailed: 'int',
    totalFailed: 'int',
    currentlyBanned: 'int',
    totalBanned: 'int',
    bannedIps: 'list<string>',
    files: 'list<string>',
  },
  parse(result) {
    const down = serverDown(result)
    if (down !== undefined) {
      return {
        running: false,
        error: down,
        kind: 'down',
        jails: [],
        jail: null,
        currentlyFailed: null,
        totalFailed: null,
        currentlyBanned: null,
        totalBanned: null,
        bannedIps: [],
        files: [],
      }
    }
    const ls = nonBlankLines(result.stdout)
    const first = ls[0]
    if (!first || (result.exitCode !== 0 && !/^Status/.test(first.text))) clientFailure(NAME, result)
    const head = /^Status(?: for the jail: (.+))?$/.exec(first.text.trim())
    if (!head) throw parseError(NAME, 'expected `Status` or `Status for the jail: <name>`', first)
    const out: Fail2banStatusResult = {
      running: true,
      error: null,
      kind: head[1] ? 'jail' : 'overview',
      jails: [],
      jail: head[1] ?? null,
      currentlyFailed: null,
      totalFailed: null,
      currentlyBanned: null,
      totalBanned: null,
      bannedIps: [],
      files: [],
    }
    for (const line of ls.slice(1)) {
      const m = /^[\s|`-]*([A-Za-z][A-Za-z ]*?):\s*(.*)$/.exec(line.text)
      if (!m) {
        // `Filter` / `Actions`; fail2ban 0.8 writes `filter` / `action`.
        if (/^[\s|`-]*(Filter|Actions|filter|action)\s*$/.test(line.text)) continue
        throw parseError(NAME, 'expected a `|- Key:\tvalue` line', line)
      }
      const [key, value] = [m[1]!, m[2]!.trim()]
      const words = value === '' ? [] : value.split(/\s+/)
      switch (key) {
        case 'Number of jail':
          break
        case 'Jail list':
          out.jails = value === '' ? [] : value.split(/,\s*/)
          break
        case 'Currently failed':
          out.currentlyFailed = int(NAME, value, line, key)
          break
        case 'Total failed':
          out.totalFailed = int(NAME, value, line, key)
          break
        case 'Currently banned':
          out.currentlyBanned = int(NAME, value, line, key)
          break
        case 'Total banned':
          out.totalBanned = int(NAME, value, line, key)
          break
        case 'Banned IP list':
          out.bannedIps = words
          break
        case 'IP list':
          out.bannedIps = words
          break // fail2ban 0.8: `|  \`- IP list:`
        case 'File list':
          out.files = words
          break
        default:
          break // journal matches etc.: not needed
      }
    }
    return out
  },
})
