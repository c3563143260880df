import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { Writable } from 'node:stream'
import { EXIT, RunbookError } from '../../errors.ts'
import { defineCommand, type OptionDef } from '../command.ts'
import { displayPath } from '../output.ts'
import runCmd from './run.ts'

/** The options of `run` that make sense for one recorded run: not fleets, not the service, not --transcript. */
const RUN_OPTIONS = [
  'host',
  'param',
  'param-file',
  'param-env',
  'apply',
  'yes',
  'local',
  'inventory',
  'accept-new-host-keys',
  'json',
  'verbose',
  'log-level',
] as const

/** A case name is a file name in fixtures/<runbook>/: no path, no leading dot. */
const CASE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/

export default defineCommand({
  name: 'record',
  summary: 'Run a runbook for real and keep the transcript as a fixture that `runbook test` replays',
  usage: 'record <runbook> --case NAME [--fixtures DIR] [--host H | --local] [--param k=v ...] [--apply [--yes]]',
  description: `Runs the runbook as \`runbook run\` does (the same options, dry-run unless --apply), from this machine, and writes its
transcript to <fixtures>/<runbook>/<case>.jsonl, where \`runbook test\` finds it. An existing fixture of that case is replaced
only once the new recording is complete and replays offline to the same outcome along the same path; otherwise the old
one stays and the new recording is kept next to it as <case>.jsonl.rejected for a look.
Fixtures root: --fixtures DIR, else ./fixtures (created if missing).
Exits 0 when the fixture was written (whatever the run diagnosed: its exit code is printed), 7 when it was not,
2 for usage errors, 130/143 when interrupted (nothing is written).`,
  options: {
    case: { type: 'string', valueName: 'NAME', description: 'Fixture name: <fixtures>/<runbook>/<NAME>.jsonl (letters, digits, . _ -)' },
    fixtures: { type: 'string', valueName: 'DIR', description: 'Fixtures root (default ./fixtures)' },
    ...Object.fromEntries(RUN_OPTIONS.map((name) => [name, runCmd.options[name]!] as [string, OptionDef])),
  },
  maxPositionals: 1,
  examples: [
    'runbook record dir-budget --case within-budget --local -p dir=/var/log',
    'runbook record unreachable-host --case sshguard-block --host web1 -p client_ip=198.18.0.1',
    'runbook record log-dir-full --case rotated-apply --local --apply --yes',
  ],
  async run({ values, positionals, io }) {
    const ref = positionals[0]
    if (!ref) throw new RunbookError('RB_USAGE', 'record: which runbook? Usage: runbook record <runbook> --case NAME [run options]')
    const name = values.case
    if (typeof name !== 'string')
      throw new RunbookError('RB_USAGE', 'record: --case NAME is required: the fixture is written to <fixtures>/<runbook>/<NAME>.jsonl')
    if (!CASE_NAME.test(name) || name.endsWith('.jsonl'))
      throw new RunbookError(
        'RB_USAGE',
        `record: --case must be a file name of letters, digits, '.', '_' and '-' (not starting with '.', without .jsonl), like sshguard-block`,
      )
    // Loaded here, not at start-up: `runbook --help` and other commands stay fast.
    const { loadRunbookRemembering, resolveRunbook, runbookDirs } = await import('../../library.ts')
    const { stateDir } = await import('../../transcript/writer.ts')
    const { testRunbook } = await import('../../testing/replay.ts')
    const compiled = await loadRunbookRemembering(resolveRunbook(ref, runbookDirs(io.env, io.cwd), io.cwd), stateDir(io.env), {
      learn: false,
    })
    const root = resolve(io.cwd, typeof values.fixtures === 'string' ? values.fixtures : 'fixtures')
    const dir = join(root, compiled.name)
    mkdirSync(dir, { recursive: true })
    const fixture = join(dir, `${name}.jsonl`)
    // Not *.jsonl: `runbook test` never picks up a recording that is still being written.
    const recording = `${fixture}.recording-${process.pid}`
    const rejected = `${fixture}.rejected`
    const show = (p: string) => displayPath(io.cwd, p)
    rmSync(recording, { force: true })
    let runExit: number
    try {
      // Recorded from this machine: never handed to a server (RUNBOOK_SERVER), whose runs have no local transcript.
      const env = { ...io.env }
      delete env.RUNBOOK_SERVER
      // `run` names the file it recorded to; that name is temporary here, and the fixture line below says where it went.
      const notice = `transcript: ${recording}\n`
      const stderr = Object.assign(
        new Writable({
          write: (chunk: Buffer, _enc, done) => {
            if (chunk.toString() !== notice) io.stderr.write(chunk)
            done()
          },
        }),
        { isTTY: io.stderr.isTTY },
      )
      runExit = await runCmd.run({ values: { ...values, transcript: recording }, positionals: [ref], rest: [], io: { ...io, env, stderr } })
      if (io.signal.aborted) {
        io.stderr.write(`record: interrupted: ${show(fixture)} not written\n`)
        return runExit
      }
      if (!existsSync(recording))
        throw new RunbookError('RB_USAGE', `record: the run did not start, so there is nothing to record; ${show(fixture)} not written`)
    } catch (err) {
      rmSync(recording, { force: true })
      throw err
    }
    // A fixture must replay, or `runbook test` would fail on it: check before it replaces a good one.
    const [check] = (await testRunbook(compiled, [recording])).fixtures
    if (!check?.ok) {
      renameSync(recording, rejected)
      io.stderr.write(
        `record: the recording does not replay (${check?.error?.code ?? 'unknown'}: ${check?.error?.message ?? 'no result'}); ${show(fixture)} ${existsSync(fixture) ? 'kept as it was' : 'not written'}, the recording is ${show(rejected)}\n`,
      )
      return EXIT.INCOMPLETE
    }
    const replaced = existsSync(fixture)
    renameSync(recording, fixture)
    rmSync(rejected, { force: true })
    const summary = check.result!.summary
    io.stderr.write(
      `fixture: ${show(fixture)} (${replaced ? 'replaced the old one' : 'new'}): run exited ${runExit}, outcome ${summary.outcome?.id ?? 'none'}, ${summary.path.length} transition${summary.path.length === 1 ? '' : 's'}; \`runbook test ${compiled.name}\` replays it\n`,
    )
    return 0
  },
})
