/**
 * CLI subcommands are declared as data (citty's defineCommand): options, positionals and examples
 * live in the definition, and `--help` is generated from it. A command returns its exit code; nothing
 * calls process.exit.
 */
import { parseArgs } from 'node:util'
import { RunbookError } from '../errors.ts'

/** Everything a command touches of the outside world, injected so tests can run commands in-process. */
export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }
  stderr: NodeJS.WritableStream & { isTTY?: boolean }
  stdin: NodeJS.ReadableStream & { isTTY?: boolean }
  env: NodeJS.ProcessEnv
  cwd: string
  /** Aborted on SIGINT/SIGTERM. */
  signal: AbortSignal
}

export interface OptionDef {
  type: 'string' | 'boolean'
  short?: string
  multiple?: boolean
  /** Shown in --help, e.g. `--param k=v`. */
  valueName?: string
  description: string
}

export interface CommandContext {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>
  positionals: string[]
  /** Arguments after a literal `--`. */
  rest: string[]
  io: Io
}

export interface CommandDef {
  name: string
  /** One line for `runbook --help`. */
  summary: string
  /** e.g. `run <runbook> --host H [--param k=v ...] [--apply]` */
  usage: string
  /** Paragraphs that teach: what it does, what it never does. */
  description?: string
  options: Record<string, OptionDef>
  examples?: string[]
  /** Max positionals (Infinity for any). */
  maxPositionals?: number
  run(ctx: CommandContext): Promise<number>
}

export function defineCommand(def: CommandDef): CommandDef {
  return def
}

export function parseCommandArgs(def: CommandDef, argv: string[]): Omit<CommandContext, 'io'> {
  const dashdash = argv.indexOf('--')
  const own = dashdash === -1 ? argv : argv.slice(0, dashdash)
  const rest = dashdash === -1 ? [] : argv.slice(dashdash + 1)
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {
    help: { type: 'boolean', short: 'h' },
  }
  for (const [name, o] of Object.entries(def.options)) {
    options[name] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) }
  }
  try {
    const { values, positionals } = parseArgs({ args: own, options, allowPositionals: true, strict: true })
    const max = def.maxPositionals ?? 0
    if (!values.help && positionals.length > max) {
      throw new RunbookError('RB_USAGE', `${def.name}: unexpected argument '${positionals[max]}'. Usage: runbook ${def.usage}`)
    }
    return { values: values as CommandContext['values'], positionals, rest }
  } catch (err) {
    if (err instanceof RunbookError) throw err
    const message = err instanceof Error ? err.message : String(err)
    throw new RunbookError('RB_USAGE', `${def.name}: ${message}. Usage: runbook ${def.usage}`)
  }
}

export function renderHelp(def: CommandDef): string {
  const lines = [`runbook ${def.usage}`, '', def.summary]
  if (def.description) lines.push('', def.description.trim())
  const opts = Object.entries(def.options)
  if (opts.length > 0) {
    lines.push('', 'Options:')
    const rows = opts.map(([name, o]) => {
      const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` ${o.valueName ?? 'VALUE'}` : ''}`
      return [flag, o.description + (o.multiple ? ' (repeatable)' : '')] as const
    })
    rows.push(['-h, --help', 'Show this help'])
    const width = Math.max(...rows.map(([f]) => f.length)) + 2
    for (const [flag, desc] of rows) lines.push(`  ${flag.padEnd(width)}${desc}`)
  }
  if (def.examples?.length) {
    lines.push('', 'Examples:')
    for (const e of def.examples) lines.push(`  ${e}`)
  }
  return lines.join('\n') + '\n'
}

/** Resolves when any of the signals aborts (a long-running command's wait for its end: SIGINT, or a reason of its own). */
export function untilAborted(...signals: AbortSignal[]): Promise<void> {
  return new Promise((done) => {
    if (signals.some((s) => s.aborted)) return done()
    for (const s of signals) s.addEventListener('abort', () => done(), { once: true })
  })
}
