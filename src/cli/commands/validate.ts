import { readdirSync, statSync } from 'node:fs'
import { extname, join, resolve } from 'node:path'
import { setImmediate } from 'node:timers/promises'
import { EXIT, type RunbookError } from '../../errors.ts'
import { defineCommand } from '../command.ts'
import { displayPath, formatError, useColor, writeJson } from '../output.ts'

/**
 * The runbook files under `path`. Nothing is opened here: a FIFO or device named *.yaml, a symlink
 * loop or a dangling link is listed, and validateFile reports it as an error of that file while
 * the others still validate. A directory reached twice (a symlink back up the tree) is searched once.
 */
function yamlFiles(path: string, seen = new Set<string>()): string[] {
  let st: ReturnType<typeof statSync>
  try {
    st = statSync(path)
  } catch {
    return [path]
  }
  if (!st?.isDirectory()) return [path]
  const id = `${st.dev}:${st.ino}`
  if (seen.has(id)) return []
  seen.add(id)
  return readdirSync(path)
    .sort()
    .flatMap((f) => {
      const p = join(path, f)
      let isDir = false
      try {
        isDir = statSync(p).isDirectory()
      } catch {
        // ELOOP, a dangling link, a permission: validateFile says which, if it looks like a runbook.
      }
      return isDir ? yamlFiles(p, seen) : ['.yaml', '.yml'].includes(extname(f)) ? [p] : []
    })
}

export default defineCommand({
  name: 'validate',
  summary: 'Check runbooks: YAML, schema, names, reachability, CEL, params, read-only diagnostics',
  usage: 'validate [paths...] [--json]',
  description:
    'Reports every error of every file at once, each as file:line:col with the offending line and what to do. Paths may be files or directories (searched for .yaml/.yml). Without paths, validates every runbook runbook can find, and the actions in ./actions (and next to each $RUNBOOK_PATH entry). An action file (`apiVersion: runbook-action/v1`) is validated as one, in its own file. A triggers file (`kind: Triggers`, for runbook serve) is validated as one: its CEL over alert, and its runbooks and params against the runbooks runbook can find. Exits 0 when all are valid, 2 otherwise.',
  options: { json: { type: 'boolean', description: 'Print JSON: one entry per file with its errors' } },
  maxPositionals: Infinity,
  examples: ['runbook validate runbooks/', 'runbook validate my-runbook.yaml', 'runbook validate /etc/runbook/triggers.yaml'],
  async run({ values, positionals, io }) {
    // Loaded here, not at start-up: `runbook --help` and other commands stay fast.
    const { validateFile } = await import('../../dsl/validate.ts')
    const { parsers, runbookDirs, SHIPPED_RUNBOOKS } = await import('../../library.ts')
    const { actionDirs, createActionLibrary, isActionFile, validateActionFile, SHIPPED_ACTIONS } = await import('../../dsl/actions.ts')
    // Without paths: the runbooks runbook finds, and the actions a team keeps next to its own runbooks
    // (./actions, and those of each RUNBOOK_PATH entry), so `runbook validate` in a team repository checks both.
    const teamActions = () => {
      const own = runbookDirs(io.env, io.cwd).filter((d) => resolve(d) !== resolve(SHIPPED_RUNBOOKS))
      return actionDirs(own, io.env).filter((d) => resolve(d) !== resolve(SHIPPED_ACTIONS))
    }
    const roots = positionals.length > 0 ? positionals.map((p) => resolve(io.cwd, p)) : [...runbookDirs(io.env, io.cwd), ...teamActions()]
    const files = [...new Set(roots.flatMap((root) => yamlFiles(root)))]
    const { isTriggersFile, validateTriggersFile } = await import('../../service/hooks/validate.ts')
    const { withReadOnlyVerdicts } = await import('../../dsl/readonly.ts')
    const { stateVerdicts } = await import('../../dsl/readonly-verdicts.ts')
    const { stateDir } = await import('../../transcript/writer.ts')
    // Commands an earlier `runbook run` proved read-only are not parsed again (nothing is written here).
    const verdicts = stateVerdicts(stateDir(io.env), { learn: false })
    const { dirname } = await import('node:path')
    const check = (file: string) => {
      if (isTriggersFile(file)) return validateTriggersFile(file, runbookDirs(io.env, io.cwd))
      if (isActionFile(file)) return validateActionFile(file, parsers())
      return validateFile(file, parsers(), { actions: createActionLibrary(actionDirs([dirname(file)], io.env), parsers()) })
    }
    const results: Array<{ file: string; result: { ok: true } | { ok: false; errors: readonly RunbookError[] } }> = []
    for (const file of files) {
      // Yield between files: SIGINT/SIGTERM are handled while a large tree validates.
      await setImmediate()
      io.signal.throwIfAborted()
      results.push({ file, result: await withReadOnlyVerdicts(verdicts, () => check(file)) })
    }
    const { escapeControls } = await import('../../dsl/source-map.ts')
    // File names come from directory listings: escaped like everything else quoted from input.
    const show = (f: string) => escapeControls(displayPath(io.cwd, f))
    if (values.json) {
      writeJson(
        io,
        results.map(({ file, result }) => ({
          file: show(file),
          valid: result.ok,
          errors: result.ok
            ? []
            : result.errors.map((e) => ({ code: e.code, message: e.message, ...(e.pos ? { line: e.pos.line, col: e.pos.col } : {}) })),
        })),
      )
    } else {
      const color = useColor(io)
      for (const { file, result } of results) {
        if (result.ok) io.stdout.write(`ok    ${show(file)}\n`)
        else {
          io.stdout.write(`FAIL  ${show(file)} (${result.errors.length} error${result.errors.length === 1 ? '' : 's'})\n`)
          for (const e of result.errors) io.stderr.write(formatError(e, color).replace(escapeControls(file), show(file)) + '\n\n')
        }
      }
      const bad = results.filter((r) => !r.result.ok).length
      io.stdout.write(files.length === 0 ? 'No runbook files found.\n' : `${files.length - bad} valid, ${bad} invalid\n`)
    }
    return results.every((r) => r.result.ok) && files.length > 0 ? 0 : EXIT.USAGE
  },
})
