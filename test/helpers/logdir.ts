/**
 * Real directories for the log-dir-full sample runbook: rotated logs that are (or are not) what
 * fills the directory. `snapshot()` reads every file back so tests compare bytes, not mocks.
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export type LogDirCase = 'rotated' | 'live' | 'small' | 'no-rotated'

export interface LogDir {
  root: string
  dir: string
  archive: string
  snapshot(): Record<string, string>
  cleanup(): void
}

/** rotated: 3 MB of rotated logs + 100 KB live; live: 3 MB live + 100 KB rotated; small: 10 KB; no-rotated: 3 MB live only. Budget: 2 MiB. */
export function makeLogDir(kind: LogDirCase, root = mkdtempSync(join(tmpdir(), 'rb-logdir-'))): LogDir {
  const dir = join(root, 'log')
  mkdirSync(join(dir, 'nginx'), { recursive: true })
  const file = (name: string, bytes: number) => writeFileSync(join(dir, name), randomBytes(bytes))
  if (kind === 'rotated') {
    file('syslog.1.gz', 2_000_000)
    file('nginx/access.log.2.gz', 1_000_000)
    file('syslog', 100_000)
  } else if (kind === 'live') {
    file('syslog', 3_000_000)
    file('syslog.1.gz', 100_000)
  } else if (kind === 'small') {
    file('syslog', 10_000)
  } else {
    file('syslog', 3_000_000)
  }
  const archive = join(root, 'rotated.tar')
  return {
    root,
    dir,
    archive,
    snapshot() {
      const out: Record<string, string> = {}
      const walk = (d: string) => {
        for (const f of readdirSync(d).sort()) {
          const p = join(d, f)
          if (statSync(p).isDirectory()) walk(p)
          else out[p.slice(root.length)] = createHash('sha256').update(readFileSync(p)).digest('hex')
        }
      }
      walk(root)
      return out
    },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  }
}
