/**
 * The fleet index: one JSON file (`fleet.json`, beside the hosts' transcripts) that says which
 * hosts a fleet run had, where each host's transcripts are (paths relative to the index, so the
 * folder can be moved), which hosts never started, and why the run stopped. Written when the run
 * starts and again when it ends (a crash leaves the first version: hosts, no result).
 *
 * `runbook replay fleet.json` rebuilds the summary from the transcripts themselves (they are the
 * record): each host's last transcript gives its status, outcome and fix plan.
 */
import { closeSync, openSync, readSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { dirname, isAbsolute, relative, resolve } from 'node:path'
import { RunbookError } from '../errors.ts'
import { INPUT_LIMITS, readRegularFile } from '../input.ts'
import { readTranscript } from '../transcript/reader.ts'
import type { Mode } from '../types.ts'
import { FAILED_STATUSES, groupHash, type HostRecord, type Phase } from './group.ts'
import type { NotStarted } from './run.ts'
import type { Stop } from './schedule.ts'

export const FLEET_INDEX_KIND = 'runbook-fleet'

export interface FleetIndex {
  kind: typeof FLEET_INDEX_KIND
  version: 1
  runbook: string
  hash: string
  mode: Mode
  startedAt: string
  /** Set when the run ended. */
  finishedAt?: string
  durationMs?: number
  plan: string[]
  hosts: string[]
  /** Per host, in fleet order: its transcripts, relative to the index file. */
  transcripts: Record<string, { phase: Phase; path: string }[]>
  notStarted: NotStarted[]
  stop: Stop | null
  exitCode?: number
}

/** Write atomically (temp file + rename): a reader never sees half an index. */
export function writeFleetIndex(file: string, index: FleetIndex): void {
  const rel = (p: string): string => (isAbsolute(p) ? relative(dirname(file), p) : p)
  const out: FleetIndex = {
    ...index,
    transcripts: Object.fromEntries(Object.entries(index.transcripts).map(([h, ts]) => [h, ts.map((t) => ({ ...t, path: rel(t.path) }))])),
  }
  const tmp = `${file}.tmp`
  writeFileSync(tmp, JSON.stringify(out, null, 2) + '\n', { mode: 0o600 })
  renameSync(tmp, file)
}

/** Is this file a fleet index (rather than a transcript)? Reads only its first bytes. */
export function isFleetIndex(file: string): boolean {
  let fd: number | undefined
  try {
    // Only a regular file is opened: a FIFO would block the open.
    if (!statSync(file).isFile()) return false
    fd = openSync(file, 'r')
    const buf = Buffer.alloc(200)
    const n = readSync(fd, buf, 0, buf.length, 0)
    return /^\s*\{\s*"kind"\s*:\s*"runbook-fleet"/.test(buf.subarray(0, n).toString('utf8'))
  } catch {
    return false
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

export function readFleetIndex(file: string): FleetIndex {
  const text = readRegularFile(file, INPUT_LIMITS.runbookBytes, { what: 'fleet index', missing: 'RB_TRANSCRIPT_INVALID' })
  let data: FleetIndex
  try {
    data = JSON.parse(text) as FleetIndex
  } catch (err) {
    throw new RunbookError('RB_TRANSCRIPT_INVALID', `${file}: not a fleet index (not JSON: ${(err as Error).message})`)
  }
  if (data?.kind !== FLEET_INDEX_KIND || data.version !== 1 || !Array.isArray(data.hosts) || typeof data.transcripts !== 'object') {
    throw new RunbookError(
      'RB_TRANSCRIPT_INVALID',
      `${file}: not a fleet index (expected kind "${FLEET_INDEX_KIND}", version 1, hosts, transcripts)`,
    )
  }
  return data
}

/**
 * Each host's record, rebuilt from its transcripts (the last one decides its status; the fix plan
 * is the last one any of them proposed). A host with no transcript has no record.
 */
export async function recordsFromTranscripts(file: string, index: FleetIndex, signal?: AbortSignal): Promise<HostRecord[]> {
  const base = dirname(resolve(file))
  const out: HostRecord[] = []
  for (const host of index.hosts) {
    const list = index.transcripts[host] ?? []
    if (list.length === 0) continue
    let fix: HostRecord['fix']
    let last: Awaited<ReturnType<typeof readTranscript>> | undefined
    for (const t of list) {
      last = await readTranscript(resolve(base, t.path), signal ? { signal } : {})
      for (const e of last.events) {
        if (e.type === 'fix.proposed') fix = { step: e.step, summary: e.summary, plan: e.plan, groupHash: groupHash(e.step, e.plan, host) }
        else if (e.type === 'fix.replanned' && fix) fix = { ...fix, plan: e.plan, groupHash: groupHash(e.step, e.plan, host) }
      }
    }
    const status = last!.finished?.status ?? 'incomplete'
    out.push({
      host,
      status,
      exitCode: last!.finished?.exitCode ?? 7,
      failed: FAILED_STATUSES.has(status),
      outcome: last!.outcome ? { id: last!.outcome.id, summary: last!.outcome.summary, evidence: last!.outcome.evidence } : null,
      durationMs: last!.finished?.durationMs ?? 0,
      transcripts: list.map((t) => ({ phase: t.phase, path: resolve(base, t.path) })),
      ...(fix ? { fix } : {}),
    })
  }
  return out
}
