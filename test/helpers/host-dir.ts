/**
 * A temp folder per test, with the local executor's host state (lock, backups, reverts) inside it
 * through RUNBOOK_HOST_DIR; both are restored and removed after each test, also when it fails.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach } from 'vitest'

/** Calls `use` with each test's fresh folder (`<folder>/host-state` is the host state). */
export function useHostDir(prefix: string, use: (dir: string) => void): void {
  let dir = ''
  let saved: string | undefined
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), prefix))
    use(dir)
    saved = process.env.RUNBOOK_HOST_DIR
    process.env.RUNBOOK_HOST_DIR = join(dir, 'host-state')
  })
  afterEach(() => {
    if (saved === undefined) delete process.env.RUNBOOK_HOST_DIR
    else process.env.RUNBOOK_HOST_DIR = saved
    rmSync(dir, { recursive: true, force: true })
  })
}
