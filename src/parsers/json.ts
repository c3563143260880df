import { defineParser, parseError } from './registry.ts'
import { lines, requireOutput } from './text.ts'

export interface JsonResult {
  /** The document, as JSON.parse reads it: objects, arrays, strings, numbers, booleans, null. */
  value: unknown
  /** What the document is: `object`, `array`, `string`, `number`, `bool` or `null`. */
  kind: 'object' | 'array' | 'string' | 'number' | 'bool' | 'null'
}

const NAME = 'json'

/**
 * One JSON document on stdout, from any program that can print one: `ip -j addr`, `ip -j route`,
 * `findmnt -J`, `lsblk -J`, `docker inspect`, `curl` of a JSON API. A command then hands the
 * runbook structure instead of text that CEL takes apart with `split(' ')`:
 * `result.value.exists(i, i.ifname == 'eth0' && i.operstate == 'UP')`.
 *
 * `result.value` is not typed (its shape is the program's): a field that is not there is an
 * evaluation error, so guard with `has(x.f)`. Whole numbers become CEL ints, others doubles;
 * integers beyond 2^53 lose precision, as in any JavaScript JSON reader. Empty output (the
 * program printed nothing, often with an error on stderr) and anything that is not exactly one
 * JSON document (text, a document cut short, JSON Lines) are RB_PARSE, with the line and column
 * where reading stopped and the first stderr line.
 */
export const jsonParser = defineParser<JsonResult>({
  name: NAME,
  describe: 'one JSON document (ip -j addr, findmnt -J, lsblk -J, docker inspect, a JSON API): result.value',
  fields: { value: 'dyn', kind: 'string' },
  parse(result) {
    requireOutput(NAME, result, 'a JSON document')
    let value: unknown
    try {
      value = JSON.parse(result.stdout)
    } catch (err) {
      throw notJson(result.stdout, (err as Error).message, result.stderr)
    }
    return { value, kind: kindOf(value) }
  },
})

function kindOf(value: unknown): JsonResult['kind'] {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  if (typeof value === 'boolean') return 'bool'
  return typeof value as 'object' | 'string' | 'number'
}

/**
 * JSON.parse says where it stopped as `position N` (Node 20) or `line L column C` (later Nodes),
 * or not at all at the end of the input: turn that into the line of the output it stopped on.
 */
function notJson(text: string, message: string, stderr: string) {
  const all = lines(text)
  let lineNo: number | undefined
  const pos = /position (\d+)/.exec(message)
  const lc = /line (\d+) column (\d+)/.exec(message)
  if (lc) lineNo = Number(lc[1])
  else if (pos) lineNo = text.slice(0, Number(pos[1])).split('\n').length
  else if (/end of (JSON )?input|Unterminated/i.test(message)) lineNo = all.length
  const reason = message
    .replace(/^JSON\.parse: /, '')
    .split('\n')[0]!
    .slice(0, 200)
  const err = stderr.split('\n').find((l) => l.trim() !== '')
  const line = lineNo !== undefined ? all[lineNo - 1] : undefined
  return parseError(NAME, `not one JSON document: ${reason}${err ? ` (stderr: ${err.trim()})` : ''}`, line)
}
