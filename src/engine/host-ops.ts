/**
 * The shell the engine itself runs on a host around a fix: lease lock, file reads for plan diffs,
 * backups, atomic writes, and the commit-confirmed revert. Pure functions returning commands;
 * every value goes through quote(). Host state lives in $RUNBOOK_HOST_DIR (default
 * /var/lib/runbook): locks under lock/, backups under backups/<plan>/, revert pids.
 *
 * Commands are deterministic for a given plan and run id, so recorded runs replay exactly.
 */
import { HOST_DIR } from '../shared/lock-upkeep.ts'
import { quote } from '../shared/quote.ts'

/** Exit status of a lock attempt that found another run holding the host. */
export const LOCK_HELD = 75

/**
 * Who holds the host, from a refused lockAcquire's output: the owner line, and when its lease ends
 * (its `expires` line, Unix seconds; absent in recordings made before it was printed).
 *
 * @example
 * lockHolder('alice, runbook x (fix f, run r1) since 2026-11-28T19:00:00Z\nexpires 1795892460\n')
 * // 'alice, runbook x (fix f, run r1) since 2026-11-28T19:00:00Z; its lease ends at 2026-11-28T19:01:00Z unless renewed'
 */
export function lockHolder(stdout: string): string {
  const lines = stdout.trim().split('\n')
  const expires = /^expires ?(\d*)$/.exec(lines.at(-1) ?? '')
  const owner = (expires ? lines.slice(0, -1) : lines).join(' ').trim() || 'another run (no owner recorded)'
  if (!expires?.[1]) return owner
  const at = new Date(Number(expires[1]) * 1000).toISOString().replace(/\.\d+Z$/, 'Z')
  return `${owner}; its lease ends at ${at} unless renewed`
}

/**
 * Remove a lease that was renamed away. A contender whose `mkdir lock/busy` had looked up the
 * directory just before the rename still creates `busy` in it under its new name, so one `rm -rf`
 * can fail with "Directory not empty": try again briefly rather than leave the old lease behind.
 */
const removeRenamed = (s: string) => `n=0; until rm -rf "${s}" 2>/dev/null; do n=$((n+1)); [ $n -lt 20 ] || break; sleep 0.05; done`

/**
 * The host's lease lock: a directory `lock/` holding `token`, `owner` and `expires`.
 *
 * Every change is one atomic rename, so no reader ever sees a half-written lock:
 * - acquire: write all three files into a fresh temp dir, then `mv -T` it onto `lock/` (rename(2)
 *   onto a non-empty directory fails, so exactly one of many concurrent runs wins);
 * - a lock whose `expires` is missing or unreadable is held (never "expired by default");
 * - every other change to a live lock (renew, release, take-over of an expired lease) first takes
 *   the lock's own `busy/` mark with mkdir, so at most one of them works on one lease at a time; a
 *   take-over then renames the dead lease to a name of its own before removing it, and acquires
 *   like anyone else.
 * Needs GNU `mv -T` (coreutils; BusyBox >= 1.32).
 */
export function lockAcquire(token: string, owner: string, ttlSeconds: number): string {
  const t = quote(token)
  return [
    `h=${HOST_DIR}; d="$h/lock"; now=$(date +%s); mkdir -p "$h" || exit 70`,
    `t=$(mktemp -d "$h/.lock.XXXXXX") || exit 70`,
    `printf '%s\n' ${t} > "$t/token"`,
    `printf '%s since %s\n' ${quote(owner)} "$(date -u +%Y-%m-%dT%H:%M:%SZ)" > "$t/owner"`,
    `echo $((now + ${ttlSeconds})) > "$t/expires" || { rm -rf "$t"; exit 70; }`,
    `if mv -T "$t" "$d" 2>/dev/null; then echo "$d"; exit 0; fi`,
    // Held. Take it over only if its lease ran out, and only with its busy mark.
    `o=$(cat "$d/token" 2>/dev/null); e=$(cat "$d/expires" 2>/dev/null)`,
    `if [ -n "$e" ] && [ "$e" -lt "$now" ] 2>/dev/null && mkdir "$d/busy" 2>/dev/null; then`,
    `  if [ "$(cat "$d/token" 2>/dev/null)" = "$o" ] && [ "$(cat "$d/expires" 2>/dev/null)" = "$e" ]; then`,
    `    s="$h/.expired.$(basename "$t")"; mv -T "$d" "$s" && { ${removeRenamed('$s')}; }`,
    `    if mv -T "$t" "$d" 2>/dev/null; then echo "$d"; exit 0; fi`,
    `  else rmdir "$d/busy"; fi`,
    `fi`,
    `rm -rf "$t"`,
    // The holder, then when its lease ends (for "held until"; e is empty when unreadable).
    `cat "$d/owner" 2>/dev/null || echo "another run (no owner recorded)"; echo "expires $e"; exit ${LOCK_HELD}`,
  ].join('\n')
}

/** Take the lock's busy mark, retrying briefly (a renew may hold it for a few milliseconds). */
const busy = (d: string) => `i=0; until mkdir "${d}/busy" 2>/dev/null; do i=$((i+1)); [ $i -lt 30 ] || exit 1; sleep 0.1; done`

/** Exit status of lockRenew when the lock is not ours (any more): another run holds it, or nobody. */
export const LOCK_NOT_OURS = 76

/**
 * Extend the lease to `ttlSeconds` from now, only if the lock is still ours (exit LOCK_NOT_OURS
 * otherwise; 1: could not tell). Never shortens it: a lease stretched over a revert window stays so
 * through the ordinary renewals.
 */
export function lockRenew(token: string, ttlSeconds: number): string {
  const t = quote(token)
  return [
    `d=${HOST_DIR}/lock; [ "$(cat "$d/token" 2>/dev/null)" = ${t} ] || exit ${LOCK_NOT_OURS}`,
    busy('$d'),
    `if [ "$(cat "$d/token" 2>/dev/null)" = ${t} ]; then n=$(( $(date +%s) + ${ttlSeconds} )); e=$(cat "$d/expires" 2>/dev/null)`,
    `  if [ -n "$e" ] && [ "$e" -ge "$n" ] 2>/dev/null; then r=0; else echo "$n" > "$d/expires.new" && mv -f "$d/expires.new" "$d/expires"; r=$?; fi`,
    `else r=${LOCK_NOT_OURS}; fi`,
    `rmdir "$d/busy"; exit $r`,
  ].join('\n')
}

/**
 * Release the lock, only if it is still ours. If our lease ran out and another run is taking it
 * over right now (busy mark held past the retries), that run removes it: nothing to do.
 */
export function lockRelease(token: string): string {
  const t = quote(token)
  return [
    `h=${HOST_DIR}; d="$h/lock"; [ "$(cat "$d/token" 2>/dev/null)" = ${t} ] || exit 0`,
    `(${busy('$d').replace('|| exit 1', '|| exit 0')}`,
    ` if [ "$(cat "$d/token" 2>/dev/null)" = ${t} ]; then s="$h/.released.$$"; mv -T "$d" "$s" && { ${removeRenamed('$s')}; }; else rmdir "$d/busy"; fi); true`,
  ].join('\n')
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
    lines.push(
      `if [ -f ${quote(p)} ]; then cp -p ${quote(p)} "$b/${i}" || exit 71; echo "present $b/${i}"; else rm -f "$b/${i}"; echo "absent"; fi`,
    )
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

/** The revert's systemd unit and pid-file name; the id (plan + run token) goes into shell unquoted. */
function revertUnit(id: string): string {
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(id)) throw new Error(`revert id '${id}' must be 1-100 characters of A-Z, a-z, 0-9, '_', '.', '-'`)
  return `runbook-revert-${id}`
}

/**
 * Schedule the revert on the host itself, so it runs even if the engine dies: a transient systemd
 * timer where systemd runs, else a detached `sleep N; revert` in its own session. Prints which.
 */
export function scheduleRevert(id: string, windowSeconds: number, revert: string): string {
  const unit = revertUnit(id)
  const script = quote(revert)
  return [
    `h=${HOST_DIR}; mkdir -p "$h" || exit 70`,
    `if [ -d /run/systemd/system ] && systemd-run --quiet --unit=${unit} --on-active=${windowSeconds}s /bin/sh -c ${script} 2>/dev/null; then echo systemd-run`,
    `else setsid nohup /bin/sh -c ${quote(`sleep ${windowSeconds}; ${revert}`)} </dev/null >/dev/null 2>&1 & echo $! > "$h/${unit}.pid"; echo background; fi`,
  ].join('\n')
}

/** Cancel a scheduled revert (whichever way it was scheduled). */
export function cancelRevert(id: string): string {
  const unit = revertUnit(id)
  return [
    `h=${HOST_DIR}`,
    `if [ -f "$h/${unit}.pid" ]; then kill -- -"$(cat "$h/${unit}.pid")" 2>/dev/null || kill "$(cat "$h/${unit}.pid")" 2>/dev/null; rm -f "$h/${unit}.pid"; fi`,
    `if [ -d /run/systemd/system ]; then systemctl stop ${unit}.timer ${unit}.service 2>/dev/null; fi`,
    `true`,
  ].join('\n')
}
