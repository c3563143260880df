/**
 * The approval desk on a real store, driven as the engine drives it: a re-plan asks again with a
 * new hash, which voids the approvals of the old plan; a decline ends the wait at once.
 */
import { randomBytes } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AccessControl, parseAccess } from '../../../src/service/access.ts'
import { ApprovalDesk } from '../../../src/service/approvals.ts'
import { openSqliteStore } from '../../../src/service/sqlite-store.ts'
import type { RunRecord, Store } from '../../../src/service/store.ts'
import type { FixPlan } from '../../../src/types.ts'
import { ACCESS_YAML, TOKENS } from './fixture.ts'

const plan = (hash: string): FixPlan => ({
  host: 'pair',
  sudo: false,
  check: [],
  apply: ['true'],
  verify: [],
  rollback: [],
  files: [],
  access: null,
  hash,
})

describe('ApprovalDesk', () => {
  let store: Store
  let run: RunRecord
  const access = new AccessControl(parseAccess(ACCESS_YAML))
  const who = (n: keyof typeof TOKENS) => access.authenticate(TOKENS[n])!
  beforeEach(async () => {
    store = openSqliteStore(':memory:')
    run = await store.createRun({
      id: 'r1',
      runbook: 'log-dir-full',
      file: 'x',
      host: 'pair',
      mode: 'apply',
      params: {},
      requestedBy: 'alice',
      createdAt: 1,
      planKey: randomBytes(32),
    })
  })
  afterEach(async () => {
    await store.close()
  })

  it('a re-plan voids the approvals given to the old hash and needs them again for the new one', async () => {
    const desk = new ApprovalDesk({ store, access, ttlMs: 60_000, now: Date.now })
    const approver = desk.approverFor(run)
    const first = approver.approve({ runbook: 'log-dir-full', step: 'fix', summary: 's', plan: plan('h1') })
    await new Promise((r) => setTimeout(r, 20))
    expect((await store.getRun('r1'))!.status).toBe('waiting-approval')
    expect((await desk.decide(who('bob'), run, 'h1', 'approve')).state).toBe('waiting')
    expect((await desk.decide(who('carol'), run, 'h1', 'approve')).state).toBe('approved')
    expect(await first).toEqual({ approved: true, by: 'bob, carol' })
    expect((await store.getRun('r1'))!.status).toBe('running')

    // The host changed before apply: the engine re-plans and asks again.
    const second = approver.approve({ runbook: 'log-dir-full', step: 'fix', summary: 's', plan: plan('h2') })
    await new Promise((r) => setTimeout(r, 20))
    expect((await store.approvals('r1')).map((a) => [a.identity, a.planHash, a.voided])).toEqual([
      ['bob', 'h1', true],
      ['carol', 'h1', true],
    ])
    await expect(desk.decide(who('bob'), run, 'h1', 'approve')).rejects.toMatchObject({
      code: 'RB_APPROVAL_REFUSED',
      message: expect.stringMatching(/stale plan hash h1: the run now waits on plan h2/),
    })
    expect((await desk.decide(who('bob'), run, 'h2', 'approve')).state).toBe('waiting')
    expect((await desk.decide(who('carol'), run, 'h2', 'decline')).state).toBe('declined')
    expect(await second).toEqual({ approved: false, by: 'carol', reason: 'declined by carol' })
    expect((await store.approvalRequest('r1'))!.state).toBe('declined')
    expect(desk.waiting).toBe(0)
  })
})
