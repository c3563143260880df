/**
 * The service without HTTP: real SQLite, the real engine and local executor on log-dir-full.
 * Queue (concurrency, host lock, cancel, timeout), approvals (four-eyes, plan hash, N, expiry),
 * RBAC refusals, and that every event reaches the store in order.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { PassThrough } from 'node:stream'
import { main } from '../../../src/cli/main.ts'
import type { RunEvent } from '../../../src/types.ts'
import { join } from 'node:path'
import { createLocalExecutorFactory } from '../../../src/executors/local.ts'
import { SHIPPED_RUNBOOKS } from '../../../src/library.ts'
import { RunService } from '../../../src/service/service.ts'
import { openSqliteStore } from '../../../src/service/sqlite-store.ts'
import { logParams, startService, type TestService } from './fixture.ts'

let t: TestService | undefined
afterEach(async () => {
  await t?.close()
  t = undefined
})

/** The real CLI in-process: exit code and stderr. */
async function cliRun(argv: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stderr: string }> {
  const err = new PassThrough()
  let stderr = ''
  err.on('data', (c: Buffer) => (stderr += c.toString()))
  const code = await main(argv, {
    stdout: new PassThrough(),
    stderr: err,
    stdin: new PassThrough(),
    env,
    cwd: process.cwd(),
    signal: new AbortController().signal,
  })
  return { code, stderr }
}

const eventsOf = async (t: TestService, id: string) => (await t.service.store.events(id)).map((e) => JSON.parse(e.json) as RunEvent)

describe('RunService', () => {
  it('runs a dry-run to its final status, every event in the store in order, ending with run.finished', async () => {
    t = await startService()
    const d = t.logDir()
    const before = d.snapshot()
    const run = await t.service.submit(t.who('alice'), { runbook: 'log-dir-full', host: 'local', params: logParams(d) })
    expect(run.status).toBe('queued')
    const done = await t.until(run.id, ['fix-proposed', 'incomplete', 'problem', 'healthy'])
    expect(done).toMatchObject({ status: 'fix-proposed', exitCode: 4, requestedBy: 'alice' })
    const events = await eventsOf(t, run.id)
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1))
    expect(events[0]).toMatchObject({ type: 'run.started', runId: run.id, operator: 'alice', mode: 'dry-run' })
    expect(events.at(-1)).toMatchObject({ type: 'run.finished', status: 'fix-proposed', exitCode: 4 })
    expect(d.snapshot()).toEqual(before)
  })

  it('refuses a bad param with the CLI message, an unknown runbook and a forbidden verb; nothing is queued; refusals are recorded', async () => {
    t = await startService()
    const d = t.logDir()
    const refused = await t.service
      .submit(t.who('alice'), { runbook: 'log-dir-full', host: 'local', params: { ...logParams(d), max_dir_mb: 'lots' } })
      .catch((e: unknown) => e)
    expect(refused).toMatchObject({ code: 'RB_PARAM_TYPE' })
    // The same message the CLI prints for the same value.
    const cli = await cliRun(['run', 'log-dir-full', '--local', '-p', `dir=${d.dir}`, '-p', 'max_dir_mb=lots'], {
      ...process.env,
      RUNBOOK_STATE_DIR: t.stateDir,
    })
    expect(cli.code).toBe(2)
    expect(cli.stderr).toContain((refused as Error).message)
    await expect(t.service.submit(t.who('alice'), { runbook: 'no-such', host: 'local' })).rejects.toMatchObject({
      code: 'RB_RUNBOOK_NOT_FOUND',
    })
    await expect(t.service.submit(t.who('alice'), { runbook: '../../etc/passwd', host: 'local' })).rejects.toMatchObject({
      code: 'RB_RUNBOOK_NOT_FOUND',
    })
    await expect(t.service.submit(t.who('bob'), { runbook: 'log-dir-full', host: 'local', params: logParams(d) })).rejects.toMatchObject({
      code: 'RB_FORBIDDEN',
    })
    await expect(
      t.service.submit(t.who('alice'), { runbook: 'log-dir-full', host: 'local', params: { ...logParams(d), bogus: 1 } }),
    ).rejects.toMatchObject({ code: 'RB_PARAM_UNKNOWN' })
    expect(await t.service.store.listRuns({})).toEqual([])
    expect(await t.service.store.queuedJobs()).toEqual([])
    const refusals = await t.service.store.refusals()
    expect(refusals.map((r) => [r.identity, r.code])).toEqual([
      ['alice', 'RB_PARAM_TYPE'],
      ['alice', 'RB_RUNBOOK_NOT_FOUND'],
      ['alice', 'RB_RUNBOOK_NOT_FOUND'],
      ['bob', 'RB_FORBIDDEN'],
      ['alice', 'RB_PARAM_UNKNOWN'],
    ])
    expect(refusals[3]!.reason).toMatch(/'bob' may not run runbook 'log-dir-full'/)
  })

  it('apply: waits for approval; the requester and a stale hash are refused with why; another identity approves; the fix is applied', async () => {
    t = await startService()
    const d = t.logDir('rotated')
    const run = await t.service.submit(t.who('alice'), { runbook: 'log-dir-full', host: 'local', params: logParams(d), mode: 'apply' })
    await t.until(run.id, ['waiting-approval'])
    const view = await t.service.view((await t.service.store.getRun(run.id))!)
    const hash = (view.plan as { hash: string }).hash
    expect(view.approvalRequest).toMatchObject({ planHash: hash, required: 1, state: 'open' })
    await expect(t.service.decide(t.who('alice'), run.id, hash, 'approve')).rejects.toMatchObject({
      code: 'RB_APPROVAL_REFUSED',
      message: expect.stringMatching(/four-eyes: 'alice' requested/),
    })
    await expect(t.service.decide(t.who('bob'), run.id, 'f'.repeat(64), 'approve')).rejects.toMatchObject({
      code: 'RB_APPROVAL_REFUSED',
      message: expect.stringMatching(/stale plan hash/),
    })
    await expect(t.service.decide(t.who('vic'), run.id, hash, 'approve')).rejects.toMatchObject({ code: 'RB_FORBIDDEN' })
    expect((await t.service.store.getRun(run.id))!.status).toBe('waiting-approval')
    const res = await t.service.decide(t.who('bob'), run.id, hash, 'approve')
    expect(res.state).toBe('approved')
    const done = await t.until(run.id, ['fix-applied', 'fix-rolled-back', 'incomplete', 'fix-proposed', 'refused'])
    expect(done).toMatchObject({ status: 'fix-applied', exitCode: 5 })
    const events = await eventsOf(t, run.id)
    expect(events.find((e) => e.type === 'fix.approved')).toMatchObject({ planHash: hash, by: 'bob' })
    expect(Object.keys(d.snapshot()).some((f) => f.endsWith('.gz'))).toBe(false)
    expect((await t.service.store.refusals(run.id)).map((r) => [r.identity, r.action])).toEqual([
      ['alice', 'approve'],
      ['bob', 'approve'],
      ['vic', 'approve'],
    ])
  })

  it('a rule with approvals: 2 needs two identities; the same one twice is refused', async () => {
    t = await startService()
    const d = t.logDir('rotated')
    const run = await t.service.submit(t.who('alice'), { runbook: 'log-dir-full', host: 'pair', params: logParams(d), mode: 'apply' })
    await t.until(run.id, ['waiting-approval'])
    const hash = (await t.service.store.approvalRequest(run.id))!.planHash
    expect((await t.service.decide(t.who('bob'), run.id, hash, 'approve')).state).toBe('waiting')
    await expect(t.service.decide(t.who('bob'), run.id, hash, 'approve')).rejects.toMatchObject({
      message: expect.stringMatching(/already approved/),
    })
    expect((await t.service.store.getRun(run.id))!.status).toBe('waiting-approval')
    expect((await t.service.decide(t.who('carol'), run.id, hash, 'approve')).state).toBe('approved')
    expect(await t.until(run.id, ['fix-applied', 'incomplete', 'refused'])).toMatchObject({ status: 'fix-applied' })
    const approved = (await eventsOf(t, run.id)).find((e) => e.type === 'fix.approved')
    expect(approved).toMatchObject({ by: 'bob, carol' })
  })

  it('an approval request expires: the fix is not applied and a late approval is refused', async () => {
    t = await startService({ approvalTtlMs: 400 })
    const d = t.logDir('rotated')
    const before = d.snapshot()
    const run = await t.service.submit(t.who('alice'), { runbook: 'log-dir-full', host: 'local', params: logParams(d), mode: 'apply' })
    await t.until(run.id, ['waiting-approval'])
    const hash = (await t.service.store.approvalRequest(run.id))!.planHash
    expect(await t.until(run.id, ['fix-proposed', 'fix-applied', 'incomplete'])).toMatchObject({ status: 'fix-proposed', exitCode: 4 })
    await expect(t.service.decide(t.who('bob'), run.id, hash, 'approve')).rejects.toMatchObject({
      code: 'RB_APPROVAL_REFUSED',
      message: expect.stringMatching(/expired/),
    })
    expect((await eventsOf(t, run.id)).find((e) => e.type === 'fix.declined')).toMatchObject({
      reason: expect.stringMatching(/approval expired/),
    })
    expect(d.snapshot()).toEqual(before)
  })

  it('one mutating run per host: a second apply on the host waits queued while a dry-run on it goes ahead; cancel of a waiting run', async () => {
    t = await startService()
    const a = t.logDir('rotated')
    const b = t.logDir('rotated')
    const first = await t.service.submit(t.who('alice'), { runbook: 'log-dir-full', host: 'local', params: logParams(a), mode: 'apply' })
    await t.until(first.id, ['waiting-approval'])
    const second = await t.service.submit(t.who('alice'), { runbook: 'log-dir-full', host: 'local', params: logParams(b), mode: 'apply' })
    const dry = await t.service.submit(t.who('alice'), { runbook: 'log-dir-full', host: 'local', params: logParams(b) })
    expect(await t.until(dry.id, ['fix-proposed'])).toMatchObject({ exitCode: 4 })
    expect((await t.service.store.getRun(second.id))!.status).toBe('queued')
    expect(t.service.queue.depth).toBe(1)
    expect(await t.service.store.hostLocks()).toEqual([{ host: 'local', runId: first.id, at: expect.any(Number) }])
    // Cancel the first while it waits for approval: it ends interrupted, and the second starts.
    await t.service.cancel(t.who('alice'), first.id)
    expect(await t.until(first.id, ['incomplete'])).toMatchObject({ exitCode: 130 })
    await t.until(second.id, ['waiting-approval'])
    // Cancel the second... then the cancel of a finished run is refused.
    await t.service.cancel(t.who('alice'), second.id)
    await t.until(second.id, ['incomplete'])
    await expect(t.service.cancel(t.who('alice'), second.id)).rejects.toMatchObject({ code: 'RB_RUN_FINISHED' })
    expect(Object.keys(a.snapshot()).some((f) => f.endsWith('.gz'))).toBe(true)
  })

  it('a queued run cancelled never starts; the concurrency limit holds', async () => {
    t = await startService({ concurrency: 1 })
    const d = t.logDir('rotated')
    const first = await t.service.submit(t.who('alice'), { runbook: 'log-dir-full', host: 'local', params: logParams(d), mode: 'apply' })
    const second = await t.service.submit(t.who('alice'), { runbook: 'log-dir-full', host: 'other', params: logParams(d) })
    await t.until(first.id, ['waiting-approval'])
    expect((await t.service.store.getRun(second.id))!.status).toBe('queued')
    await t.service.cancel(t.who('alice'), second.id)
    expect(await t.service.store.getRun(second.id)).toMatchObject({
      status: 'incomplete',
      exitCode: 130,
      error: expect.stringMatching(/before it started/),
    })
    expect(await t.service.store.events(second.id)).toEqual([])
    expect(await t.service.store.queuedJobs()).toEqual([])
  })

  it('a run that exceeds its timeout is stopped and says so', async () => {
    t = await startService({ runTimeoutMs: 1500 })
    const d = t.logDir('rotated')
    const run = await t.service.submit(t.who('alice'), { runbook: 'log-dir-full', host: 'local', params: logParams(d), mode: 'apply' })
    expect(await t.until(run.id, ['incomplete', 'fix-proposed'], 10_000)).toMatchObject({
      status: 'incomplete',
      exitCode: 130,
      error: 'run timed out after 2 s',
    })
    expect((await t.service.store.approvalRequest(run.id))!.state).toBe('cancelled')
    expect((await eventsOf(t, run.id)).at(-1)).toMatchObject({ type: 'run.finished' })
  })

  it('after a restart: a run that was waiting for approval (with an empty journal) starts again ahead of the queue, and its dead queue lock is freed', async () => {
    t = await startService({ concurrency: 1 })
    const d = t.logDir('rotated')
    const stateDir = t.stateDir
    // What a killed server leaves: a run waiting for approval (its job claimed) and a queued one.
    const store = openSqliteStore(join(stateDir, 'crashed'))
    const base = {
      runbook: 'log-dir-full',
      file: join(SHIPPED_RUNBOOKS, 'log-dir-full.yaml'),
      host: 'local',
      params: { ...logParams(d), host: 'local' },
      requestedBy: 'alice',
      planKey: new Uint8Array(32),
    }
    await store.createRun({ ...base, id: 'was-waiting', mode: 'apply', createdAt: 1 })
    await store.claimJob('was-waiting')
    await store.updateRun('was-waiting', { status: 'waiting-approval', startedAt: 2 })
    await store.openApprovalRequest({
      runId: 'was-waiting',
      step: 'archive_rotated',
      planHash: 'h',
      required: 1,
      requestedAt: 2,
      expiresAt: 10 ** 15,
    })
    expect(await store.acquireHostLock('local', 'stale-run', 2)).toBe(true)
    await store.createRun({ ...base, id: 'was-queued', mode: 'apply', createdAt: 3 })
    await store.close()

    const again = new RunService({
      store: openSqliteStore(join(stateDir, 'crashed')),
      access: t.access,
      runbookDirs: [SHIPPED_RUNBOOKS],
      executors: () => createLocalExecutorFactory(),
    })
    try {
      await again.start()
      const end = Date.now() + 20_000
      // The resumed run gets the host (the dead queue lock is gone) and asks again, for the plan it makes now.
      while ((await again.store.getRun('was-waiting'))!.status !== 'waiting-approval' && Date.now() < end)
        await new Promise((r) => setTimeout(r, 25))
      await new Promise((r) => setTimeout(r, 100))
      expect((await again.store.getRun('was-waiting'))!.status).toBe('waiting-approval')
      expect((await again.store.approvalRequest('was-waiting'))!.planHash).toMatch(/^[0-9a-f]{64}$/)
      expect(await again.store.hostLocks()).toEqual([{ host: 'local', runId: 'was-waiting', at: expect.any(Number) }])
      expect((await again.store.getRun('was-queued'))!.status).toBe('queued')
    } finally {
      await again.close()
      await again.store.close()
    }
  })

  it('each event is committed (visible to another connection) while the engine is still inside onEvent', async () => {
    t = await startService()
    const d = t.logDir()
    const other = openSqliteStore(t.stateDir)
    const seen: Array<Promise<number[]>> = []
    const run = await t.service.submit(t.who('alice'), { runbook: 'log-dir-full', host: 'local', params: logParams(d) })
    // The listener runs synchronously inside the engine's onEvent, after the insert: the engine has not gone on yet.
    const off = t.service.subscribe(run.id, (e) => {
      if (e) seen.push(other.events(run.id).then((rows) => [e.seq, rows.length, rows.at(-1)!.seq]))
    })
    await t.until(run.id, ['fix-proposed'])
    off()
    const checks = await Promise.all(seen)
    await other.close()
    expect(checks.length).toBeGreaterThan(10)
    for (const [seq, count, last] of checks) expect([count, last]).toEqual([seq, seq])
  })
})
