/**
 * `runbook` command line: parses argv, dispatches to a subcommand declared as data, maps errors
 * to exit codes by kind. Nothing here calls process.exit: it sets process.exitCode.
 */
import { EXIT } from '../errors.ts'
import { VERSION } from '../version.ts'
import { parseCommandArgs, renderHelp, type CommandDef, type Io } from './command.ts'
import { reportError } from './output.ts'
import exec from './commands/exec.ts'
import graph from './commands/graph.ts'
import init from './commands/init.ts'
import lab from './commands/lab.ts'
import list from './commands/list.ts'
import actionsCmd from './commands/actions.ts'
import parsersCmd from './commands/parsers.ts'
import record from './commands/record.ts'
import replay from './commands/replay.ts'
import runCmd from './commands/run.ts'
import runsCmd from './commands/runs.ts'
import schema from './commands/schema.ts'
import serve from './commands/serve.ts'
import show from './commands/show.ts'
import test from './commands/test.ts'
import validate from './commands/validate.ts'
import worker from './commands/worker.ts'

export const COMMANDS: readonly CommandDef[] = [
  runCmd,
  list,
  show,
  validate,
  graph,
  test,
  record,
  replay,
  exec,
  lab,
  parsersCmd,
  actionsCmd,
  schema,
  init,
  serve,
  worker,
  runsCmd,
]

function topHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2
  return [
    `runbook ${VERSION}: diagnose and fix hosts with declarative runbooks. Dry-run by default; every run recorded.`,
    '',
    'Usage: runbook <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Start here:',
    '  runbook list                                  what runbooks there are',
    '  runbook show <runbook>                        what it checks, which params it takes',
    '  runbook run <runbook> --host H                diagnose (changes nothing)',
    '  runbook run <runbook> --host H --apply        diagnose and fix, after you approve the plan',
    '  runbook init <dir>                            start a team repository: runbooks, actions, fixtures, CI',
    '',
    'Exit codes: 0 healthy, 1 internal error, 2 usage/validation error, 3 problem found, 4 fix proposed,',
    '            5 fix applied and verified, 6 fix rolled back, 7 run incomplete, 8 fix failed, not undone,',
    '            9 fix refused (pre-flight failed or host locked by another run),',
    '            10 fleet stopped early (failure budget reached, canary failed): some hosts never started.',
    "Run 'runbook <command> --help' for a command's options.",
    '',
  ].join('\n')
}

/** Run the CLI with injected I/O; resolves with the exit code. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const sub = name === 'help' ? COMMANDS.find((c) => c.name === rest[0]) : undefined
    io.stdout.write(sub ? renderHelp(sub) : topHelp())
    return name === undefined ? EXIT.USAGE : 0
  }
  if (name === '--version' || name === '-V') {
    io.stdout.write(`${VERSION}\n`)
    return 0
  }
  const command = COMMANDS.find((c) => c.name === name)
  if (!command) {
    io.stderr.write(`runbook: unknown command '${name}'. Commands: ${COMMANDS.map((c) => c.name).join(', ')}. See 'runbook --help'.\n`)
    return EXIT.USAGE
  }
  try {
    const args = parseCommandArgs(command, [...rest])
    if (args.values.help) {
      io.stdout.write(renderHelp(command))
      return 0
    }
    return await command.run({ ...args, io })
  } catch (err) {
    // Interrupted while reading or waiting: the error is the interruption itself, not a bug.
    if (io.signal.aborted) return interruptedExit(io.signal.reason)
    return reportError(err, io)
  }
}

/** 128 + the signal's number, as a shell reports it: SIGINT 130, SIGTERM 143. */
export function interruptedExit(reason: unknown): number {
  return reason === 'SIGTERM' ? EXIT.TERMINATED : EXIT.INTERRUPTED
}

/** Entry point of the `runbook` bin. */
export async function run(): Promise<void> {
  const controller = new AbortController()
  let interrupts = 0
  const onSignal = (sig: NodeJS.Signals) => {
    interrupts++
    if (interrupts === 1) {
      process.stderr.write(`\n${sig}: stopping the run (again to force)\n`)
      controller.abort(sig)
    } else {
      process.exitCode = EXIT.INTERRUPTED
      process.kill(process.pid, 'SIGKILL')
    }
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  // `runbook list | head`: a reader that went away is not an error of ours.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err
    process.stdout.destroy()
  })
  const io: Io = {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    signal: controller.signal,
  }
  const code = await main(process.argv.slice(2), io)
  process.off('SIGINT', onSignal)
  process.off('SIGTERM', onSignal)
  // The command is over and everything it wrote went out synchronously (stdout and stderr are files,
  // pipes or terminals; transcripts and the run log are written through). Exit now instead of
  // waiting for the event loop to drain: SSH connections were sent their disconnect, and waiting
  // for 50 busy sshds to close their end cost a fleet run ~0.1 s.
  process.exit(code)
}
