/**
 * The command line the SSH executor really sends: the runbook's command behind a watcher that ends
 * the command's process group when the channel goes away. Transport only: transcripts, plans and
 * replays keep the command as written (`CommandSpec.command`).
 *
 * Why: closing the channel at a timeout does not stop the command on the host. sshd keeps a command
 * running after its channel closes, and the 'signal' channel request does not help: OpenSSH refuses
 * it for root logins ("session signalling requires privilege separation"), a user's signal cannot
 * reach a command run through sudo, and servers before 7.9 ignore it. So a timed-out `df` on a hung
 * NFS mount stayed, and piled up run after run.
 *
 * How: sshd starts the command as the leader of a new session and process group (setsid), with the
 * channel's data as stdin. The executor never sends data nor EOF on a command's stdin until it gives
 * up on the command (timeout or abort); sshd also closes that pipe when the connection dies. A
 * background reader of stdin therefore sees EOF exactly when the command must end; it then kills the
 * whole process group (`kill -KILL 0`: its own group, which is the command's) if the command is
 * still running. Under sudo the watcher runs inside sudo, so the kill has the command's privileges.
 * This relies on the server starting each exec request in a session of its own, as OpenSSH and
 * Dropbear do; never run a guarded command in a process group shared with anything else.
 *
 * What stays the same for the command: stdin, stdout and stderr (the watcher uses none of them), the
 * exit status and the killing signal (the command's shell is still the process sshd waits for),
 * `$$`, `$0`, `wait` and `jobs` (the watcher is not in the command shell's job table), and line
 * numbers in the shell's messages (the watcher is on the same line). Visible differences: bash
 * quotes the whole line in a syntax error message, watcher included; in bash, `$!` before the
 * command's first background job is the watcher's pid instead of empty.
 * Cost: one fork of the shell on the host (two for login shells other than bash, one fork and one
 * exec of sh under sudo), no other program.
 */
import { quote, withSudo } from '../shared/quote.ts'

/**
 * Reads the channel (fd 3) until EOF, then kills its process group if the command still runs.
 * `$$` is the command's shell even inside the subshell. When the command ended normally, sshd
 * closes stdin too; its group is then left alone (it may hold a deliberate background job).
 */
const WATCH = '(while read -r _; do :; done <&3; kill -0 $$ && kill -KILL 0) >/dev/null 2>&1 &'

/**
 * The watcher, for a command the login shell runs itself. POSIX sh, also valid in bash, dash, ksh
 * and zsh (the login shells that run exec requests).
 * - `3<&0` outside the asynchronous list: such a list gets /dev/null as stdin in a non-interactive
 *   shell, so the watcher reads the channel through fd 3.
 * - It must not stay in the job table of the command's shell: a bare `wait` in the command would
 *   wait for it forever. bash (nearly every login shell) starts it and `disown`s it: one fork
 *   (disown's stderr is dropped: when the watcher is already gone it would complain on the
 *   command's stderr).
 *   Other shells start it from a subshell that exits at once: two forks, and `$!` stays unset. In
 *   bash `$!` is the watcher's pid until the command starts a job of its own.
 */
export const STDIN_EOF_WATCHER = `if [ -n "\${BASH_VERSION-}" ]; then { ${WATCH} } 3<&0; disown 2>/dev/null; else ( ${WATCH} ) 3<&0; fi; `

/**
 * The same watcher for a command run by this machine's own shell (executors/local.ts), reading an
 * fd 3 pipe that the executor passes and never writes to: it closes when the executor's process
 * dies. The command itself keeps stdin as given (/dev/null) and does not see fd 3.
 */
export function guardLocalCommand(command: string): string {
  return `if [ -n "\${BASH_VERSION-}" ]; then { ${WATCH} }; disown 2>/dev/null; else ( ${WATCH} ); fi; exec 3<&-; ${command}`
}

/** Wrap a command, run by the login shell itself, so that it dies with its channel. */
export function guardCommand(command: string): string {
  return STDIN_EOF_WATCHER + command
}

/**
 * The command line sent to the host for a command: guarded, and through sudo when asked (the
 * watcher then runs inside sudo, so it may kill the command). `guard: false` sends the command as
 * before, for a host whose login shell is not a POSIX sh (RUNBOOK_SSH_GUARD_COMMANDS=0).
 *
 * @example
 * remoteCommand('df -h', false)  // if [ -n "${BASH_VERSION-}" ]; then { (while read ...) ... & } 3<&0; disown; else ...; fi; df -h
 * remoteCommand('df -h', true)   // sudo -n -- env ... sh -c '{ (while read ...) ... & } 3<&0; exec sh -c '\''df -h'\'''
 */
export function remoteCommand(command: string, sudo: boolean, guard = true): string {
  if (!guard) return sudo ? withSudo(command) : command
  if (!sudo) return guardCommand(command)
  // Under sudo the command always ran as `sh -c <command>`, and still does, exec'd by the wrapper:
  // same pid, so the watcher's `$$` is the command's. The command is thus parsed and run exactly
  // as before by whatever /bin/sh is (dash or bash, each with its own way of running a last
  // command in place or not), with the same messages. The exec'd shell starts with an empty job
  // table, so here the watcher needs no second fork to stay out of `wait`.
  return withSudo(`{ ${WATCH} } 3<&0; exec sh -c ${quote(command)}`)
}
