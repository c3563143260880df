/**
 * Parsers turn command output into typed results that runbooks branch on. They are pure functions
 * of a CommandResult (no I/O, no clock), registered by name so YAML can say `parse: iptables`.
 */
import type { CommandProblem } from './command-check.ts'
import { RunbookError } from '../errors.ts'
import type { CommandResult } from '../types.ts'

/**
 * Field shape of a parser's result, declared once: it drives the CEL type checker at validation
 * time (`result.rulez` is an error when the parser has no `rulez`, `result.total == "3"` when
 * `total` is an int) and the docs `runbook parsers` prints. Leaves are CEL type names (`string`,
 * `int`, `double`, `bool`, `list<T>` for a list of leaves, `dyn`); any of them may be null
 * (absent); nested objects describe nested fields; a list whose elements have a known shape is
 * that shape in brackets, so the fields of its elements are checked inside `exists`, `filter`,
 * `map` and `all`. A map keyed by what the parser met (`byClient`: address → count) is `{ '*': T }`
 * with T the type of each value, a leaf or a shape: the checker does not type maps (their keys
 * cannot be known), `runbook parsers` documents their values. Bare `list` and `map` (elements
 * unknown) are left to `dyn` values; built-in parsers declare every element.
 * test/unit/parsers/index.test.ts checks every captured result against these declarations.
 *
 * @example
 * fields: { total: 'int', rules: [{ chain: 'string', source: 'string', ports: 'list<int>' }], byClient: { '*': 'int' } }
 */
export type FieldType = string | FieldSchema | readonly [FieldSchema]
export interface FieldSchema {
  [field: string]: FieldType
}

/** The key of a FieldSchema that makes it a map: `{ '*': 'int' }` is a map of ints. */
export const MAP_VALUES = '*'

export interface Parser<T = unknown> {
  /** Registry name, used in `parse:`. Lowercase, kebab-case. */
  name: string
  /** One line: which command and options it expects, e.g. "iptables -S (nft or legacy backend)". */
  describe: string
  /** Fields of the returned value (top level at least). */
  fields: FieldSchema
  /** Pure. Throws `parseError()` on input it cannot read; never returns a silent empty result. */
  parse(result: CommandResult): T
  /**
   * At validation: what the command line shows this parser cannot read, or would read wrong (`du
   * -sb`: bytes that look like KiB). Null when nothing shows (command-check.ts).
   */
  checkCommand?(command: string): CommandProblem | null
}

export function defineParser<T>(parser: Parser<T>): Parser<T> {
  return parser
}

/** The typed error for unparseable input: names the parser and the offending line. */
export function parseError(parser: string, message: string, line?: { number: number; text: string }): RunbookError {
  const where = line ? ` at line ${line.number}: ${JSON.stringify(line.text.slice(0, 200))}` : ''
  return new RunbookError('RB_PARSE', `parser '${parser}': ${message}${where}`, {
    detail: line ? { parser, line: line.number, text: line.text } : { parser },
  })
}

export class ParserRegistry {
  readonly #parsers = new Map<string, Parser>()

  constructor(parsers: Iterable<Parser> = []) {
    for (const p of parsers) this.register(p)
  }

  register(parser: Parser): this {
    if (this.#parsers.has(parser.name)) throw new RunbookError('RB_INTERNAL', `parser '${parser.name}' is registered twice`)
    this.#parsers.set(parser.name, parser)
    return this
  }

  get(name: string): Parser | undefined {
    return this.#parsers.get(name)
  }

  names(): string[] {
    return [...this.#parsers.keys()].sort()
  }

  list(): Parser[] {
    return this.names().map((n) => this.#parsers.get(n)!)
  }
}
