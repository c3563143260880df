/**
 * Where the CLI takes param values from. `-p name=value` puts the value on the command line, where
 * every user of the machine sees it in `ps` and the shell keeps it in its history: fine for a host
 * or a port, not for a password. So a value can also come from a file, stdin or the environment:
 *
 *   --param-file name=PATH   the file's content, one trailing newline stripped (what `echo` and
 *                            editors add); PATH `-` reads stdin (`pass show db | runbook run …`)
 *   --param-env name=VAR     the value of environment variable VAR
 *
 * No automatic RUNBOOK_PARAM_* lookup: a variable left over in a shell must not silently become a
 * param of some later run.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import { resolve } from 'node:path'
import { RunbookError } from '../errors.ts'
import type { Io } from './command.ts'
import { parseParamFlags } from './output.ts'

/** No secret is a megabyte; `--param-file x=/dev/zero` must not fill memory. */
export const MAX_PARAM_BYTES = 1024 * 1024

export interface ParamFlags {
  param?: readonly string[] | undefined
  paramFile?: readonly string[] | undefined
  paramEnv?: readonly string[] | undefined
}

/** `name=...` pairs of one flag; the message names the flag. */
function pairs(flag: string, values: readonly string[] | undefined): Array<[string, string]> {
  return (values ?? []).map((kv) => {
    const i = kv.indexOf('=')
    if (i <= 0 || i === kv.length - 1)
      throw new RunbookError('RB_USAGE', `${flag} ${JSON.stringify(kv)}: expected name=${flag === '--param-env' ? 'VAR' : 'PATH'}`)
    return [kv.slice(0, i), kv.slice(i + 1)]
  })
}

/** One trailing newline (`\n` or `\r\n`) is the file's line ending, not part of the value. */
export function stripOneNewline(text: string): string {
  return text.endsWith('\r\n') ? text.slice(0, -2) : text.endsWith('\n') ? text.slice(0, -1) : text
}

function readFileCapped(name: string, given: string, path: string, secret: boolean, warnings: string[]): string {
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch (err) {
    throw new RunbookError(
      'RB_USAGE',
      `--param-file ${name}=${given}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); give a readable file, or ${name}=- to read stdin`,
    )
  }
  try {
    const mode = fstatSync(fd).mode
    // A secret in a file others can read is no better than one in argv.
    if (secret && (mode & 0o077) !== 0 && (mode & 0o170000) === 0o100000) {
      warnings.push(
        `param '${name}' is secret, but ${given} can be read by other users (mode ${(mode & 0o777).toString(8)}); chmod 600 ${given}`,
      )
    }
    const buf = Buffer.alloc(MAX_PARAM_BYTES + 1)
    let n = 0
    while (n < buf.length) {
      const r = readSync(fd, buf, n, buf.length - n, null)
      if (r === 0) break
      n += r
    }
    if (n > MAX_PARAM_BYTES)
      throw new RunbookError(
        'RB_USAGE',
        `--param-file ${name}=${given}: larger than ${MAX_PARAM_BYTES} bytes; a param value is a token, a password or a key, not a data file`,
      )
    return buf.subarray(0, n).toString('utf8')
  } finally {
    closeSync(fd)
  }
}

async function readStdin(name: string, io: Io): Promise<string> {
  if (io.stdin.isTTY) {
    throw new RunbookError(
      'RB_USAGE',
      `--param-file ${name}=-: stdin is a terminal (what you type would be echoed); pipe the value in, e.g. \`pass show x | runbook run … --param-file ${name}=-\`, or give a file`,
    )
  }
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of io.stdin) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer)
    size += b.length
    if (size > MAX_PARAM_BYTES) throw new RunbookError('RB_USAGE', `--param-file ${name}=-: stdin holds more than ${MAX_PARAM_BYTES} bytes`)
    chunks.push(b)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/**
 * Collect params from -p, --param-file and --param-env. A name given by two flags is an error
 * (which one should win is a guess). Warns for each secret given with -p.
 *
 * @example
 * const { params, warnings } = await gatherParams({ param: ['host=web1'], paramEnv: ['token=DB_TOKEN'] }, io, new Set(['token']))
 */
export async function gatherParams(
  flags: ParamFlags,
  io: Io,
  secretNames: ReadonlySet<string>,
): Promise<{ params: Record<string, string>; warnings: string[] }> {
  const params: Record<string, string> = {}
  const from = new Map<string, string>()
  const warnings: string[] = []
  const put = (flag: string, name: string, value: string) => {
    const earlier = from.get(name)
    if (earlier !== undefined && earlier !== flag)
      throw new RunbookError('RB_USAGE', `param '${name}' is given by both ${earlier} and ${flag}: give it once`)
    from.set(name, flag)
    params[name] = value
  }

  for (const [name, value] of Object.entries(parseParamFlags(flags.param))) {
    put('--param', name, value)
    if (secretNames.has(name)) {
      warnings.push(
        `param '${name}' is secret, but --param puts its value on the command line, where other users see it in \`ps\` and your shell keeps it in its history; use --param-file ${name}=PATH, --param-file ${name}=- (stdin) or --param-env ${name}=VAR`,
      )
    }
  }
  const files = pairs('--param-file', flags.paramFile)
  if (files.filter(([, p]) => p === '-').length > 1)
    throw new RunbookError('RB_USAGE', '--param-file: only one param can be read from stdin (-)')
  for (const [name, path] of files) {
    const text =
      path === '-' ? await readStdin(name, io) : readFileCapped(name, path, resolve(io.cwd, path), secretNames.has(name), warnings)
    put('--param-file', name, stripOneNewline(text))
  }
  for (const [name, variable] of pairs('--param-env', flags.paramEnv)) {
    const value = io.env[variable]
    if (value === undefined)
      throw new RunbookError(
        'RB_USAGE',
        `--param-env ${name}=${variable}: environment variable ${variable} is not set; export it first, or use --param-file`,
      )
    put('--param-env', name, value)
  }
  return { params, warnings }
}

/**
 * The params of `run`'s flags (-p, --param-file, --param-env) for a runbook with these param
 * declarations: warnings go to stderr (a secret given with -p).
 */
export async function paramsFromFlags(
  values: Record<string, unknown>,
  io: Io,
  decls: Readonly<Record<string, { secret?: boolean | undefined }>>,
): Promise<Record<string, unknown>> {
  const secretNames = new Set(Object.keys(decls).filter((name) => decls[name]!.secret))
  const flags = {
    param: values.param as string[] | undefined,
    paramFile: values['param-file'] as string[] | undefined,
    paramEnv: values['param-env'] as string[] | undefined,
  }
  const gathered = await gatherParams(flags, io, secretNames)
  for (const w of gathered.warnings) io.stderr.write(`warning: ${w}\n`)
  return gathered.params
}
