/**
 * Resuming served runs from their journal after the server died (service/journal.ts). A "death" is
 * simulated precisely: from one chosen event on, the store writes nothing and every command hangs,
 * as if the process had been killed right there; then a new RunService opens the same SQLite file.
 * The real SIGKILL test of a `runbook serve` process is test/integration/serve-durability.int.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createLocalExecutorFactory } from '../../../src/executors/local.ts'
import { LOCK_NOT_OURS } from '../../../src/engine/host-ops.ts'
import { ExecError } from '../../../src/errors.ts'
import { AccessControl, parseAccess } from '../../../src/service/access.ts'
import { RunService } from '../../../src/service/service.ts'
import { openSqliteStore } from '../../../src/service/sqlite-store.ts'
import type { Store } from '../../../src/service/store.ts'
import type { ExecutorFactory, RunEvent } from '../../../src/types.ts'
import { ACCESS_YAML, TOKENS } from './fixture.ts'

const RUNBOOK = resolve('fixtures/runbooks/valid/resume-marker.yaml')
const access = new AccessControl(parseAccess(ACCESS_YAML), TOKENS.admin)
const who = (name: keyof typeof TOKENS) => access.authenticate(TOKENS[name])!

let cleanup: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const f of cleanup.reverse()) await f()
  cleanup = []
})

type Death = { at: (e: RunEvent) => boolean; when: 'before' | 'after' } | { status: string } | { write: string }

/** A world the tests share across "process lifetimes": one state dir, one marker file, one runbook dir. */
function world() {
  const root = mkdtempSync(join(tmpdir(), 'rb-resume-'))
  const saved = process.env.RUNBOOK_HOST_DIR
  process.env.RUNBOOK_HOST_DIR = join(root, 'host-state')
  cleanup.push(() => {
    if (saved === undefined) delete process.env.RUNBOOK_HOST_DIR
    else process.env.RUNBOOK_HOST_DIR = saved
    rmSync(root, { recursive: true, force: true })
  })
  const marker = join(root, 'marker')
  writeFileSync(marker, '')
  const runbooks = join(root, 'runbooks')
  mkdirSync(runbooks)
  copyFileSync(RUNBOOK, join(runbooks, 'resume-marker.yaml'))
  return { root, marker, runbooks, params: { marker, pause: '0.05' } }
}

/** A service on `stateDir`; with `death`, it "dies" there: no write reaches the store after, no command answers. */
async function serviceOn(stateDir: string, runbooks: string, death?: Death, over: { approvalTtlMs?: number } = {}) {
  const inner = openSqliteStore(stateDir)
  let dead = false
  let died: () => void = () => {}
  const diedP = new Promise<void>((r) => (died = r))
  const die = () => {
    dead = true
    died()
  }
  const store: Store = death
    ? new Proxy(inner, {
        get(target, prop, receiver) {
          const v = Reflect.get(target, prop, receiver) as unknown
          if (typeof v !== 'function') return v
          if (prop === 'appendEvent') {
            return (runId: string, e: RunEvent) => {
              if (dead) return
              if ('at' in death && death.at(e) && death.when === 'before') return die()
              inner.appendEvent(runId, e)
              if ('at' in death && death.at(e)) die()
            }
          }
          const writes = [
            'createRun',
            'updateRun',
            'openApprovalRequest',
            'closeApprovalRequest',
            'addApproval',
            'voidApprovals',
            'recordRefusal',
            'acquireHostLock',
            'releaseHostLock',
            'claimJob',
          ]
          if (writes.includes(String(prop))) {
            return async (...args: unknown[]) => {
              if (dead) return prop === 'acquireHostLock' || prop === 'claimJob' ? false : undefined
              const out = await (v as (...a: unknown[]) => Promise<unknown>).apply(target, args)
              if ('status' in death && prop === 'updateRun' && (args[1] as { status?: string }).status === death.status) die()
              if ('write' in death && prop === death.write) die()
              return out
            }
          }
          return (v as (...a: unknown[]) => unknown).bind(target)
        },
      })
    : inner
  const executors = (): ExecutorFactory => {
    const live = createLocalExecutorFactory()
    const hang = (signal?: AbortSignal) =>
      new Promise<never>((_, reject) => {
        const dead = () => reject(new ExecError('aborted', 'local', 'the process is dead'))
        if (signal?.aborted) dead()
        else signal?.addEventListener('abort', dead, { once: true })
      })
    return {
      ...live,
      prober: live.prober,
      close: () => live.close(),
      executor: (host) => {
        const e = live.executor(host)
        return {
          exec: async (spec, signal) => {
            if (dead) return hang(signal)
            const r = await e.exec(spec, signal)
            // A process that died while the command ran never hears its end.
            if (dead) return hang(signal)
            return r
          },
          close: () => e.close(),
        }
      },
    }
  }
  const service = new RunService({ store, access, runbookDirs: [runbooks], executors, ...over })
  await service.start()
  let closed = false
  const close = async () => {
    if (closed) return
    closed = true
    await service.close()
    await inner.close()
  }
  cleanup.push(close)
  return { service, store: inner, died: diedP, close }
}

describe('one server per state dir', () => {
  it('a second server on the same state dir is refused at start: it takes back no lock and resumes no run of the first', async () => {
    const w = world()
    const state = join(w.root, 'state')
    const first = await serviceOn(state, w.runbooks)
    // The first server is applying a fix on web9: its queue lock is in the store.
    expect(await first.store.acquireHostLock('web9', 'run-of-first', 1)).toBe(true)
    const store = openSqliteStore(state)
    cleanup.push(() => store.close())
    const second = new RunService({ store, access, runbookDirs: [w.runbooks], executors: () => createLocalExecutorFactory() })
    await expect(second.start()).rejects.toThrow(/another runbook serve \(pid \d+\) already uses the state dir/)
    expect(await first.store.hostLocks()).toEqual([{ host: 'web9', runId: 'run-of-first', at: 1 }])
    await second.close()
  })
})

async function until(store: Store, id: string, statuses: string[], timeoutMs = 20_000) {
  const end = Date.now() + timeoutMs
  for (;;) {
    const run = await store.getRun(id)
    if (run && statuses.includes(run.status)) return run
    if (Date.now() > end) throw new Error(`run ${id} is ${run?.status}, not ${statuses.join('|')}, after ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** Events without what differs between two runs of the same story: times, durations, run ids, plan hashes. */
async function story(store: Store, id: string): Promise<string[]> {
  const drop = new Set(['seq', 'at', 'durationMs', 'startedAt'])
  const clean = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(clean)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v)
              .filter(([k]) => !drop.has(k))
              .map(([k, x]) => [k, clean(x)]),
          )
        : v
  // The sub-commands of a parallel step finish in either order, in any run: sorted within their block.
  const events = (await store.events(id)).map((e) => JSON.parse(e.json) as RunEvent)
  const sorted: RunEvent[] = []
  for (let i = 0; i < events.length;) {
    let j = i
    while (j < events.length && events[j]!.type === 'command.finished' && (events[j] as { sub?: string }).sub !== undefined) j++
    if (j === i) sorted.push(events[i++]!)
    else
      sorted.push(
        ...events.slice(i, (i = j)).sort((a, b) => String((a as { sub?: string }).sub).localeCompare(String((b as { sub?: string }).sub))),
      )
  }
  return sorted.map((e) =>
    JSON.stringify(clean(e))
      .split(id)
      .join('RUN')
      .split(id.slice(0, 8))
      .join('RUN')
      .replace(/[0-9a-f]{64}/g, 'HASH')
      .replace(/\.lock\.[A-Za-z0-9]+/g, '.lock.X')
      .replace(/rb-resume-[A-Za-z0-9]+/g, 'ROOT'),
  )
}

const isCommand = (type: 'command.started' | 'command.finished', text: string) => (e: RunEvent) =>
  e.type === type && e.spec.command.includes(text)
const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean)

/** An uninterrupted run of the same request, for comparison. */
async function reference(mode: 'dry-run' | 'apply') {
  const w = world()
  const s = await serviceOn(join(w.root, 'ref-state'), w.runbooks)
  const run = await s.service.submit(who('alice'), { runbook: 'resume-marker', host: 'local', params: w.params, mode })
  if (mode === 'apply') {
    await until(s.store, run.id, ['waiting-approval'])
    const v = await s.service.view((await s.store.getRun(run.id))!)
    await s.service.decide(who('bob'), run.id, v.approvalRequest!.planHash, 'approve')
  }
  const done = await until(s.store, run.id, [
    'healthy',
    'problem',
    'fix-proposed',
    'fix-applied',
    'fix-rolled-back',
    'incomplete',
    'refused',
    'rollback-failed',
  ])
  return { done, story: (await story(s.store, run.id)).map((l) => l.split(w.marker).join('MARKER')), marker: lines(w.marker) }
}

describe('resuming a served run from its journal', () => {
  it('a read-only command interrupted mid-diagnosis runs again; the journal equals an uninterrupted run, event for event', async () => {
    const ref = await reference('dry-run')
    const w = world()
    const state = join(w.root, 'state')
    const first = await serviceOn(state, w.runbooks, { at: isCommand('command.started', 'grep -c applied'), when: 'after' })
    const run = await first.service.submit(who('alice'), { runbook: 'resume-marker', host: 'local', params: w.params })
    await first.died
    await first.close()
    expect((await openAndRead(state, run.id)).at(-1)).toMatchObject({ type: 'command.started', step: 'count' })

    const second = await serviceOn(state, w.runbooks)
    const done = await until(second.store, run.id, ['fix-proposed', 'incomplete', 'healthy', 'problem'])
    expect(done).toMatchObject({ status: 'fix-proposed', exitCode: 4 })
    const resumed = (await story(second.store, run.id)).map((l) => l.split(w.marker).join('MARKER'))
    expect(resumed).toEqual(ref.story)
    const seqs = (await second.store.events(run.id)).map((e) => e.seq)
    expect(seqs).toEqual(seqs.map((_, i) => i + 1))
  })

  it('a run waiting for approval survives the restart: same request and expiry, then the approval applies the fix once', async () => {
    const ref = await reference('apply')
    const w = world()
    const state = join(w.root, 'state')
    const first = await serviceOn(state, w.runbooks, { status: 'waiting-approval' })
    const run = await first.service.submit(who('alice'), { runbook: 'resume-marker', host: 'local', params: w.params, mode: 'apply' })
    await first.died
    const before = (await first.store.approvalRequest(run.id))!
    await first.close()

    const second = await serviceOn(state, w.runbooks)
    await until(second.store, run.id, ['waiting-approval'])
    const request = (await second.store.approvalRequest(run.id))!
    expect(request).toMatchObject({
      state: 'open',
      planHash: before.planHash,
      expiresAt: before.expiresAt,
      requestedAt: before.requestedAt,
    })
    await expect(second.service.decide(who('alice'), run.id, request.planHash, 'approve')).rejects.toMatchObject({
      code: 'RB_APPROVAL_REFUSED',
    })
    await second.service.decide(who('bob'), run.id, request.planHash, 'approve')
    expect(await until(second.store, run.id, ['fix-applied', 'fix-rolled-back', 'incomplete', 'fix-proposed'])).toMatchObject({
      status: 'fix-applied',
      exitCode: 5,
    })
    expect(lines(w.marker)).toEqual(['applied-1', 'applied-2'])
    expect((await story(second.store, run.id)).map((l) => l.split(w.marker).join('MARKER'))).toEqual(ref.story)
  })

  it('a graceful stop (SIGTERM, a deploy) ends no run: a run waiting for approval waits again after the restart, then applies', async () => {
    const w = world()
    const state = join(w.root, 'state')
    const first = await serviceOn(state, w.runbooks)
    const run = await first.service.submit(who('alice'), { runbook: 'resume-marker', host: 'local', params: w.params, mode: 'apply' })
    const diagnosing = await first.service.submit(who('alice'), {
      runbook: 'resume-marker',
      host: 'local',
      params: { ...w.params, pause: '5' },
    })
    await until(first.store, run.id, ['waiting-approval'])
    await until(first.store, diagnosing.id, ['running'])
    const request = (await first.store.approvalRequest(run.id))!
    await first.close()

    const second = await serviceOn(state, w.runbooks)
    expect((await second.store.getRun(diagnosing.id))!.status).toBe('running')
    await until(second.store, run.id, ['waiting-approval'])
    expect(await second.store.approvalRequest(run.id)).toEqual(request)
    await second.service.decide(who('carol'), run.id, request.planHash, 'approve')
    expect(await until(second.store, run.id, ['fix-applied', 'fix-rolled-back', 'incomplete'])).toMatchObject({ status: 'fix-applied' })
    expect(lines(w.marker)).toEqual(['applied-1', 'applied-2'])
    for (const id of [run.id, diagnosing.id]) {
      if (id === diagnosing.id) await until(second.store, id, ['fix-proposed', 'incomplete'], 30_000)
      const events = await openAndRead(state, id, second.store)
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1))
      expect(events.filter((e) => e.type === 'run.finished')).toHaveLength(1)
      expect(events.filter((e) => e.type === 'run.started')).toHaveLength(1)
    }
  }, 40_000)

  it('an approval that reached the store just before the crash still counts after the restart', async () => {
    const w = world()
    const state = join(w.root, 'state')
    // Dies right after bob's approval reached the store, before the engine heard of it.
    const first = await serviceOn(state, w.runbooks, { write: 'addApproval' })
    const run = await first.service.submit(who('alice'), { runbook: 'resume-marker', host: 'local', params: w.params, mode: 'apply' })
    await until(first.store, run.id, ['waiting-approval'])
    await first.service.decide(who('bob'), run.id, (await first.store.approvalRequest(run.id))!.planHash, 'approve').catch(() => {})
    await first.died
    await first.close()
    expect(lines(w.marker)).toEqual([])
    const second = await serviceOn(state, w.runbooks)
    expect(await until(second.store, run.id, ['fix-applied', 'fix-rolled-back', 'incomplete', 'fix-proposed'])).toMatchObject({
      status: 'fix-applied',
    })
    expect(lines(w.marker)).toEqual(['applied-1', 'applied-2'])
    const events = await openAndRead(state, run.id, second.store)
    expect(events.find((e) => e.type === 'fix.approved')).toMatchObject({ by: 'bob' })
  })

  it('an approval request that expired while the server was down ends the run: nothing applied, a late approval refused', async () => {
    const w = world()
    const state = join(w.root, 'state')
    const first = await serviceOn(state, w.runbooks, { status: 'waiting-approval' }, { approvalTtlMs: 1500 })
    const run = await first.service.submit(who('alice'), { runbook: 'resume-marker', host: 'local', params: w.params, mode: 'apply' })
    await first.died
    await first.close()
    await new Promise((r) => setTimeout(r, 1700))
    const second = await serviceOn(state, w.runbooks, undefined, { approvalTtlMs: 1500 })
    expect(await until(second.store, run.id, ['fix-proposed', 'fix-applied', 'incomplete'])).toMatchObject({ status: 'fix-proposed' })
    expect((await second.store.approvalRequest(run.id))!.state).toBe('expired')
    const events = await openAndRead(state, run.id, second.store)
    expect(events.find((e) => e.type === 'fix.declined')).toMatchObject({ by: 'runbook serve', reason: expect.stringMatching(/expired/) })
    expect(lines(w.marker)).toEqual([])
    await expect(
      second.service.decide(who('bob'), run.id, (await second.store.approvalRequest(run.id))!.planHash, 'approve'),
    ).rejects.toMatchObject({ code: 'RB_APPROVAL_REFUSED', message: expect.stringMatching(/expired/) })
  })

  it('an apply command that never ran before the crash is not run on resume: in doubt, verify fails, the fix is rolled back', async () => {
    const w = world()
    const state = join(w.root, 'state')
    const first = await serviceOn(state, w.runbooks, { at: isCommand('command.started', 'echo applied-1'), when: 'after' })
    const run = await first.service.submit(who('alice'), { runbook: 'resume-marker', host: 'local', params: w.params, mode: 'apply' })
    await until(first.store, run.id, ['waiting-approval'])
    await first.service.decide(who('bob'), run.id, (await first.store.approvalRequest(run.id))!.planHash, 'approve')
    await first.died
    await first.close()
    expect(lines(w.marker)).toEqual([])

    const second = await serviceOn(state, w.runbooks)
    expect(await until(second.store, run.id, ['fix-applied', 'fix-rolled-back', 'incomplete', 'rollback-failed'])).toMatchObject({
      status: 'fix-rolled-back',
      exitCode: 6,
    })
    expect(lines(w.marker)).toEqual(['rolled-back'])
    const events = await openAndRead(state, run.id, second.store)
    expect(events.filter(isCommand('command.started', 'echo applied-1'))).toHaveLength(1)
    expect(events.filter(isCommand('command.started', 'echo applied-2'))).toHaveLength(0)
    expect(events.find((e) => e.type === 'fix.in_doubt')).toMatchObject({
      step: 'mark',
      command: expect.stringContaining('echo applied-1'),
    })
    expect(events.find(isCommand('command.finished', 'echo applied-1'))).toMatchObject({ error: { kind: 'in-doubt' } })
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['fix.verified', 'fix.rolled_back', 'lock.released', 'run.finished']))
  })

  it('an apply command that ran but whose end was never recorded is not run again: verify finds the fix in place', async () => {
    const w = world()
    const state = join(w.root, 'state')
    const first = await serviceOn(state, w.runbooks, { at: isCommand('command.finished', 'echo applied-2'), when: 'before' })
    const run = await first.service.submit(who('alice'), { runbook: 'resume-marker', host: 'local', params: w.params, mode: 'apply' })
    await until(first.store, run.id, ['waiting-approval'])
    await first.service.decide(who('bob'), run.id, (await first.store.approvalRequest(run.id))!.planHash, 'approve')
    await first.died
    await first.close()
    expect(lines(w.marker)).toEqual(['applied-1', 'applied-2'])

    const second = await serviceOn(state, w.runbooks)
    expect(await until(second.store, run.id, ['fix-applied', 'fix-rolled-back', 'incomplete', 'rollback-failed'])).toMatchObject({
      status: 'fix-applied',
      exitCode: 5,
    })
    expect(lines(w.marker)).toEqual(['applied-1', 'applied-2'])
    const events = await openAndRead(state, run.id, second.store)
    expect(events.filter(isCommand('command.started', 'echo applied-1'))).toHaveLength(1)
    expect(events.find((e) => e.type === 'fix.in_doubt')).toMatchObject({ command: expect.stringContaining('echo applied-2') })
    expect(events.find((e) => e.type === 'fix.verified')).toMatchObject({ ok: true })
  })

  for (const when of ['after', 'before'] as const) {
    it(`a crash while taking the host lock (${when === 'after' ? 'before it was taken' : 'after it was taken, unrecorded'}): the resumed run finds out whether the lock is its own and applies`, async () => {
      const w = world()
      const state = join(w.root, 'state')
      const first = await serviceOn(state, w.runbooks, {
        at: when === 'after' ? isCommand('command.started', 'mktemp -d') : isCommand('command.finished', 'mktemp -d'),
        when,
      })
      const run = await first.service.submit(who('alice'), { runbook: 'resume-marker', host: 'local', params: w.params, mode: 'apply' })
      await until(first.store, run.id, ['waiting-approval'])
      await first.service.decide(who('bob'), run.id, (await first.store.approvalRequest(run.id))!.planHash, 'approve')
      await first.died
      await first.close()
      const second = await serviceOn(state, w.runbooks)
      const done = await until(second.store, run.id, ['fix-applied', 'fix-rolled-back', 'incomplete', 'refused'])
      expect(done, JSON.stringify(done.error)).toMatchObject({ status: 'fix-applied' })
      expect(lines(w.marker)).toEqual(['applied-1', 'applied-2'])
      const events = await openAndRead(state, run.id, second.store)
      const renewed = events.filter(isCommand('command.finished', 'expires.new'))
      expect(renewed).toHaveLength(1)
      // Not ours yet: the renew fails and the lock is taken again; ours: the renew succeeds.
      expect((renewed[0] as Extract<RunEvent, { type: 'command.finished' }>).result?.exitCode).toBe(when === 'after' ? LOCK_NOT_OURS : 0)
      expect(events.filter(isCommand('command.started', 'mktemp -d'))).toHaveLength(when === 'after' ? 2 : 1)
      expect(events.filter((e) => e.type === 'lock.acquired')).toHaveLength(1)
      expect(events.filter((e) => e.type === 'lock.released')).toHaveLength(1)
    })
  }

  it('a runbook edited while the server was down: the run is not resumed but ended with the reason', async () => {
    const w = world()
    const state = join(w.root, 'state')
    const first = await serviceOn(state, w.runbooks, { at: isCommand('command.started', 'grep -c applied'), when: 'after' })
    const run = await first.service.submit(who('alice'), { runbook: 'resume-marker', host: 'local', params: w.params })
    await first.died
    await first.close()
    appendFileSync(join(w.runbooks, 'resume-marker.yaml'), '# edited\n')
    const second = await serviceOn(state, w.runbooks)
    expect(await until(second.store, run.id, ['incomplete', 'fix-proposed'])).toMatchObject({
      status: 'incomplete',
      exitCode: 7,
      error: expect.stringMatching(/changed since the run started/),
    })
  })
})

async function openAndRead(stateDir: string, id: string, open?: Store): Promise<RunEvent[]> {
  const store = open ?? openSqliteStore(stateDir)
  try {
    return (await store.events(id)).map((e) => JSON.parse(e.json) as RunEvent)
  } finally {
    if (!open) await store.close()
  }
}
