/**
 * Reading files a user names: runbooks and transcripts. Every input is checked before a byte is
 * read: only regular files (a device such as /dev/zero never ends, a FIFO blocks until someone
 * writes), within a size cap, and a symlink loop is an error of that file. Reading stays bounded in
 * memory and, for transcripts, streams so that SIGINT/SIGTERM are handled while it runs.
 */
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs'
import { open } from 'node:fs/promises'
import { RunbookError, type ErrorCode } from './errors.ts'

/** The caps on inputs, in one place (docs: README "Input limits"). */
export const INPUT_LIMITS = {
  /** A runbook file. A generated 20,000-step runbook is ~4 MB; real ones are a few KB. */
  runbookBytes: 8 * 1024 * 1024,
  /** One transcript line (one event). Command output is capped far below this when recorded. */
  transcriptLineBytes: 64 * 1024 * 1024,
  /** Arrays and objects nested inside one transcript event. Real events nest less than 10 deep. */
  transcriptDepth: 64,
  /** YAML aliases (*name) a runbook may use: more means an expansion attack ("billion laughs"). */
  yamlAliases: 100,
} as const

// O_NONBLOCK: opening a FIFO must not wait for a writer (a regular file reads the same either way).
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY

const a = (noun: string) => `${/^[aeiou]/.test(noun) ? 'an' : 'a'} ${noun}`

function describeNode(st: Stats): string {
  if (st.isDirectory()) return 'a directory'
  if (st.isFIFO()) return 'a FIFO (named pipe)'
  if (st.isCharacterDevice()) return 'a character device'
  if (st.isBlockDevice()) return 'a block device'
  if (st.isSocket()) return 'a socket'
  return 'not a regular file'
}

export interface InputOptions {
  /** What the file is meant to be, for messages: "runbook", "transcript". */
  what: string
  /** The code of "no such file" and other read errors (RB_RUNBOOK_NOT_FOUND, RB_TRANSCRIPT_INVALID). */
  missing: ErrorCode
}

/** A RunbookError for an error of stat/open/read on `file`. */
export function inputError(file: string, err: unknown, options: InputOptions): RunbookError {
  const e = err as NodeJS.ErrnoException
  if (err instanceof RunbookError) return err
  if (e.code === 'ELOOP')
    return new RunbookError('RB_INPUT_NOT_FILE', `${file}: symlink loop (a link that leads back to itself): fix or remove the link`, {
      detail: { file, reason: 'ELOOP' },
    })
  if (e.code === 'ENOENT') return new RunbookError(options.missing, `${file}: no such file`, { detail: { file } })
  if (e.code === 'EISDIR')
    return new RunbookError('RB_INPUT_NOT_FILE', `${file}: is a directory, not ${a(options.what)} file`, {
      detail: { file, reason: 'EISDIR' },
    })
  return new RunbookError(options.missing, `${file}: ${e.code ? `${e.code}: ` : ''}${e.message}`, { detail: { file } })
}

/** Throws RB_INPUT_NOT_FILE unless `st` is a regular file. */
function mustBeRegular(file: string, st: Stats, what: string): void {
  if (!st.isFile()) {
    throw new RunbookError('RB_INPUT_NOT_FILE', `${file}: ${describeNode(st)}, not ${a(what)} file: refused without reading it`, {
      detail: { file, reason: 'not-regular' },
    })
  }
}

function tooLarge(file: string, what: string, max: number): RunbookError {
  return new RunbookError('RB_INPUT_TOO_LARGE', `${file}: larger than ${formatBytes(max)}, the cap for ${a(what)}: refused`, {
    detail: { file, max },
  })
}

export function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${n / (1024 * 1024)} MiB` : n >= 1024 ? `${n / 1024} KiB` : `${n} bytes`
}

/**
 * Check `file` without opening it: a regular file (following symlinks) or a RunbookError.
 * `runbook list` and `validate <dir>` use it so a FIFO among runbooks is reported, never opened.
 */
export function checkRegularFile(file: string, options: InputOptions): RunbookError | null {
  try {
    mustBeRegular(file, statSync(file), options.what)
    return null
  } catch (err) {
    return inputError(file, err, options)
  }
}

/**
 * The whole text of a regular file of at most `maxBytes`, read synchronously (bounded, so it
 * cannot hang or exhaust memory). Stat before opening refuses FIFOs and devices without touching
 * them; fstat after opening closes the race with a file swapped in between.
 */
export function readRegularFile(file: string, maxBytes: number, options: InputOptions): string {
  let fd: number
  try {
    mustBeRegular(file, statSync(file), options.what)
    fd = openSync(file, OPEN_FLAGS)
  } catch (err) {
    throw inputError(file, err, options)
  }
  try {
    const st = fstatSync(fd)
    mustBeRegular(file, st, options.what)
    if (st.size > maxBytes) throw tooLarge(file, options.what, maxBytes)
    // The size can lie (files in /proc say 0, a file may grow): read at most maxBytes + 1.
    const chunks: Buffer[] = []
    let total = 0
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(64 * 1024, maxBytes + 1 - total))
      const n = readSync(fd, chunk, 0, chunk.length, null)
      if (n === 0) break
      chunks.push(chunk.subarray(0, n))
      total += n
      if (total > maxBytes) throw tooLarge(file, options.what, maxBytes)
    }
    return Buffer.concat(chunks, total).toString('utf8')
  } catch (err) {
    throw inputError(file, err, options)
  } finally {
    closeSync(fd)
  }
}

/**
 * The lines of a regular file, streamed: memory holds one line at a time, never the file, and
 * each line is at most `maxLineBytes`. Aborting `signal` stops the read (the caller sees an
 * AbortError) so an interrupted command ends promptly. Line numbers start at 1.
 */
export async function* readLines(
  file: string,
  options: InputOptions & { maxLineBytes: number; signal?: AbortSignal },
): AsyncGenerator<{ text: string; line: number }> {
  let handle: Awaited<ReturnType<typeof open>>
  try {
    mustBeRegular(file, statSync(file), options.what)
    handle = await open(file, OPEN_FLAGS)
    mustBeRegular(file, await handle.stat(), options.what)
  } catch (err) {
    throw inputError(file, err, options)
  }
  // The stream owns the handle from here on and closes it when it ends or is destroyed.
  const stream = handle.createReadStream({
    autoClose: true,
    highWaterMark: 1024 * 1024,
    ...(options.signal ? { signal: options.signal } : {}),
  })
  let line = 0
  let partial: Buffer[] = []
  let partialBytes = 0
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let start = 0
      for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
        const piece = chunk.subarray(start, nl)
        if (partialBytes + piece.length > options.maxLineBytes) throw lineTooLong(file, line + 1, options.maxLineBytes)
        const text = partialBytes === 0 ? piece.toString('utf8') : Buffer.concat([...partial, piece]).toString('utf8')
        partial = []
        partialBytes = 0
        start = nl + 1
        yield { text, line: ++line }
      }
      if (start < chunk.length) {
        partialBytes += chunk.length - start
        if (partialBytes > options.maxLineBytes) throw lineTooLong(file, line + 1, options.maxLineBytes)
        // Copy: the stream may reuse its buffers.
        partial.push(Buffer.from(chunk.subarray(start)))
      }
    }
    if (partialBytes > 0) yield { text: Buffer.concat(partial).toString('utf8'), line: ++line }
  } finally {
    stream.destroy()
  }
}

function lineTooLong(file: string, line: number, max: number): RunbookError {
  return new RunbookError('RB_INPUT_TOO_LARGE', `${file}:${line}: line longer than ${formatBytes(max)}, the cap for one event: refused`, {
    pos: { file, line, col: 1 },
    detail: { file, line, max },
  })
}

/**
 * Whether a regular file's first 64 KiB match `pattern` (how `runbook validate` tells an action or a
 * triggers file from a runbook). Never opens a FIFO or a device: reading one may never end.
 */
export function fileHeadMatches(file: string, pattern: RegExp): boolean {
  let fd: number | undefined
  try {
    if (!statSync(file).isFile()) return false
    fd = openSync(file, 'r')
    const buf = Buffer.alloc(64 * 1024)
    const n = readSync(fd, buf, 0, buf.length, 0)
    return pattern.test(buf.subarray(0, n).toString('utf8'))
  } catch {
    return false
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}
