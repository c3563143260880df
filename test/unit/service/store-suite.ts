/**
 * The one suite every Store implementation passes (as pino runs one suite against each
 * transport). sqlite-store.test.ts runs it on the embedded store, postgres-store.test.ts on PostgreSQL.
 */
import { randomBytes } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Store } from '../../../src/service/store.ts'
import type { RunEvent } from '../../../src/types.ts'

const request = (
  id: string,
  over: Partial<{ runbook: string; host: string | null; createdAt: number; mode: 'dry-run' | 'apply' }> = {},
) => ({
  id,
  runbook: over.runbook ?? 'log-dir-full',
  file: '/runbooks/log-dir-full.yaml',
  host: over.host === undefined ? 'web1' : over.host,
  mode: over.mode ?? ('dry-run' as const),
  params: { dir: '/var/log', token: 's3cret' },
  requestedBy: 'alice',
  createdAt: over.createdAt ?? 1000,
  planKey: new Uint8Array(randomBytes(32)),
})

export function storeSuite(name: string, open: () => Promise<Store>): void {
  describe(`Store: ${name}`, () => {
    let store: Store
    beforeEach(async () => {
      store = await open()
    })
    afterEach(async () => {
      await store.close()
    })

    it('creates a run queued with its job, and reads it back as given', async () => {
      const r = request('r1')
      const created = await store.createRun(r)
      expect(created).toMatchObject({
        id: 'r1',
        status: 'queued',
        exitCode: null,
        params: r.params,
        requestedBy: 'alice',
        host: 'web1',
        mode: 'dry-run',
      })
      expect(Buffer.from(created.planKey).equals(Buffer.from(r.planKey))).toBe(true)
      expect(await store.queuedJobs()).toEqual(['r1'])
      expect(await store.getRun('nope')).toBeUndefined()
    })

    it('a job is claimed once', async () => {
      await store.createRun(request('r1'))
      await store.createRun(request('r2', { createdAt: 2000 }))
      expect(await store.queuedJobs()).toEqual(['r1', 'r2'])
      expect(await store.claimJob('r1')).toBe(true)
      expect(await store.claimJob('r1')).toBe(false)
      expect(await store.queuedJobs()).toEqual(['r2'])
    })

    it('updates status, outcome and times; lists newest first with filters and a limit', async () => {
      await store.createRun(request('a', { createdAt: 1, runbook: 'x' }))
      await store.createRun(request('b', { createdAt: 2, host: 'web2' }))
      await store.createRun(request('c', { createdAt: 3 }))
      await store.updateRun('b', { status: 'fix-proposed', exitCode: 4, outcome: { id: 'o', evidence: [] }, finishedAt: 9 })
      expect(await store.getRun('b')).toMatchObject({
        status: 'fix-proposed',
        exitCode: 4,
        outcome: { id: 'o', evidence: [] },
        finishedAt: 9,
      })
      expect((await store.listRuns({})).map((r) => r.id)).toEqual(['c', 'b', 'a'])
      expect((await store.listRuns({ limit: 2 })).map((r) => r.id)).toEqual(['c', 'b'])
      expect((await store.listRuns({ runbook: 'x' })).map((r) => r.id)).toEqual(['a'])
      expect((await store.listRuns({ host: 'web2' })).map((r) => r.id)).toEqual(['b'])
      expect((await store.listRuns({ status: 'queued' })).map((r) => r.id)).toEqual(['c', 'a'])
      expect(await store.countByStatus()).toEqual({ queued: 2, 'fix-proposed': 1 })
    })

    it('keeps events one row each, in order, and reads them after a seq', async () => {
      await store.createRun(request('r1'))
      const events = [1, 2, 3].map(
        (seq) => ({ seq, at: `2026-01-01T00:00:0${seq}.000Z`, type: 'step.started', step: `s${seq}`, kind: 'run' }) as RunEvent,
      )
      for (const e of events) store.appendEvent('r1', e)
      // Committed when appendEvent returns: visible at once, no await in between.
      expect((await store.events('r1')).map((e) => e.seq)).toEqual([1, 2, 3])
      expect((await store.events('r1', 2)).map((e) => JSON.parse(e.json))).toEqual([events[2]])
      expect(() => store.appendEvent('r1', events[0]!)).toThrow()
      expect(await store.exportTranscript('r1')).toBe(events.map((e) => JSON.stringify(e) + '\n').join(''))
    })

    it('approval requests bind to a plan hash; a re-plan voids the old approvals', async () => {
      await store.createRun(request('r1'))
      await store.openApprovalRequest({ runId: 'r1', step: 'fix', planHash: 'h1', required: 2, requestedAt: 10, expiresAt: 20 })
      expect(await store.approvalRequest('r1')).toEqual({
        runId: 'r1',
        step: 'fix',
        planHash: 'h1',
        required: 2,
        requestedAt: 10,
        expiresAt: 20,
        state: 'open',
      })
      await store.addApproval({ runId: 'r1', step: 'fix', planHash: 'h1', identity: 'bob', decision: 'approve', at: 11 })
      await store.openApprovalRequest({ runId: 'r1', step: 'fix', planHash: 'h2', required: 2, requestedAt: 12, expiresAt: 22 })
      expect(await store.voidApprovals('r1', 'h2')).toBe(1)
      await store.addApproval({ runId: 'r1', step: 'fix', planHash: 'h2', identity: 'carol', decision: 'approve', at: 13 })
      expect((await store.approvals('r1')).map((a) => [a.identity, a.planHash, a.voided])).toEqual([
        ['bob', 'h1', true],
        ['carol', 'h2', false],
      ])
      await store.closeApprovalRequest('r1', 'expired')
      expect((await store.approvalRequest('r1'))?.state).toBe('expired')
      await store.closeApprovalRequest('r1', 'approved') // closed already: stays expired
      expect((await store.approvalRequest('r1'))?.state).toBe('expired')
    })

    it('records refusals with their reason', async () => {
      await store.createRun(request('r1'))
      await store.recordRefusal({
        at: 1,
        identity: 'alice',
        action: 'approve',
        runId: 'r1',
        code: 'RB_APPROVAL_REFUSED',
        reason: 'four-eyes',
      })
      await store.recordRefusal({ at: 2, identity: 'eve', action: 'run', runId: null, code: 'RB_FORBIDDEN', reason: 'no rule' })
      expect(await store.refusals('r1')).toEqual([
        { at: 1, identity: 'alice', action: 'approve', runId: 'r1', code: 'RB_APPROVAL_REFUSED', reason: 'four-eyes' },
      ])
      expect((await store.refusals()).map((r) => r.identity)).toEqual(['alice', 'eve'])
    })

    it('a host lock has one holder until released', async () => {
      expect(await store.acquireHostLock('web1', 'r1', 1)).toBe(true)
      expect(await store.acquireHostLock('web1', 'r2', 2)).toBe(false)
      expect(await store.acquireHostLock('web2', 'r2', 2)).toBe(true)
      await store.releaseHostLock('web1', 'r2') // not the holder: no effect
      expect(await store.hostLocks()).toEqual([
        { host: 'web1', runId: 'r1', at: 1 },
        { host: 'web2', runId: 'r2', at: 2 },
      ])
      await store.releaseHostLock('web1', 'r1')
      expect(await store.acquireHostLock('web1', 'r2', 3)).toBe(true)
    })
    it('a trigger slot is held while its run lives and through its cool-down; a refused submission frees it', async () => {
      const claim = (at: number, over: Partial<{ key: string; coolDownUntil: number }> = {}) =>
        store.claimTrigger({
          key: over.key ?? 'web-down|unreachable-host|web1',
          rule: 'web-down',
          runbook: 'unreachable-host',
          host: 'web1',
          at,
          coolDownUntil: over.coolDownUntil ?? at + 100,
          pendingTtlMs: 50,
        })
      expect(await claim(1000)).toEqual({ claimed: true })
      // Pending (no run yet): a second request is told so, until the pending claim is stale.
      expect(await claim(1010)).toMatchObject({ claimed: false, reason: 'pending', holder: { runId: null, claimedAt: 1000 } })
      await store.releaseTrigger('web-down|unreachable-host|web1')
      expect(await claim(1020)).toEqual({ claimed: true })
      await store.createRun(request('r1'))
      await store.bindTrigger('web-down|unreachable-host|web1', 'r1')
      // Active: past the cool-down, but the run is still queued.
      expect(await claim(5000)).toMatchObject({
        claimed: false,
        reason: 'active',
        holder: { runId: 'r1', rule: 'web-down', runbook: 'unreachable-host', host: 'web1', coolDownUntil: 1120 },
      })
      await store.releaseTrigger('web-down|unreachable-host|web1') // bound: not released
      await store.updateRun('r1', { status: 'fix-proposed', finishedAt: 1050 })
      expect(await claim(1100)).toMatchObject({ claimed: false, reason: 'cool-down', holder: { runId: 'r1' } })
      expect(await claim(1120)).toEqual({ claimed: true })
      // Other keys are independent.
      expect(await claim(1121, { key: 'web-down|unreachable-host|web2' })).toEqual({ claimed: true })
      // A pending claim older than pendingTtlMs is taken over.
      expect(await claim(1200, { key: 'web-down|unreachable-host|web2' })).toEqual({ claimed: true })
    })

    it('alert runs: resolved once, notified once, notes kept apart from the journal', async () => {
      await store.createRun(request('r1'))
      await store.createRun(request('r2', { createdAt: 2000 }))
      await store.recordAlertRun({
        runId: 'r1',
        source: 'alertmanager',
        fingerprint: 'fp1',
        alertName: 'HostDown',
        rule: 'web-down',
        incidentId: null,
        channel: '#ops',
        startedAt: 10,
      })
      await store.recordAlertRun({
        runId: 'r2',
        source: 'pagerduty',
        fingerprint: 'Q1',
        alertName: 'web1 down',
        rule: 'pd',
        incidentId: 'Q1',
        channel: null,
        startedAt: 11,
      })
      expect(await store.alertRun('r1')).toEqual({
        runId: 'r1',
        source: 'alertmanager',
        fingerprint: 'fp1',
        alertName: 'HostDown',
        rule: 'web-down',
        incidentId: null,
        channel: '#ops',
        startedAt: 10,
        resolvedAt: null,
        notifiedAt: null,
      })
      expect((await store.unnotifiedAlertRuns()).map((r) => r.runId)).toEqual(['r1', 'r2'])
      expect(await store.claimNotification('r1', 20)).toBe(true)
      expect(await store.claimNotification('r1', 21)).toBe(false)
      expect((await store.unnotifiedAlertRuns()).map((r) => r.runId)).toEqual(['r2'])
      expect((await store.resolveAlertRuns('alertmanager', 'fp1', 30)).map((r) => [r.runId, r.resolvedAt])).toEqual([['r1', 30]])
      expect(await store.resolveAlertRuns('alertmanager', 'fp1', 31)).toEqual([])
      expect(await store.resolveAlertRuns('generic', 'fp1', 31)).toEqual([])
      await store.addRunNote({ runId: 'r1', at: 30, source: 'alertmanager', text: 'alert resolved' })
      expect(await store.runNotes('r1')).toEqual([{ runId: 'r1', at: 30, source: 'alertmanager', text: 'alert resolved' }])
      expect(await store.runNotes('r2')).toEqual([])
      expect(await store.events('r1')).toEqual([])
    })

    it('the webhook replay store remembers each (source, id) once until forgotten', async () => {
      expect(await store.rememberDelivery('pagerduty', 'w1', 100)).toBe(true)
      expect(await store.rememberDelivery('pagerduty', 'w1', 101)).toBe(false)
      expect(await store.rememberDelivery('generic', 'w1', 102)).toBe(true)
      expect(await store.rememberDelivery('pagerduty', 'w2', 200)).toBe(true)
      expect(await store.forgetDeliveries(150)).toBe(2)
      expect(await store.rememberDelivery('pagerduty', 'w1', 300)).toBe(true)
      expect(await store.rememberDelivery('pagerduty', 'w2', 300)).toBe(false)
    })

    it('keeps the chat messages a run owns, one per kind, moved in place', async () => {
      await store.createRun(request('r1'))
      expect(await store.chatMessage('r1', 'parent')).toBeUndefined()
      await store.saveChatMessage({ runId: 'r1', kind: 'parent', channel: 'C1', ts: '1.000100' })
      await store.saveChatMessage({ runId: 'r1', kind: 'plan:abc', channel: 'C1', ts: '1.000200' })
      await store.saveChatMessage({ runId: 'r1', kind: 'parent', channel: 'C1', ts: '1.000300' })
      expect(await store.chatMessage('r1', 'parent')).toEqual({ runId: 'r1', kind: 'parent', channel: 'C1', ts: '1.000300' })
      expect((await store.chatMessages('r1')).map((m) => m.kind)).toEqual(['parent', 'plan:abc'])
    })

    it('claims a once-only key once, and forgets keys older than asked', async () => {
      expect(await store.claimOnce('trigger:1', 100)).toBe(true)
      expect(await store.claimOnce('trigger:1', 101)).toBe(false)
      expect(await store.claimOnce('trigger:2', 200, 150)).toBe(true) // forgets trigger:1 (at 100 < 150)
      expect(await store.claimOnce('trigger:1', 201)).toBe(true)
      expect(await store.claimOnce('trigger:2', 202)).toBe(false)
    })
  })
}
