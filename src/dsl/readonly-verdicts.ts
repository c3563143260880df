/**
 * Read-only verdicts remembered between CLI processes, so that `runbook run` does not load the bash
 * grammar to re-prove what it proved last time.
 *
 * Why: the read-only check parses every diagnostic command with tree-sitter-bash (readonly.ts).
 * Loading that grammar and compiling the code its first parses run costs ~70 ms of CPU in every CLI
 * process, before the first host is contacted: an eighth of a one-host `runbook run`. The verdict is
 * a pure function of the command's text and of the checker (readonly.ts, readonly-programs.ts, the
 * grammar), so a verdict computed once holds until either changes.
 *
 * What is kept: only "provably read-only", as a hash of the checker's identity and the command's
 * text. A command with problems is never remembered: it is checked (and its problems reported with
 * their columns) every time. The checker's identity is computed when the CLI is bundled
 * (scripts/bundle.mjs, from the checker's sources and the grammar's bytes); without one (tests on
 * the sources, a build that did not compute it) nothing is read or written.
 *
 * Trust: the file lives in the operator's state folder ($RUNBOOK_STATE_DIR), next to the run log and
 * transcripts. A file that another user could have written (not ours, or writable by group or
 * others) is ignored, like OpenSSH's StrictModes; whoever can write as the operator could as well
 * edit the runbook itself.
 */
import { createHash } from 'node:crypto'
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

/** At most this many verdicts are kept (the most recent): ~0.5 MB. */
export const MAX_VERDICTS = 10_000

export interface ReadOnlyVerdicts {
  /** Was this command proved read-only by this checker before? */
  isReadOnly(command: string): boolean
  /** The checker proved this command read-only. */
  remember(command: string): void
  /** Write what was learnt (merged with what other processes wrote meanwhile); never throws. */
  save(): void
}

interface VerdictFile {
  version: 1
  checker: string
  readOnly: string[]
}

/**
 * The verdicts in `file` for the checker `checker`.
 *
 * @example
 * const verdicts = openReadOnlyVerdicts(join(stateDir(env), 'cache', 'read-only.json'), READONLY_CHECKER, { learn: true })
 */
export function openReadOnlyVerdicts(file: string, checker: string, options: { learn: boolean } = { learn: true }): ReadOnlyVerdicts {
  const key = (command: string): string =>
    createHash('sha256').update(checker).update('\0').update(command).digest('base64url').slice(0, 32)
  const known = new Set(read(file, checker))
  const learnt = new Set<string>()
  return {
    isReadOnly: (command) => known.has(key(command)),
    remember: (command) => {
      const k = key(command)
      if (!known.has(k)) learnt.add(k)
    },
    save: () => {
      if (!options.learn || learnt.size === 0) return
      try {
        // Others may have saved since we read: keep theirs, ours last (the newest are kept).
        const merged = [...new Set([...read(file, checker), ...learnt])].slice(-MAX_VERDICTS)
        mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
        const tmp = `${file}.${process.pid}.tmp`
        const body: VerdictFile = { version: 1, checker, readOnly: merged }
        writeFileSync(tmp, JSON.stringify(body), { mode: 0o600 })
        renameSync(tmp, file)
        for (const k of learnt) known.add(k)
        learnt.clear()
      } catch {
        // A cache: a state folder we cannot write only means the grammar loads next time too.
      }
    },
  }
}

/** The verdict keys in `file` for `checker`; none when it is missing, unreadable, foreign or not ours. */
function read(file: string, checker: string): string[] {
  let fd: number
  try {
    fd = openSync(file, 'r')
  } catch {
    return []
  }
  try {
    const st = fstatSync(fd)
    const ours = typeof process.getuid !== 'function' || st.uid === process.getuid()
    if (!st.isFile() || !ours || (st.mode & 0o022) !== 0) return []
    const data = JSON.parse(readFileSync(fd, 'utf8')) as Partial<VerdictFile>
    if (data.version !== 1 || data.checker !== checker || !Array.isArray(data.readOnly)) return []
    return data.readOnly.filter((k): k is string => typeof k === 'string')
  } catch {
    return []
  } finally {
    closeSync(fd)
  }
}

declare const __RUNBOOK_READONLY_CHECKER__: string | undefined

/**
 * The read-only checker's identity: a hash of its sources and of the grammar, put in by
 * scripts/bundle.mjs. Undefined when running from the sources (tests): no verdict is remembered.
 */
export const READONLY_CHECKER: string | undefined =
  typeof __RUNBOOK_READONLY_CHECKER__ === 'string' ? __RUNBOOK_READONLY_CHECKER__ : undefined

/**
 * The verdicts a CLI process remembers, in `<stateDir>/cache/read-only.json`; undefined without a
 * checker identity. `learn`: save new verdicts. Only `runbook run` learns (it writes to the state
 * folder anyway: transcripts, the log); authoring commands (validate, list, test...) only read, so
 * that checking a repository in CI leaves nothing behind.
 */
export function stateVerdicts(stateDir: string, options: { learn: boolean }): ReadOnlyVerdicts | undefined {
  if (READONLY_CHECKER === undefined) return undefined
  return openReadOnlyVerdicts(join(stateDir, 'cache', 'read-only.json'), READONLY_CHECKER, options)
}
