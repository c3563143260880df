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
 * no fork per command.
 *
 * The keeper (`KEEPER_SCRIPT`): a bash loop started in the background by the connection's first
 * guarded command (`keptCommand`), in a process group of its own, which outlives that command.
 * It used to run on a channel of its own; that channel cost the hosts about 6% of a 50-host fleet
 * run (an sshd session each), and a session of the server's MaxSessions. The first command says
 * the keeper's pid on a line of its stderr before it runs (the client takes the line out). Each
 * later command (not through sudo) starts by telling the keeper its pid, with the shell's builtin
 * printf (no fork) into the keeper's mailbox, /proc/KEEPER/fd/4 (a pipe of the keeper's own that
 * Linux reopens for the writer); `registeredCommand` writes that prefix, and a command that cannot
 * register (the keeper is gone) starts a watcher of its own. The keeper notes the pid with the
 * process's start time (/proc/PID/stat, field 22), so a pid the kernel has reused is never
 * mistaken for the command. It kills a command's process group:
 * - when the client asks (`k TOKEN` into the mailbox, from a short channel of its own:
 *   `keeperKill`, at the command's timeout or abort). A request that arrives before the
 *   command's registration is remembered, and the command is killed when it registers;
 * - the first command: when its stdin ends while it runs (the keeper holds it: it is that
 *   command's watcher), within a second;
 * - when the connection is gone (closed, dead, or the runbook process was killed): the keeper
 *   looks at sshd's process of the connection once a second, and when it has ended kills the
 *   commands still running, and ends. A command that ended normally keeps its deliberate
 *   background job, as with the watcher.
 * The keeper runs where the login shell is bash and the channel's stdin is a pipe /proc can
 * reopen (Linux); elsewhere the first command starts no keeper (no line), and every command keeps
 * its own watcher. Commands through sudo always have their own watcher, inside sudo: only it has
 * the privileges to kill them.
 * What changes for a registered command: `$?` is 0 at its start, as in any new shell, and nothing
 * else; for the first command: `$!` is the keeper's pid until it starts a job of its own. What is
 * left: a command that the connection's death catches in the few milliseconds before its
 * registration reaches the keeper survives it (its timeout or abort is still honoured: the
 * request waits for the registration); a kill request waits for a free session, and past 10 s
 * the connection is closed instead (its keeper then kills every command of it).
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
 * The keeper (see the top of this file): a bash script, exec'd by a background job of the
 * connection's first guarded command as `bash -c KEEPER_SCRIPT runbook-keeper FIRST SSHD`, so that
 * `ps` on the host shows a keeper, not a copy of the first command. FIRST is that command's shell,
 * SSHD its parent (sshd's process for the connection), fd 3 the first command's stdin (its channel).
 * - It checks that SSHD runs and that FIRST is the leader of its own session (an exec request's
 *   shell), then opens its mailbox, fd 4 (a pipe of its own, `<(:)`). Without them it is the first
 *   command's watcher and nothing more; later commands then fail to register and start their own.
 * - Its list: `pid:start time:fd:token` of each command it guards; fd is the command's stdin where
 *   it holds one (the first command), else `-`.
 * - Mailbox lines are handled as they come: `+ TOKEN PID` registers (a session leader only),
 *   `k TOKEN` kills that command's process group (a kill asked before the registration, `d_TOKEN`,
 *   is carried out at the registration), anything else is ignored.
 * - Once a second (`read -t 1`, SECONDS): each listed command that ended is forgotten, one whose
 *   stdin ended while it runs is killed; then SSHD: gone (a zombie, or its pid another process's
 *   now), the connection is over: every listed command still running is killed, and it ends.
 * A process is the listed one while its start time (/proc/PID/stat field 22) is the same.
 */
export const KEEPER_SCRIPT = `: runbook keeper, see executors/remote-command.ts
trap '' PIPE HUP
k_first=$1 k_sshd=$2 k_all=
k_stat() { k_st=; { IFS= read -r k_st </proc/$1/stat; } 2>/dev/null || return 1; k_st=\${k_st##*) }; }
k_add() { # pid fd token; sets k_s, the start time
  k_stat "$1" || return 1
  set -- "$1" "$2" "$3" $k_st
  [ "$7" = "$1" ] || return 1
  k_s=\${23}
  k_all="$k_all $1:$k_s:$2:$3"
}
k_alive() { k_stat "$1" || return 1; set -- "$2" $k_st; [ "$2" != Z ] && [ "$1" = "\${21-}" ]; }
k_kill() { k_alive "$1" "$2" && kill -9 -"$1" 2>/dev/null; }
k_check() { # forget ended commands, kill those whose stdin ended; with "all": kill every one
  k_live=
  for k_e in $k_all; do
    k_p=\${k_e%%:*} k_r=\${k_e#*:}; k_s=\${k_r%%:*} k_r=\${k_r#*:}; k_f=\${k_r%%:*} k_t=\${k_r#*:}
    if [ -n "\${1-}" ]; then k_kill "$k_p" "$k_s"
    elif ! k_alive "$k_p" "$k_s"; then :
    elif [ "$k_f" != - ] && read -r -t 0 -u "$k_f" 2>/dev/null; then k_kill "$k_p" "$k_s"
    else k_live="$k_live $k_e"; continue
    fi
    if [ "$k_f" != - ]; then exec {k_f}<&-; fi
    if [ "$k_t" != - ]; then unset "t_$k_t"; fi
  done
  k_all=$k_live
}
k_watch() { while read -r _; do :; done <&3; kill -0 "$k_first" && kill -9 -"$k_first"; exit 0; }
if k_stat "$k_sshd" && set -- $k_st && k_sshd_st=\${20} && exec 4<> <(:); then
  # A first command already ended has nothing left to guard.
  k_add "$k_first" 3 - || ! kill -0 "$k_first" || k_watch
else
  k_watch
fi 2>/dev/null
k_tick=$SECONDS
while :; do
  if IFS=' ' read -r -t 1 k_op k_t k_pid <&4; then
    case $k_t in ''|*[!0-9]*) k_op= ;; esac
    case $k_op in
    +)
      case $k_pid in ''|*[!0-9]*) continue ;; esac
      if k_add "$k_pid" - "$k_t"; then
        eval "t_$k_t=\\$k_pid:\\$k_s k_d=\\\${d_$k_t-}"
        if [ -n "$k_d" ]; then unset "d_$k_t" "t_$k_t"; k_kill "$k_pid" "$k_s"; fi
      fi
      ;;
    k)
      eval "k_e=\\\${t_$k_t-}"
      if [ -n "$k_e" ]; then unset "t_$k_t"; k_kill "\${k_e%%:*}" "\${k_e#*:}"; else eval "d_$k_t=1"; fi
      ;;
    esac
    [ "$SECONDS" = "$k_tick" ] && continue
  fi
  k_tick=$SECONDS
  k_check
  k_alive "$k_sshd" "$k_sshd_st" || break
done
k_check all
`

/**
 * KEEPER_SCRIPT as one bash word on one line (`$'...'`): the first command's own line numbers do
 * not move. dash parses it too (as `$` and a quoted word), in the branch it never runs.
 */
const KEEPER_ARG = `$'${KEEPER_SCRIPT.replace(/\\/g, '\\\\').replace(/'/g, '\\x27').replace(/\n/g, '\\n')}'`

/** The keeper's pid on its own stderr line, `\x1erunbook-keeper NONCE PID`: the first command's stderr, stripped by the client. */
export function keeperLine(nonce: string, pid: number): string {
  return `\x1erunbook-keeper ${nonce} ${pid}\n`
}

/**
 * The first guarded command of a connection: it starts the keeper, in a process group of its own
 * (`set -m` for that one job: the keeper must outlive a kill of the command's group), says the
 * keeper's pid on stderr before the command runs (`keeperLine`), then runs the command. Under a
 * login shell other than bash, or with a stdin that /proc cannot reopen (a socketpair), it is
 * `guardCommand(command)`: no keeper, no line.
 * `nonce` (letters and digits) tells the client's line from anything the login files print.
 *
 * @example
 * keptCommand('uname -n', 'a1b2')  // if [ -n "${BASH_VERSION-}" ] && [ -p /proc/$$/fd/0 ]; then set -m; { : runbook keeper ...; } ...
 */
export function keptCommand(command: string, nonce: string): string {
  if (!/^[A-Za-z0-9]{1,64}$/.test(nonce)) throw new Error(`keptCommand: bad nonce ${JSON.stringify(nonce)}`)
  return (
    `if [ -n "\${BASH_VERSION-}" ] && [ -p /proc/$$/fd/0 ]; then set -m; { exec "$BASH" -c ${KEEPER_ARG} runbook-keeper $$ $PPID; } ` +
    `3<&0 0</dev/null >/dev/null 2>&1 & set +m; disown 2>/dev/null; printf '\\036runbook-keeper ${nonce} %s\\n' "$!" >&2; ` +
    `else ${STDIN_EOF_WATCHER}fi; ${command}`
  )
}

/** The keeper's pid in the first command's stderr so far, and that line, or undefined. */
export function findKeeper(stderr: string, nonce: string): { pid: number; line: string } | undefined {
  const at = stderr.indexOf(`\x1erunbook-keeper ${nonce} `)
  if (at === -1) return undefined
  const m = /^\x1erunbook-keeper [A-Za-z0-9]+ ([1-9]\d{0,9})\n/.exec(stderr.slice(at))
  return m ? { pid: Number(m[1]), line: m[0] } : undefined
}

/**
 * A command that registers with the keeper `keeper` as `token` before it runs (see the top of this
 * file); when it cannot (the keeper is gone), it starts a watcher of its own. Not through sudo
 * (the keeper could not kill it): those keep `remoteCommand`. The login shell is bash (the keeper
 * runs only there).
 *
 * @example
 * registeredCommand('df -h', 4242, 7)  // { printf '+ 7 %s\n' $$ >/proc/4242/fd/4; } 2>/dev/null || { { (while read ...) & } 3<&0; disown ...; }; df -h
 */
export function registeredCommand(command: string, keeper: number, token: number): string {
  checkKeeper(keeper, token)
  return `{ printf '+ ${token} %s\\n' $$ >/proc/${keeper}/fd/4; } 2>/dev/null || { { ${WATCH} } 3<&0; disown 2>/dev/null; }; ${command}`
}

/** The command line that asks the keeper to kill the command registered (or about to be) as `token`. */
export function keeperKill(keeper: number, token: number): string {
  checkKeeper(keeper, token)
  return `printf 'k ${token}\\n' >/proc/${keeper}/fd/4`
}

function checkKeeper(keeper: number, token: number): void {
  if (!Number.isSafeInteger(keeper) || keeper <= 0 || !Number.isSafeInteger(token) || token < 0)
    throw new Error(`registeredCommand: bad keeper ${keeper} or token ${token}`)
}
