import { existsSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { EXIT, RunbookError } from '../../errors.ts'
import { defineCommand } from '../command.ts'
import { displayPath, writeJson } from '../output.ts'

const SHIPPED_FIXTURES = fileURLToPath(new URL('../../../fixtures/', import.meta.url))

export default defineCommand({
  name: 'test',
  summary: 'Replay recorded transcripts of runbooks and report transition coverage',
  usage: 'test [runbook...] [--fixtures DIR] [--min-coverage N] [--json]',
  description: `Re-runs each runbook against every recorded transcript under <fixtures>/<runbook>/*.jsonl, offline: the
replay executor answers each command from the recording, and a command the recording does not have fails loudly.
Each fixture must reach its recorded outcome along its recorded path. Coverage is the share of the compiled
machine's authored transitions that some fixture takes (engine safety edges are not counted).
Record a fixture with: runbook record <runbook> --case NAME [run options] (it writes fixtures/<runbook>/<NAME>.jsonl).
Without names, shipped runbooks that have no fixtures under a team's fixtures root are listed on one line, not tested.
Exits 0 when every fixture passes (and coverage meets --min-coverage), 7 otherwise.`,
  options: {
    fixtures: { type: 'string', valueName: 'DIR', description: 'Fixtures root (default ./fixtures, else the shipped fixtures)' },
    'min-coverage': { type: 'string', valueName: 'N', description: 'Fail when a tested runbook covers less than N% of its transitions' },
    json: { type: 'boolean', description: 'Print JSON results' },
  },
  maxPositionals: Infinity,
  examples: ['runbook test', 'runbook test log-dir-full --min-coverage 100'],
  async run({ values, positionals, io }) {
    // Loaded here, not at start-up: `runbook --help` and other commands stay fast.
    const { listRunbookFiles, loadRunbookRemembering, resolveRunbook, runbookDirs, SHIPPED_RUNBOOKS } = await import('../../library.ts')
    const { stateDir } = await import('../../transcript/writer.ts')
    const { fixtureFiles, testRunbook } = await import('../../testing/replay.ts')
    // resolve, not join: an absolute --fixtures is taken as given.
    const root =
      typeof values.fixtures === 'string'
        ? resolve(io.cwd, values.fixtures)
        : existsSync(join(io.cwd, 'fixtures'))
          ? join(io.cwd, 'fixtures')
          : SHIPPED_FIXTURES
    if (!existsSync(root) || !statSync(root).isDirectory()) {
      throw new RunbookError(
        'RB_USAGE',
        `test: fixtures directory ${root} ${existsSync(root) ? 'is not a directory' : 'does not exist'} (--fixtures DIR holds <runbook>/<case>.jsonl)`,
      )
    }
    const min = values['min-coverage'] === undefined ? 0 : Number(values['min-coverage'])
    if (!Number.isFinite(min) || min < 0 || min > 100)
      throw new RunbookError('RB_USAGE', `test: --min-coverage must be a number from 0 to 100`)
    const dirs = runbookDirs(io.env, io.cwd)
    const found = listRunbookFiles(dirs)
    // A team's fixtures (./fixtures, --fixtures) do not hold the shipped runbooks' recordings: unless named
    // or recorded there, those are tested in runbook's own repository, and listed here on one line.
    const untested =
      positionals.length > 0 || resolve(root) === resolve(SHIPPED_FIXTURES)
        ? []
        : [...found]
            .filter(([name, file]) => file.startsWith(SHIPPED_RUNBOOKS) && fixtureFiles(root, name).length === 0)
            .map(([name]) => name)
    const names = positionals.length > 0 ? positionals : [...found.keys()].filter((n) => !untested.includes(n))
    const results = []
    let failed = false
    for (const name of names) {
      const compiled = await loadRunbookRemembering(resolveRunbook(name, dirs, io.cwd), stateDir(io.env), { learn: false })
      const files = fixtureFiles(root, compiled.name)
      const r = await testRunbook(compiled, files)
      results.push(r)
      const cov = r.coverage
      const covered = cov.covered.length
      const total = covered + cov.uncovered.length
      const bad = r.fixtures.filter((f) => !f.ok)
      if (bad.length > 0 || (files.length > 0 && cov.percent < min) || (positionals.length > 0 && files.length === 0)) failed = true
      if (values.json) continue
      io.stdout.write(
        `${compiled.name}: ${files.length === 0 ? 'no fixtures' : `${r.fixtures.length - bad.length}/${r.fixtures.length} fixtures pass`}, transitions ${covered}/${total} covered (${cov.percent}%)${cov.internal ? `, ${cov.internal} engine safety edges not counted` : ''}\n`,
      )
      for (const f of r.fixtures) {
        const out = f.result?.summary.outcome?.id ?? '-'
        io.stdout.write(`  ${f.ok ? 'ok  ' : 'FAIL'} ${displayPath(io.cwd, f.file)} → ${out}\n`)
        if (f.error) io.stdout.write(`       ${f.error.code}: ${f.error.message}\n`)
      }
      if (cov.uncovered.length > 0)
        io.stdout.write(`  not covered: ${cov.uncovered.map((e) => `${e.id} (${e.from} → ${e.to})`).join(', ')}\n`)
    }
    if (untested.length > 0 && !values.json)
      io.stdout.write(
        `shipped runbooks with no fixtures in ${displayPath(io.cwd, root)}, not tested: ${untested.join(', ')} (\`runbook record <runbook> --case NAME\` records one here)\n`,
      )
    if (values.json) {
      writeJson(
        io,
        results.map((r) => ({
          runbook: r.runbook,
          fixtures: r.fixtures.map((f) => ({
            file: f.file,
            ok: f.ok,
            outcome: f.result?.summary.outcome?.id ?? null,
            path: f.result?.summary.path ?? [],
            error: f.error ? { code: f.error.code, message: f.error.message } : null,
          })),
          coverage: {
            percent: r.coverage.percent,
            covered: r.coverage.covered.map((e) => e.id),
            uncovered: r.coverage.uncovered.map((e) => e.id),
          },
        })),
      )
    }
    return failed ? EXIT.INCOMPLETE : 0
  },
})
