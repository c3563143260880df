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

/**
 * The host lock is a lease: if its renewals fail long enough (the host unreachable, a stalled
 * process), another run may take the host. Simulated here by writing another run's token into the
 * lock, as a take-over of the expired lease would; `confirmBeforeMs` above the TTL makes the engine
 * ask the host before every change, as it does when its renewals have not been answered.
 */
describe('fix lifecycle (local): the lock is confirmed before every change', () => {
  const takeOver = (): void => writeFileSync(join(dir, 'host-state', 'lock', 'token'), 'another-run\n')
  const lockToken = (): string => readFileSync(join(dir, 'host-state', 'lock', 'token'), 'utf8').trim()
  /** write-config applied (approved) to a fresh app.conf holding `value = old`, with `over` on top. */
  const apply = async (over: Partial<Parameters<typeof runFile>[1]> = {}) => {
    const file = join(dir, 'app.conf')
    writeFileSync(file, 'value = old\n')
    const r = await runFile(RUNBOOK, { params: { host: 'localhost', path: file }, mode: 'apply', approver: yesApprover('t'), ...over })
    return { ...r, file }
  }

  it('taken over between the lock and the first change: the fix is refused, nothing is written, the other run keeps the lock', async () => {
    const { summary, events, asked, file } = await apply({
      onEvent: (e) => e.type === 'lock.acquired' && takeOver(),
    })
    expect(summary).toMatchObject({ status: 'refused', exitCode: EXIT.REFUSED })
    expect(events.find((e) => e.type === 'fix.refused')).toMatchObject({
      reason: expect.stringContaining("the lock on localhost is no longer this run's"),
    })
    expect(readFileSync(file, 'utf8')).toBe('value = old\n')
    expect(events.filter((e) => e.type === 'fix.backup' || e.type === 'fix.applied')).toEqual([])
    expect(asked.filter((s) => s.command.includes('.runbook.XXXXXX'))).toEqual([]) // no file write
    expect(lockToken()).toBe('another-run')
  })

  it('taken over between two changes: it stops before the next one, rolls nothing back, and says what was done', async () => {
    const { summary, events, asked, file } = await apply({
      hostLock: { confirmBeforeMs: 60_000 },
      // After the file is written (the first of its 2 changes; the second is `true`).
      onEvent: (e) => e.type === 'command.finished' && e.phase === 'apply' && e.spec.command.includes('.runbook.XXXXXX') && takeOver(),
    })
    expect(readFileSync(file, 'utf8')).toBe('# managed by runbook\nvalue = on\n')
    expect(asked.filter((s) => s.command === 'true')).toEqual([])
    expect(events.filter((e) => e.type === 'command.started' && e.phase === 'rollback')).toEqual([])
    expect(summary.exitCode).not.toBe(EXIT.FIX_APPLIED)
    expect(summary.outcome?.summary).toContain(
      "stopped applying set on localhost after 1 of 2 changes: the lock on localhost is no longer this run's",
    )
    expect(summary.outcome?.summary).toContain('Nothing was rolled back')
    expect(lockToken()).toBe('another-run')
  })

  it("taken over before a rollback: nothing is rolled back under the other run's lock, and the run says so", async () => {
    const { summary, events, file } = await apply({
      // Applied; then someone edits the file (verify fails) and another run takes the host.
      onEvent: (e) => {
        if (e.type !== 'fix.applied') return
        writeFileSync(join(dir, 'app.conf'), 'value = edited\n')
        takeOver()
      },
    })
    expect(events.filter((e) => e.type === 'command.started' && e.phase === 'rollback')).toEqual([])
    expect(readFileSync(file, 'utf8')).toBe('value = edited\n')
    expect(summary.outcome?.summary).toContain("did not roll back set on localhost: the lock on localhost is no longer this run's")
    expect(lockToken()).toBe('another-run')
  })

  it('(control) asked before every change and still its own: the fix applies, and the lock is released', async () => {
    const { summary, asked, file } = await apply({
      hostLock: { confirmBeforeMs: 60_000 },
    })
    expect(summary.exitCode).toBe(EXIT.FIX_APPLIED)
    expect(readFileSync(file, 'utf8')).toBe('# managed by runbook\nvalue = on\n')
    // The host was asked (housekeeping, not recorded) before the first change and before `true`.
    expect(asked.filter((s) => s.housekeeping).length).toBeGreaterThanOrEqual(2)
    expect(existsSync(join(dir, 'host-state', 'lock'))).toBe(false)
  })
})

describe('fix lifecycle (local): a commit-confirmed fix', () => {
  it('stretches its lock over the revert window before arming the revert, so no other run can take the host before the revert fires', async () => {
    const marker = join(dir, 'marker')
    const seen: number[] = []
    const { summary } = await runFile('fixtures/runbooks/valid/confirm-marker.yaml', {
      params: { host: 'localhost', marker },
      mode: 'apply',
      approver: yesApprover('t'),
      // A 1 s lease: without the stretch it would run out long before the 4 s window.
      hostLock: { ttlS: 1, renewMs: 60_000 },
      onEvent: (e) => {
        if (e.type === 'fix.revert_scheduled')
          seen.push(Number(readFileSync(join(dir, 'host-state', 'lock', 'expires'), 'utf8')) - Math.floor(Date.now() / 1000))
      },
    })
    expect(summary.exitCode).toBe(EXIT.FIX_APPLIED)
    expect(seen).toHaveLength(1)
    expect(seen[0]).toBeGreaterThanOrEqual(4)
    expect(readFileSync(marker, 'utf8')).toBe('applied\n')
    expect(existsSync(join(dir, 'host-state', 'lock'))).toBe(false)
  })
})
