/**
 * The fix lifecycle on this machine's real filesystem (local executor): plans carry diffs read from
 * the host, files are backed up before they are written, and a failure before the first change
 * refuses the fix without running any rollback.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { yesApprover } from '../../../src/engine/approval.ts'
import { EXIT } from '../../../src/errors.ts'
import { renderTranscript } from '../../../src/views/replay-render.ts'
import { runFile } from '../../helpers/engine.ts'
import { useHostDir } from '../../helpers/host-dir.ts'

const RUNBOOK = 'fixtures/runbooks/valid/write-config.yaml'
let dir: string
useHostDir('rb-fix-', (d) => {
  dir = d
})

describe('fix lifecycle (local)', () => {
  it('dry-run plans a unified diff read from the host and runs nothing mutating', async () => {
    const file = join(dir, 'app.conf')
    writeFileSync(file, 'value = old\n')
    const { summary, events, asked } = await runFile(RUNBOOK, { params: { host: 'localhost', path: file } })
    expect(summary.exitCode).toBe(EXIT.FIX_PROPOSED)
    const proposed = events.find((e) => e.type === 'fix.proposed')
    const diff = proposed?.type === 'fix.proposed' ? proposed.plan.files[0]!.diff : ''
    expect(diff).toContain('-value = old')
    expect(diff).toContain('+value = on')
    expect(diff).toContain('+# managed by runbook')
    expect(asked.filter((s) => s.mutating)).toEqual([])
    expect(readFileSync(file, 'utf8')).toBe('value = old\n')
    expect(existsSync(join(dir, 'host-state'))).toBe(false)
  })

  it('dry-run of a fix whose pre-flight fails says --apply would refuse it: status refused, exit 9 (not "Fix proposed", 4)', async () => {
    const file = join(dir, 'app.conf')
    writeFileSync(file, 'value = old\n')
    writeFileSync(`${file}.lock`, '')
    const { summary, events, asked } = await runFile(RUNBOOK, { params: { host: 'localhost', path: file } })
    expect(events.filter((e) => e.type === 'fix.preflight')).toMatchObject([{ ok: false }])
    expect(summary.status).toBe('refused')
    expect(summary.exitCode).toBe(EXIT.REFUSED)
    expect(events.find((e) => e.type === 'run.finished')).toMatchObject({ status: 'refused', exitCode: EXIT.REFUSED })
    expect(summary.outcome?.summary).not.toMatch(/^Fix proposed/)
    expect(summary.outcome?.summary).toMatch(/--apply would refuse it/)
    expect(summary.outcome?.summary).toContain(`${file}.lock exists`)
    expect(asked.filter((s) => s.mutating)).toEqual([])
    expect(readFileSync(file, 'utf8')).toBe('value = old\n')
    // The view says so too, instead of inviting an --apply that would be refused.
    let text = ''
    renderTranscript(events, Object.assign(new PassThrough(), { write: (c: string) => ((text += c), true) }))
    expect(text).toContain('--apply would refuse this fix')
    expect(text).not.toContain('run again with --apply to apply')
  })

  it('(control) dry-run of the same fix with its pre-flight passing proposes it (exit 4)', async () => {
    const file = join(dir, 'app.conf')
    writeFileSync(file, 'value = old\n')
    const { summary, events } = await runFile(RUNBOOK, { params: { host: 'localhost', path: file } })
    expect(events.filter((e) => e.type === 'fix.preflight')).toMatchObject([{ ok: true }])
    expect(summary).toMatchObject({ status: 'fix-proposed', exitCode: EXIT.FIX_PROPOSED })
  })

  it('--apply backs the file up, writes it, verifies, and releases the lock', async () => {
    const file = join(dir, 'app.conf')
    writeFileSync(file, 'value = old\n')
    const { summary, events } = await runFile(RUNBOOK, {
      params: { host: 'localhost', path: file },
      mode: 'apply',
      approver: yesApprover('t'),
    })
    expect(summary.exitCode).toBe(EXIT.FIX_APPLIED)
    expect(readFileSync(file, 'utf8')).toBe('# managed by runbook\nvalue = on\n')
    const backup = events.find((e) => e.type === 'fix.backup')
    const path = backup?.type === 'fix.backup' ? backup.files[0]!.backup! : ''
    expect(path.startsWith(join(dir, 'host-state', 'backups'))).toBe(true)
    expect(readFileSync(path, 'utf8')).toBe('value = old\n')
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['lock.acquired', 'lock.released']))
    expect(existsSync(join(dir, 'host-state', 'lock'))).toBe(false)
  })

  it('a failure before the first change refuses the fix (exit 9) and runs no rollback', async () => {
    const file = join(dir, 'app.conf')
    writeFileSync(file, 'value = old\n')
    // The lock and backups live under RUNBOOK_HOST_DIR: make it a file, so mkdir fails there.
    writeFileSync(join(dir, 'not-a-dir'), '')
    process.env.RUNBOOK_HOST_DIR = join(dir, 'not-a-dir')
    const { summary, events } = await runFile(RUNBOOK, {
      params: { host: 'localhost', path: file },
      mode: 'apply',
      approver: yesApprover('t'),
    })
    expect(summary.exitCode).toBe(EXIT.REFUSED)
    expect(summary.outcome?.id).toBe('_refused')
    expect(events.filter((e) => e.type === 'command.started' && e.phase === 'rollback')).toEqual([])
    expect(readFileSync(file, 'utf8')).toBe('value = old\n')
  })
})
