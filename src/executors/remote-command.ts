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
 * exec of sh under sudo), no other program. A fork of bash costs about 1 ms of CPU on a small VM
 * (at 50 hosts of 7 commands, a tenth to a sixth of a fleet run on the bench's 2 cores). So a
 * connection's later commands register with a keeper instead (below): one shell per connection,
 * no fork per command. The keeper's own channel costs about what a command's does (sshd's session
 * set-up), so it pays from about the 7th command of a connection: on the long-lived connections
 * of `runbook serve` more than in a one-shot run of a few commands.
 *
 * The keeper (`KEEPER_SCRIPT`): a shell loop on a channel of its own, started with the connection's
 * first guarded command (which still has its own watcher). Each later command (not through sudo)
 * starts by telling the keeper its pid, with the shell's builtin printf (no fork) into the keeper's
 * stdin through /proc/KEEPER/fd/3 (Linux reopens the pipe itself); `registeredCommand` writes that
 * prefix. Fd 3 is the keeper's copy of its stdin, which it never moves. Not fd 0: the keeper reads
 * /proc/PID/stat through a redirection of its fd 0, and a command registering at that moment wrote
 * into that stat file instead (EINVAL; EACCES for a user) and ran unguarded: commands started
 * together lost about one registration in fifty that way. The keeper notes the pid with the
 * process's start time (/proc/PID/stat, field 22), so a pid the kernel has reused is never mistaken
 * for the command. It kills a command's process group:
 * - when the client asks (`k TOKEN` on its stdin: the command's timeout or abort). A request that
 *   arrives before the command's own registration is remembered, and the command is killed when it
 *   registers;
 * - when its stdin ends: the connection is gone (closed, dead, or the runbook process was killed).
 *   Only commands still running are killed, as the watcher does: a command that ended normally
 *   keeps its deliberate background job.
 * It answers each `k` request with `k TOKEN killed|gone|unknown`, ignores lines it cannot read, and
 * starts only where its stdin can be reopened through /proc (Linux, a pipe): elsewhere it prints
 * `keeper unavailable` and exits, and every command keeps its own watcher. Commands through sudo always
 * have their own watcher, inside sudo: only it has the privileges to kill them.
 * What changes for a registered command: `$?` is 0 at its start, as in any new shell, and nothing
 * else. What is left: a command killed in the few milliseconds between its start and its
 * registration reaching the keeper survives the death of its connection (its timeout or abort is
 * still honoured: the request waits for the registration).
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

/**
 * The keeper of a connection (see the top of this file), run by the login shell as an exec request
 * of its own. POSIX sh; its variables are p_TOKEN (pid), s_TOKEN (start time) and d_TOKEN (a kill
 * asked before the registration), and k_*. Every 64 registrations it forgets the commands that
 * ended, so a long-lived connection does not grow it. SIGPIPE and SIGHUP are ignored: the keeper
 * must outlive the channel it reads, to sweep after it.
 */
export const KEEPER_SCRIPT = `: runbook keeper, see executors/remote-command.ts
trap '' PIPE HUP
k_alive() {
  k_st=
  { IFS= read -r k_st </proc/$1/stat; } 2>/dev/null || return 1
  k_st=\${k_st##*) }
  set -- "$2" $k_st
  [ "$1" = "\${21-}" ]
}
k_kill() {
  eval "k_p=\\\${p_$1-} k_s=\\\${s_$1-}"
  if [ -z "$k_p" ]; then eval "d_$1=1"; echo "k $1 unknown"; return 0; fi
  eval "p_$1= s_$1="
  if k_alive "$k_p" "$k_s"; then kill -9 -"$k_p" 2>/dev/null; echo "k $1 killed"; else echo "k $1 gone"; fi
}
k_prune() {
  k_live=
  for k_t in $k_all; do
    eval "k_p=\\\${p_$k_t-} k_s=\\\${s_$k_t-}"
    if [ -n "$k_p" ] && k_alive "$k_p" "$k_s"; then k_live="$k_live $k_t"; else unset "p_$k_t" "s_$k_t"; fi
  done
  k_all=$k_live
}
exec 3<&0
{ [ -p /proc/$$/fd/3 ] && printf 'self\\n' >/proc/$$/fd/3; } 2>/dev/null && IFS= read -r k_l && [ "$k_l" = self ] || { echo 'keeper unavailable'; exit 0; }
echo "keeper $$"
k_all=
k_n=0
while IFS=' ' read -r k_op k_t k_pid; do
  case $k_t in ''|*[!0-9]*) continue ;; esac
  case $k_op in
  +)
    case $k_pid in ''|*[!0-9]*) continue ;; esac
    k_st=
    { IFS= read -r k_st </proc/$k_pid/stat; } 2>/dev/null
    k_st=\${k_st##*) }
    set -- $k_st
    eval "p_$k_t=\\$k_pid s_$k_t=\\\${20-}"
    k_all="$k_all $k_t"
    eval "k_d=\\\${d_$k_t-}"
    if [ -n "$k_d" ]; then k_kill "$k_t"; fi
    k_n=$((k_n + 1))
    if [ "$k_n" -ge 64 ]; then k_n=0; k_prune; fi
    ;;
  k) k_kill "$k_t" ;;
  esac
done
exec >/dev/null 2>&1
for k_t in $k_all; do
  eval "k_p=\\\${p_$k_t-}"
  if [ -n "$k_p" ]; then k_kill "$k_t"; fi
done
`

/** What the keeper prints on its first line when it runs: `keeper PID`. */
export function keeperPid(line: string): number | undefined {
  const m = /^keeper (\d+)$/.exec(line)
  return m ? Number(m[1]) : undefined
}

/**
 * A command that registers with the keeper `keeper` as `token` before it runs (see the top of this
 * file). Not through sudo (the keeper could not kill it): those keep `remoteCommand`.
 *
 * @example
 * registeredCommand('df -h', 4242, 7)  // { printf '+ 7 %s\n' $$ >/proc/4242/fd/3; } 2>/dev/null || :; df -h
 */
export function registeredCommand(command: string, keeper: number, token: number): string {
  if (!Number.isSafeInteger(keeper) || keeper <= 0 || !Number.isSafeInteger(token) || token < 0)
    throw new Error(`registeredCommand: bad keeper ${keeper} or token ${token}`)
  return `{ printf '+ ${token} %s\\n' $$ >/proc/${keeper}/fd/3; } 2>/dev/null || :; ${command}`
}
