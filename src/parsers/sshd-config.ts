import { defineParser, parseError } from './registry.ts'
import { nonBlankLines } from './text.ts'

export interface SshdConfigResult {
  /** Every keyword (lowercase) → its value; repeated keywords (listenaddress, hostkey) keep the last. */
  values: Record<string, string>
  /** Every keyword → all its values in order. */
  all: Record<string, string[]>
  passwordauthentication: string | null
  permitrootlogin: string | null
  pubkeyauthentication: string | null
  kbdinteractiveauthentication: string | null
  permitemptypasswords: string | null
  ports: number[]
  /** Password logins possible (passwordauthentication or kbdinteractiveauthentication yes). */
  passwordLogin: boolean
  /** Root may log in at all (permitrootlogin other than `no`). */
  rootLogin: boolean
}

const NAME = 'sshd-config'

/**
 * Effective sshd settings from `sshd -T` (OpenSSH ≥ 5.9; run as root; `sshd -T -C user=...,host=...,addr=...`
 * for Match blocks). One lowercase `keyword value` per line. The config file itself
 * (`/etc/ssh/sshd_config`, with comments and defaults left out) is refused: only `sshd -T`
 * shows what sshd really does.
 */
export const sshdConfigParser = defineParser<SshdConfigResult>({
  name: NAME,
  describe: 'sshd -T: effective sshd configuration (lowercase keyword value)',
  fields: {
    values: { '*': 'string' },
    all: { '*': 'list<string>' },
    passwordauthentication: 'string',
    permitrootlogin: 'string',
    pubkeyauthentication: 'string',
    kbdinteractiveauthentication: 'string',
    permitemptypasswords: 'string',
    ports: 'list<int>',
    passwordLogin: 'bool',
    rootLogin: 'bool',
  },
  parse(result) {
    const ls = nonBlankLines(result.stdout)
    if (ls.length === 0)
      throw parseError(
        NAME,
        `empty output${result.stderr.trim() ? `: ${result.stderr.trim().split('\n')[0]}` : ''} (sshd -T needs root and a valid config)`,
      )
    const values: Record<string, string> = {}
    const all: Record<string, string[]> = {}
    for (const line of ls) {
      const m = /^([a-z0-9]+) ?(.*)$/.exec(line.text)
      if (!m) throw parseError(NAME, 'expected `keyword value` with a lowercase keyword (sshd -T)', line)
      values[m[1]!] = m[2]!
      ;(all[m[1]!] ??= []).push(m[2]!)
    }
    if (values['port'] === undefined) throw parseError(NAME, 'no `port` line: not sshd -T output', ls[0])
    const get = (k: string): string | null => values[k] ?? null
    const pw = get('passwordauthentication')
    const kbd = get('kbdinteractiveauthentication') ?? get('challengeresponseauthentication')
    const root = get('permitrootlogin')
    return {
      values,
      all,
      passwordauthentication: pw,
      permitrootlogin: root,
      pubkeyauthentication: get('pubkeyauthentication'),
      kbdinteractiveauthentication: kbd,
      permitemptypasswords: get('permitemptypasswords'),
      ports: (all['port'] ?? []).map(Number),
      passwordLogin: pw === 'yes' || kbd === 'yes',
      rootLogin: root !== null && root !== 'no',
    }
  },
})
