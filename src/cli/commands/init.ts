import { lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { RunbookError } from '../../errors.ts'
import { PACKAGE_ROOT, VERSION } from '../../version.ts'
import { defineCommand } from '../command.ts'
import { displayPath } from '../output.ts'

/** What `runbook init` copies: a sample team repository (templates/init/), kept in this repo and tested. */
const TEMPLATE = join(PACKAGE_ROOT, 'templates', 'init')
const SCHEMAS = join(PACKAGE_ROOT, 'schemas')
/** Where the scaffold keeps its copies of the schemas, for editors; settings and modelines point here relatively. */
const SCHEMA_DIR = '.runbook/schemas'

interface ScaffoldFile {
  /** Relative to the target directory, with `/`. */
  path: string
  content: string
  mode: number
}

function templateFiles(dir = TEMPLATE): ScaffoldFile[] {
  return readdirSync(dir)
    .sort()
    .flatMap((f) => {
      const p = join(dir, f)
      if (statSync(p).isDirectory()) return templateFiles(p)
      const path = relative(TEMPLATE, p).split(sep).join('/')
      // Fixtures are recorded runs: copied byte for byte. Other files may name the version that wrote them.
      const text = readFileSync(p, 'utf8')
      const content = path.startsWith('fixtures/') ? text : text.replaceAll('__VERSION__', VERSION)
      return [{ path, content, mode: statSync(p).mode & 0o111 ? 0o755 : 0o644 }]
    })
}

/** The schemas as this version of runbook has them; action.schema.json refers to runbook.schema.json next to it. */
function schemaFiles(): ScaffoldFile[] {
  return ['runbook', 'action', 'inventory'].map((s) => ({
    path: `${SCHEMA_DIR}/${s}.schema.json`,
    content: readFileSync(join(SCHEMAS, `${s}.schema.json`), 'utf8'),
    mode: 0o644,
  }))
}

/** `path` exists as anything (a dangling symlink included). */
function present(path: string): boolean {
  try {
    lstatSync(path)
    return true
  } catch {
    return false
  }
}

function write(root: string, file: ScaffoldFile, replace: boolean): void {
  const target = join(root, file.path)
  try {
    mkdirSync(dirname(target), { recursive: true })
    // Replace the entry itself, never write through a symlink into another file.
    if (replace && present(target) && !lstatSync(target).isDirectory()) rmSync(target)
    writeFileSync(target, file.content, { flag: 'wx', mode: file.mode })
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    throw new RunbookError(
      'RB_USAGE',
      `init: cannot write ${file.path} in ${root}: ${e.code === 'EEXIST' ? 'it exists (and is not a file --force may replace)' : e.code === 'ENOTDIR' ? 'a parent of it is a file' : e.message}`,
    )
  }
}

export default defineCommand({
  name: 'init',
  summary: 'Start a team repository: runbooks/, actions/, fixtures/, inventory example, editor schemas, CI',
  usage: 'init [dir] [--force] [--schemas]',
  description: `Writes, in dir (default: the current directory; created if missing):
  runbooks/dir-budget.yaml             a sample runbook that uses the team's action and a shipped one
  actions/team/dir-size.yaml           the team's own action (uses: team/dir-size@1)
  fixtures/dir-budget/*.jsonl          transcripts of real runs of the sample: \`runbook test\` replays them
  inventory.example.yaml               hosts, groups, vars and bastions (copy to inventory.yaml)
  .runbook/schemas/*.schema.json       the schemas of this runbook version, for editors
  .vscode/settings.json                maps them to runbooks/, actions/ and the inventory (relative paths)
  ci.sh, .github/workflows/runbooks.yml  CI: runbook validate && runbook test
Runbooks in ./runbooks and actions in ./actions are found from the repository root with no settings.
An existing file is never overwritten: init stops, names them, and writes nothing (exit 2). --force replaces
those of its own files that exist, and nothing else. --schemas (re)writes only the schema copies, after an upgrade.`,
  options: {
    force: { type: 'boolean', description: 'Replace the files init writes when they exist (only those)' },
    schemas: { type: 'boolean', description: 'Only (re)write .runbook/schemas/ from this version of runbook' },
  },
  maxPositionals: 1,
  examples: ['runbook init', 'runbook init ops-runbooks && cd ops-runbooks && runbook validate && runbook test', 'runbook init --schemas'],
  async run({ values, positionals, io }) {
    const root = resolve(io.cwd, positionals[0] ?? '.')
    if (present(root) && !statSync(root).isDirectory())
      throw new RunbookError('RB_USAGE', `init: ${positionals[0]} exists and is not a directory`)
    const files = values.schemas ? schemaFiles() : [...templateFiles(), ...schemaFiles()]
    const replace = Boolean(values.force || values.schemas)
    const existing = files.filter((f) => present(join(root, f.path)))
    if (existing.length > 0 && !replace) {
      throw new RunbookError(
        'RB_USAGE',
        `init: ${existing.length} file${existing.length === 1 ? '' : 's'} would be overwritten in ${root}: ${existing.map((f) => f.path).join(', ')}. Nothing was written. Move them away, or pass --force to replace these files (and only these).`,
      )
    }
    for (const f of files) write(root, f, replace)
    const shown = displayPath(io.cwd, root)
    const out = [
      `${values.schemas ? 'Wrote the schemas' : 'Wrote a team repository'} in ${shown} (${files.length} files${existing.length > 0 ? `, ${existing.length} replaced` : ''}):`,
      ...files.map((f) => `  ${f.path}`),
    ]
    if (!values.schemas) {
      out.push(
        '',
        'Next:',
        ...(shown === '.' ? [] : [`  cd ${/^[\w@%+=:,./-]+$/.test(shown) ? shown : `'${shown.replaceAll("'", "'\\''")}'`}`]),
        '  runbook validate && runbook test                        what CI runs (ci.sh)',
        '  runbook run dir-budget --local -p dir=/var/log           the sample, for real (changes nothing)',
        '  runbook record dir-budget --case NAME --local -p dir=... keep a real run as a fixture',
        '  runbook actions                                          the actions a step can use',
      )
    }
    io.stdout.write(out.join('\n') + '\n')
    return 0
  },
})
