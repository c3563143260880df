/**
 * The shell the engine itself runs on a host around a fix: lease lock, file reads for plan diffs,
 * backups, atomic writes, and the commit-confirmed revert. Pure functions returning commands;
 * every value goes through quote(). Host state lives in $RUNBOOK_HOST_DIR (default
 * /var/lib/runbook): locks under lock/, backups under backups/<plan>/, revert pids.
 *
 * Commands are deterministic for a given plan and run id, so recorded runs replay exactly.
 */
import { quote } from '../executors/quote.ts'

const HOST_DIR = '"${RUNBOOK_HOST_DIR:-/var/lib/runbook}"'

/** Exit status of a lock attempt that found another run holding the host. */
export const LOCK_HELD = 75

/**
 * Take the host's lease lock (an atomic mkdir). The lease expires by itself after `ttlSeconds`,
 * so a lock whose run died is taken over once it expires. Prints the holder and exits 75 when held.
 */
export function lockAcquire(token: string, owner: string, ttlSeconds: number): string {
  return [
    `h=${HOST_DIR}; d="$h/lock"; now=$(date +%s); mkdir -p "$h" || exit 70`,
    `if mkdir "$d" 2>/dev/null; then :`,
    `elif [ "$(cat "$d/expires" 2>/dev/null || echo 0)" -lt "$now" ]; then rm -rf "$d"; mkdir "$d" || { echo "another run took the expired lock"; exit ${LOCK_HELD}; }`,
    `else cat "$d/owner" 2>/dev/null || echo "another run (no owner recorded)"; exit ${LOCK_HELD}; fi`,
    `printf '%s\\n' ${quote(token)} > "$d/token"`,
    `printf '%s since %s\\n' ${quote(owner)} "$(date -u +%Y-%m-%dT%H:%M:%SZ)" > "$d/owner"`,
    `echo $((now + ${ttlSeconds})) > "$d/expires"; echo "$d"`,
  ].join('\n')
}

/** Extend the lease, only if the lock is still ours (exit 1 otherwise). */
export function lockRenew(token: string, ttlSeconds: number): string {
  return `d=${HOST_DIR}/lock; [ "$(cat "$d/token" 2>/dev/null)" = ${quote(token)} ] && echo $(( $(date +%s) + ${ttlSeconds} )) > "$d/expires"`
}

/** Release the lock, only if it is still ours. */
export function lockRelease(token: string): string {
  return `d=${HOST_DIR}/lock; [ "$(cat "$d/token" 2>/dev/null)" = ${quote(token)} ] && rm -rf "$d"; true`
}

/** Current content of a file, base64 (so any bytes survive), or `absent`. Read-only. */
export function readFile(path: string): string {
  return `if [ -f ${quote(path)} ]; then echo present; base64 < ${quote(path)}; else echo absent; fi`
}

/** Parse readFile's output: the content, or null for a missing file. */
export function parseReadFile(stdout: string): string | null | undefined {
  const [head, ...rest] = stdout.split('\n')
  if (head === 'absent') return null
  if (head !== 'present') return undefined
  return Buffer.from(rest.join(''), 'base64').toString('utf8')
}

export function backupDir(planId: string): string {
  return `${HOST_DIR}/backups/${planId}`
}

/** Copy each file (keeping mode and owner) to the plan's backup dir; print where each went. */
export function backupFiles(planId: string, paths: readonly string[]): string {
  const lines = [`b=${backupDir(planId)}; mkdir -p "$b" || exit 70`]
  paths.forEach((p, i) => {
    lines.push(`if [ -f ${quote(p)} ]; then cp -p ${quote(p)} "$b/${i}" || exit 71; echo "present $b/${i}"; else rm -f "$b/${i}"; echo "absent"; fi`)
  })
  return lines.join('\n')
}

/** Write a whole file atomically (temp file + rename); an existing file keeps its mode and owner. */
export function writeFile(path: string, content: string, mode: string): string {
  const p = quote(path)
  return [
    `t=$(mktemp ${quote(`${path}.runbook.XXXXXX`)}) || exit 70`,
    `printf '%s' ${quote(Buffer.from(content, 'utf8').toString('base64'))} | base64 -d > "$t" || { rm -f "$t"; exit 71; }`,
    `if [ -e ${p} ]; then chmod --reference=${p} "$t"; chown --reference=${p} "$t" 2>/dev/null; else chmod ${mode} "$t"; fi`,
    `mv -f "$t" ${p}`,
  ].join('\n')
}

/** Put each file back as it was before the fix (or remove it if the fix created it). */
export function restoreFiles(planId: string, files: ReadonlyArray<{ path: string; existed: boolean }>): string[] {
  return files.map((f, i) => (f.existed ? `cp -p ${backupDir(planId)}/${i} ${quote(f.path)}` : `rm -f ${quote(f.path)}`))
}

/**
 * Schedule the revert on the host itself, so it runs even if the engine dies: a transient systemd
 * timer where systemd runs, else a detached `sleep N; revert` in its own session. Prints which.
 */
export function scheduleRevert(id: string, windowSeconds: number, revert: string): string {
  const unit = `runbook-revert-${id}`
  const script = quote(revert)
  return [
    `h=${HOST_DIR}; mkdir -p "$h" || exit 70`,
    `if [ -d /run/systemd/system ] && systemd-run --quiet --unit=${unit} --on-active=${windowSeconds}s /bin/sh -c ${script} 2>/dev/null; then echo systemd-run`,
    `else setsid nohup /bin/sh -c ${quote(`sleep ${windowSeconds}; ${revert}`)} </dev/null >/dev/null 2>&1 & echo $! > "$h/${unit}.pid"; echo background; fi`,
  ].join('\n')
}

/** Cancel a scheduled revert (whichever way it was scheduled). */
export function cancelRevert(id: string): string {
  const unit = `runbook-revert-${id}`
  return [
    `h=${HOST_DIR}`,
    `if [ -f "$h/${unit}.pid" ]; then kill -- -"$(cat "$h/${unit}.pid")" 2>/dev/null || kill "$(cat "$h/${unit}.pid")" 2>/dev/null; rm -f "$h/${unit}.pid"; fi`,
    `if [ -d /run/systemd/system ]; then systemctl stop ${unit}.timer ${unit}.service 2>/dev/null; fi`,
    `true`,
  ].join('\n')
}
