/**
 * JSON Lines transcript: one event per line, appended and written through to the OS per event, so
 * a crash leaves a valid prefix. Events arrive already redacted (engine/emitter.ts). A file holds
 * one run: opening an existing one replaces it (two runs in one file replay as neither).
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import type { RunEvent } from '../types.ts'

export interface TranscriptWriter {
  path: string
  write(event: RunEvent): void
  close(): void
}

export function openTranscript(path: string): TranscriptWriter {
  mkdirSync(dirname(path), { recursive: true })
  const fd = openSync(path, 'w', 0o600)
  let open = true
  return {
    path,
    write(event) {
      if (open) writeSync(fd, JSON.stringify(event) + '\n')
    },
    close() {
      if (open) closeSync(fd)
      open = false
    },
  }
}

/** Where runs are recorded by default: $RUNBOOK_STATE_DIR, else $XDG_STATE_HOME/runbook, else ~/.local/state/runbook. */
export function stateDir(env: NodeJS.ProcessEnv): string {
  return env.RUNBOOK_STATE_DIR ?? join(env.XDG_STATE_HOME ?? join(env.HOME ?? homedir(), '.local', 'state'), 'runbook')
}

/** `<state>/runs/<runbook>-<UTC timestamp>.jsonl` */
export function defaultTranscriptPath(env: NodeJS.ProcessEnv, runbook: string, now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')
  return join(stateDir(env), 'runs', `${runbook}-${stamp}.jsonl`)
}
