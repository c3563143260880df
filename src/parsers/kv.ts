import { defineParser, parseError } from './registry.ts'
import { lines, requireOutput, type Line } from './text.ts'

export interface KvRecord {
  /** Line of the record's first pair. */
  line: number
  /** Its pairs; a key given twice keeps the last value. */
  values: Record<string, string>
}

export interface KvResult {
  /** Every pair of the output; a key given twice (or in two records) keeps the last value. */
  values: Record<string, string>
  /** Every key, once, in the order first seen. */
  keys: string[]
  /**
   * Keys given more than once within one record (a block without blank lines). A key set again in
   * a later block is not a duplicate: records are separate on purpose (`systemctl show a b`).
   */
  duplicates: string[]
  /** Blank-line separated blocks, each with a pair at least (`systemctl show a b`: one per unit). */
  records: KvRecord[]
}

const NAME = 'kv'
const KEY = /^[A-Za-z0-9_][^\s=]*$/

/**
 * `key=value` lines, as real tools print them:
 * - `systemctl show UNIT...` (`ActiveState=active`; one block per unit, separated by a blank line),
 *   `/sys/class/net/<if>/uevent`, `git config -l`, `locale`;
 * - shell-style files: `/etc/os-release`, `/etc/default/*` (`PRETTY_NAME="Debian GNU/Linux 12"`,
 *   `# comments`, `export KEY=value`);
 * - `sysctl NAME...` (`net.ipv4.ip_forward = 0`: spaces around `=`).
 *
 * The rules: the key is the text before the first `=` (no spaces inside it), the value everything
 * after it; spaces around both are dropped. A value wholly inside double quotes loses them and its
 * backslash escapes (`\"`, `\\`, `\$`, `` \` ``), as os-release(5) specifies; wholly inside single
 * quotes, it loses them and nothing else. Other quotes stay as printed (`Environment="A=1" "B=2"`
 * of systemctl is two words and stays whole), and so does a `#` after a value. Lines starting with
 * `#` are comments; `export ` before a key is dropped. Values are strings: convert with `int()`.
 * A blank line ends a record (`records`); `values` holds the pairs of every record, the last value
 * of a key winning (the shell's rule for a sourced file), and `duplicates` names the keys given
 * twice in one record. Empty output, output with no pair, and a line that is not a pair (text of
 * another program, `systemctl show --value`) are RB_PARSE at that line.
 */
export const kvParser = defineParser<KvResult>({
  name: NAME,
  describe: 'key=value lines: systemctl show, /etc/os-release, /etc/default/*, sysctl NAME, locale, /sys/.../uevent',
  fields: {
    values: { '*': 'string' },
    keys: 'list<string>',
    duplicates: 'list<string>',
    records: [{ line: 'int', values: { '*': 'string' } }],
  },
  parse(result) {
    requireOutput(NAME, result, 'key=value lines')
    const values: Record<string, string> = {}
    const seen = new Set<string>()
    const duplicates = new Set<string>()
    const records: KvRecord[] = []
    let record: KvRecord | null = null
    for (const line of lines(result.stdout)) {
      const text = line.text.trim()
      if (text === '') {
        record = null
        continue
      }
      if (text.startsWith('#')) continue
      const [key, value] = pair(line, text)
      if (!record) records.push((record = { line: line.number, values: {} }))
      if (key in record.values) duplicates.add(key)
      record.values[key] = value
      values[key] = value
      seen.add(key)
    }
    if (records.length === 0) throw parseError(NAME, 'no key=value line, only comments')
    return { values, keys: [...seen], duplicates: [...duplicates], records }
  },
})

function pair(line: Line, text: string): [string, string] {
  const eq = text.indexOf('=')
  const key = (eq === -1 ? text : text.slice(0, eq)).trim().replace(/^export\s+/, '')
  if (eq === -1 || !KEY.test(key)) {
    throw parseError(
      NAME,
      eq === -1 ? 'expected key=value' : `expected key=value, and a key without spaces (got ${JSON.stringify(key.slice(0, 60))})`,
      line,
    )
  }
  return [key, unquote(text.slice(eq + 1).trim())]
}

/** `"a \"b\""` → `a "b"`, `'a b'` → `a b`; anything not wholly quoted stays as printed. */
export function unquote(value: string): string {
  if (value.length >= 2 && value.startsWith("'") && value.endsWith("'") && !value.slice(1, -1).includes("'")) return value.slice(1, -1)
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    const inner = value.slice(1, -1)
    // A quote inside that no backslash escapes: two quoted words, not one value.
    if (/(^|[^\\])(\\\\)*"/.test(inner)) return value
    if (/(^|[^\\])(\\\\)*\\$/.test(inner)) return value
    return inner.replace(/\\([\\"$`])/g, '$1')
  }
  return value
}
