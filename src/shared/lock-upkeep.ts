/**
 * The engine's host lock, as its commands read: where host state lives on a host, and which lock
 * upkeep a recorded command is. Shared so that views can keep the engine's housekeeping out of the
 * normal plan and progress without importing the engine (engine/host-ops.ts writes the commands).
 */

/** Host state directory, as the shell on the host expands it. */
export const HOST_DIR = '"${RUNBOOK_HOST_DIR:-/var/lib/runbook}"'

/**
 * Which lock upkeep a command is (`lock acquire`, `lock renew`, `lock release`), or undefined for
 * any other command. Views keep the engine's own housekeeping out of the normal plan and progress
 * (shown with --verbose and in --json); recorded transcripts carry no marker, so it is told by the
 * command's opening, which only lockAcquire/lockRenew/lockRelease write.
 */
export function lockUpkeep(command: string): 'lock acquire' | 'lock renew' | 'lock release' | undefined {
  const first = command.split('\n', 1)[0]!
  if (first.startsWith(`h=${HOST_DIR}; d="$h/lock"; now=$(date +%s);`)) return 'lock acquire'
  if (first.startsWith(`d=${HOST_DIR}/lock; [ "$(cat "$d/token" 2>/dev/null)" = `)) return 'lock renew'
  if (first.startsWith(`h=${HOST_DIR}; d="$h/lock"; [ "$(cat "$d/token" 2>/dev/null)" = `)) return 'lock release'
  return undefined
}
