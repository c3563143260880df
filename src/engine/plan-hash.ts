/**
 * The hash an approval binds to, and the id the host-side artefacts of a fix (backups, scheduled
 * revert) are named by.
 *
 * Without secret params: sha256 of the plan, as always (recorded transcripts keep their hashes).
 *
 * With secret params, a sha256 over the plan would let anyone holding the transcript confirm a
 * guessed secret offline: the transcript shows the redacted plan, so put a guess back in and hash
 * (a 4-digit PIN falls in under 10,000 tries). So the hash covers the REDACTED plan plus an
 * HMAC-SHA256 of the secret values under a key that is never written to any event:
 *
 *   hash = sha256(sha256(canonical redacted plan) + "\n" + hmac(key, secrets))
 *
 * Same plan and same secrets under the same key give the same hash (approve, then re-plan before
 * apply: still the same plan); a changed command or a changed secret gives another one.
 *
 * Where the key comes from: a random 32-byte key per run (RunOptions.planKey, defaulting to
 * randomBytes(32) in engine/run.ts), kept in memory only. Not a per-install key under the state
 * dir: that dir also holds the transcripts, so whoever reads one can often read the key too, and
 * one long-lived key would make equal secrets give equal hashes across runs (linking them).
 *  - Approvals happen within the run (prompt, --yes): the in-memory key is all they need.
 *  - The service (approvals bound to run id + plan hash across a restart) stores the key with the
 *    run's row, NOT in its events (the events are the transcript), and passes it back as
 *    RunOptions.planKey when it resumes the run, so re-planning yields the same hash.
 *  - Replay has no secrets (they are `[redacted]`) and no key, so it cannot and need not reproduce
 *    the recorded hashes of a run with secrets: it only compares its own hashes with each other
 *    (approve → re-plan), and the host-side id below, which is recorded in commands, is derived
 *    from the redacted plan only, so replayed commands match the recorded ones.
 */
import { createHash, createHmac } from 'node:crypto'
import type { FixPlan } from '../types.ts'
import type { Redactor } from './redact.ts'

export type PlanBody = Omit<FixPlan, 'hash'>

export interface PlanSeal {
  redactor: Redactor
  /** HMAC key; never emitted. */
  key: Uint8Array
  /** Secret params by name; replays pass the redacted values. */
  secrets: ReadonlyArray<readonly [string, string]>
}

const sha = (text: string) => createHash('sha256').update(text).digest('hex')

/**
 * @example
 * const { hash, id } = planDigests(body, { redactor, key: randomBytes(32), secrets: [['pin', '1234']] })
 * // hash: what approvals bind to; id: 16 hex chars naming backups and reverts on the host
 */
export function planDigests(body: PlanBody, seal: PlanSeal): { hash: string; id: string } {
  if (!seal.redactor.active) {
    const hash = sha(JSON.stringify(body))
    return { hash, id: hash.slice(0, 16) }
  }
  // A diff follows from the file's current content (its sha is `before`) and `after`; it is left
  // out because a multi-line secret redacted to one line would give the replay other hunk headers.
  const files = body.files.map(({ diff: _diff, ...f }) => f)
  const publicHash = sha(JSON.stringify(seal.redactor.canonical({ ...body, files })))
  const names = [...seal.secrets].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  const keyed = createHmac('sha256', seal.key).update(JSON.stringify(names)).digest('hex')
  return { hash: sha(`${publicHash}\n${keyed}`), id: publicHash.slice(0, 16) }
}
