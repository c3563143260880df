/**
 * The engine's own host operations, as their commands read: where host state lives on a host,
 * which operation a recorded command is, and how replays and resumed runs find it again. Shared so
 * that views, executors and the service need not import the engine (engine/host-ops.ts writes the
 * commands).
 */
import type { CommandSpec, EngineOp } from '../types.ts'

/** Host state directory, as the shell on the host expands it. */
export const HOST_DIR = '"${RUNBOOK_HOST_DIR:-/var/lib/runbook}"'

/**
 * Which of the engine's own operations a command is, told by the first line of its script, or
 * undefined for any other command. Recordings made before commands carried their `engine` name
 * have no other marker; those first lines have not changed since (the rest of a script may differ
 * from one version to the next), and no runbook command starts like them.
 */
export function scriptEngineOp(command: string): EngineOp | undefined {
  if (!command.includes(HOST_DIR)) return undefined
  const first = command.split('\n', 1)[0]!
  if (first.startsWith(`h=${HOST_DIR}; d="$h/lock"; now=$(date +%s);`)) return 'lock.acquire'
  if (first.startsWith(`d=${HOST_DIR}/lock; [ "$(cat "$d/token" 2>/dev/null)" = `)) return 'lock.renew'
  if (first.startsWith(`h=${HOST_DIR}; d="$h/lock"; [ "$(cat "$d/token" 2>/dev/null)" = `)) return 'lock.release'
  if (first === `h=${HOST_DIR}; mkdir -p "$h" || exit 70` && command.includes(' systemd-run --quiet --unit=runbook-revert-'))
    return 'revert.schedule'
  if (first === `h=${HOST_DIR}` && command.includes(' systemctl stop runbook-revert-')) return 'revert.cancel'
  if (first.startsWith(`b=${HOST_DIR}/backups/`)) return 'files.backup'
  return undefined
}

/**
 * Which lock upkeep a command is, or undefined for any other command. Views keep the engine's own
 * housekeeping out of the normal plan and progress (shown with --verbose and in --json).
 */
export function lockUpkeep(command: string): 'lock acquire' | 'lock renew' | 'lock release' | undefined {
  const op = scriptEngineOp(command)
  return op === 'lock.acquire' ? 'lock acquire' : op === 'lock.renew' ? 'lock renew' : op === 'lock.release' ? 'lock release' : undefined
}

/**
 * How a recorded command is found again (replay, a resumed run): by its host and text, or, for the
 * engine's own operations, by its host and operation name, whatever script a version of runbook
 * ran for it. `normal` maps a command text before comparing (the replay's redaction).
 */
export function commandKey(spec: Pick<CommandSpec, 'host' | 'command' | 'engine'>, normal: (c: string) => string = (c) => c): string {
  const op = spec.engine ?? scriptEngineOp(spec.command)
  return op ? `${spec.host}\u0000engine:${op}` : `${spec.host}\u0000${normal(spec.command)}`
}
