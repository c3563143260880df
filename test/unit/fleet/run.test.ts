/**
 * runFleet with the real engine on a fake fleet: every "host" is a folder on this machine, its
 * commands run by /bin/sh (host lock under the host's own RUNBOOK_HOST_DIR). Checks phases, plan
 * groups (one approval for hosts whose plans differ only by the host name), the budget counted
 * over both phases, hosts never started, and the index replay.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ApprovalRequest, Approver } from '../../../src/engine/approval.ts'
import { createLocalExecutorFactory } from '../../../src/executors/local.ts'
import { recordsFromTranscripts, readFleetIndex, writeFleetIndex, type FleetIndex } from '../../../src/fleet/index-file.ts'
import { groupOutcomes } from '../../../src/fleet/group.ts'
import { parsePolicy } from '../../../src/fleet/policy.ts'
import { runFleet, type FleetEvent } from '../../../src/fleet/run.ts'
import { loadRunbook } from '../../../src/library.ts'
import { openTranscript } from '../../../src/transcript/writer.ts'
import type { ExecutorFactory } from '../../../src/types.ts'
import { createFleetView } from '../../../src/views/fleet.ts'
import { PassThrough } from 'node:stream'

const compiled = loadRunbook('fixtures/runbooks/valid/fleet-state.yaml')
let root: string

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'rb-fleet-'))
})
afterEach(() => {
  rmSync(root, { recursive: true, force: true })
})

function fleet(states: Record<string, string>): { executors: ExecutorFactory; hosts: string[]; state(h: string): string } {
  for (const [h, s] of Object.entries(states)) {
    mkdirSync(join(root, h, '.rb'), { recursive: true })
    writeFileSync(join(root, h, 'state'), `${s}\n`)
  }
  const local = createLocalExecutorFactory()
  const executors: ExecutorFactory = {
    prober: local.prober,
    executor: (host) => {
      const ex = local.executor('local')
      return {
        exec: (spec, signal) =>
          ex.exec({ ...spec, command: `RUNBOOK_HOST_DIR='${join(root, host, '.rb')}'; export RUNBOOK_HOST_DIR; ${spec.command}` }, signal),
        close: () => ex.close(),
      }
    },
    close: () => local.close(),
  }
  return { executors, hosts: Object.keys(states), state: (h) => readFileSync(join(root, h, 'state'), 'utf8').trim() }
}

function countingApprover(answer: boolean): Approver & { asked: ApprovalRequest[] } {
  const asked: ApprovalRequest[] = []
  return {
    asked,
    approve: async (req) => (asked.push(req), answer ? { approved: true, by: 'test' } : { approved: false, by: 'test', reason: 'no' }),
  }
}

async function go(
  f: ReturnType<typeof fleet>,
  options: { mode: 'dry-run' | 'apply'; flags?: Parameters<typeof parsePolicy>[0]; approver?: Approver },
) {
  const events: FleetEvent[] = []
  /** The fleet events and hostDone calls (`done web1`), in the order they happened. */
  const order: string[] = []
  const transcripts: FleetIndex['transcripts'] = Object.fromEntries(f.hosts.map((h) => [h, []]))
  const r = await runFleet(compiled, {
    hosts: f.hosts,
    params: { dir: root },
    mode: options.mode,
    policy: parsePolicy({ concurrency: '1', ...options.flags }),
    executors: f.executors,
    approver: options.approver ?? countingApprover(true),
    transcript: (h, phase) => {
      const path = join(root, 'runs', `${h}${phase === 'apply' ? '.apply' : ''}.jsonl`)
      transcripts[h]!.push({ phase, path })
      return openTranscript(path)
    },
    onEvent: (e) => {
      events.push(e)
      if (e.type === 'host.started' || e.type === 'host.finished') order.push(`${e.type} ${e.host} ${e.phase}`)
    },
    hostDone: (h) => void order.push(`done ${h}`),
  })
  await f.executors.close()
  return { r, events, transcripts, order }
}

describe('runFleet', () => {
  it('dry-run: groups hosts whose plans differ only by host name; nothing changes', async () => {
    const f = fleet({ a1: 'ok', b2: 'broken', c3: 'ok', d4: 'broken' })
    const { r } = await go(f, { mode: 'dry-run' })
    expect(r.exitCode).toBe(4)
    expect(r.groups.map((g) => [g.status, g.hosts])).toEqual([
      ['healthy', ['a1', 'c3']],
      ['fix-proposed', ['b2', 'd4']],
    ])
    expect(r.groups[1]!.summary).toContain('Repair the state of <host>')
    expect(f.state('b2')).toBe('broken')
  })

  it('--apply: one approval for the group (plan shown once, hosts listed), every host fixed', async () => {
    const f = fleet({ a1: 'ok', b2: 'broken', c3: 'broken', d4: 'broken' })
    const approver = countingApprover(true)
    const { r, events } = await go(f, { mode: 'apply', approver, flags: { canary: '1' } })
    expect(r.exitCode).toBe(5)
    expect(approver.asked).toHaveLength(1)
    expect(approver.asked[0]!.plan.host).toBe('b2, c3, d4 (as <host>)')
    expect(approver.asked[0]!.plan.apply.join('\n')).toContain('/<host>/state')
    expect(approver.asked[0]!.plan.apply.join('\n')).not.toMatch(/\/(b2|c3|d4)\//)
    expect(['b2', 'c3', 'd4'].map(f.state)).toEqual(['ok', 'ok', 'ok'])
    const applyOrder = events.flatMap((e) => (e.type === 'host.started' && e.phase === 'apply' ? [e.host] : []))
    expect(applyOrder).toEqual(['b2', 'c3', 'd4'])
  })

  it('hostDone: each host once, when the fleet will not run it again (after its apply when it has a fix)', async () => {
    const dry = await go(fleet({ a1: 'ok', b2: 'broken' }), { mode: 'dry-run' })
    expect(dry.order.filter((l) => l.startsWith('done'))).toEqual(['done a1', 'done b2'])
    expect(dry.order.indexOf('done b2')).toBe(dry.order.indexOf('host.finished b2 diagnose') + 1)

    rmSync(root, { recursive: true, force: true })
    const { order } = await go(fleet({ a1: 'ok', b2: 'broken', c3: 'broken' }), { mode: 'apply', flags: { canary: '1' } })
    expect(order.filter((l) => l.startsWith('done'))).toEqual(['done a1', 'done b2', 'done c3'])
    // a1 needs no fix: released after its diagnosis; b2 and c3 only after their apply.
    expect(order.indexOf('done a1')).toBe(order.indexOf('host.finished a1 diagnose') + 1)
    for (const h of ['b2', 'c3']) {
      expect(order.indexOf(`done ${h}`)).toBe(order.indexOf(`host.finished ${h} apply`) + 1)
      expect(order.indexOf(`host.started ${h} apply`)).toBeGreaterThan(order.indexOf(`host.finished ${h} diagnose`))
    }
  })

  it('--apply declined: nothing applied, hosts stay proposed (exit 4), not a stop', async () => {
    const f = fleet({ b2: 'broken', c3: 'broken' })
    const { r, events } = await go(f, { mode: 'apply', approver: countingApprover(false) })
    expect(r.exitCode).toBe(4)
    expect(r.stop).toBeNull()
    expect(events.some((e) => e.type === 'host.started' && e.phase === 'apply')).toBe(false)
    expect(f.state('b2')).toBe('broken')
  })

  it('the budget counts failures of both phases: 1 failed diagnosis + 1 rolled-back fix = 2 trips it', async () => {
    const f = fleet({ a1: 'fail', b2: 'broken', c3: 'unfixable', d4: 'broken', e5: 'broken' })
    const { r, events, transcripts } = await go(f, { mode: 'apply', flags: { maxFailures: '2' } })
    expect(r.exitCode).toBe(10)
    expect(r.stop?.reason).toBe('budget')
    expect(r.stop?.message).toContain('2 failed host(s) (a1, c3)')
    expect(r.records.map((x) => [x.host, x.status])).toEqual([
      ['a1', 'incomplete'],
      ['b2', 'fix-applied'],
      ['c3', 'fix-rolled-back'],
      ['d4', 'fix-proposed'],
      ['e5', 'fix-proposed'],
    ])
    expect(r.notStarted).toEqual([
      { host: 'd4', phase: 'apply' },
      { host: 'e5', phase: 'apply' },
    ])
    expect(f.state('d4')).toBe('broken')
    expect(events.filter((e) => e.type === 'fleet.stopped')).toHaveLength(1)

    // The index, read back: the records come from the transcripts and group the same way.
    const file = join(root, 'runs', 'fleet.json')
    writeFleetIndex(file, {
      kind: 'runbook-fleet',
      version: 1,
      runbook: compiled.name,
      hash: compiled.hash,
      mode: 'apply',
      startedAt: '',
      finishedAt: '',
      plan: [],
      hosts: f.hosts,
      transcripts,
      notStarted: r.notStarted,
      stop: r.stop,
      exitCode: r.exitCode,
    })
    const index = readFleetIndex(file)
    expect(index.transcripts.b2).toEqual([
      { phase: 'diagnose', path: 'b2.jsonl' },
      { phase: 'apply', path: 'b2.apply.jsonl' },
    ])
    const records = await recordsFromTranscripts(file, index)
    expect(groupOutcomes(records).map((g) => [g.status, g.hosts])).toEqual(r.groups.map((g) => [g.status, g.hosts]))
  })

  it('budget in the diagnose phase: hosts never diagnosed are listed, and no fix runs', async () => {
    const f = fleet({ a1: 'fail', b2: 'broken', c3: 'ok' })
    const { r } = await go(f, { mode: 'apply', flags: { maxFailures: '1' } })
    expect(r.exitCode).toBe(10)
    expect(r.notStarted).toEqual([
      { host: 'b2', phase: 'diagnose' },
      { host: 'c3', phase: 'diagnose' },
    ])
    expect(f.state('b2')).toBe('broken')
  })

  it('the view: live status with ETA on a TTY, and the grouped summary at the end', async () => {
    const f = fleet({ a1: 'ok', b2: 'broken', c3: 'broken' })
    const out = Object.assign(new PassThrough(), { isTTY: true, columns: 200 })
    let text = ''
    out.on('data', (d: Buffer) => {
      text += d.toString()
    })
    const view = createFleetView(out, { color: false })
    const events: FleetEvent[] = []
    await runFleet(compiled, {
      hosts: f.hosts,
      params: { dir: root },
      mode: 'dry-run',
      policy: parsePolicy({ concurrency: '1', canary: '1', maxFailures: '10%' }),
      executors: f.executors,
      approver: countingApprover(false),
      transcript: (h) => openTranscript(join(root, 'runs', `${h}.jsonl`)),
      onEvent: (e) => {
        events.push(e)
        view.sink(e)
      },
    })
    view.close()
    await f.executors.close()
    expect(text).toContain('stops after the 1st failed host of 3 (--max-failures 10% of 3 = 0.3, rounded up)')
    expect(text).toMatch(/diagnose: 1\/3 done · 1 running · 1 queued · 1 healthy · ETA /)
    expect(text).toContain('1 healthy (healthy): a1; 2 fix proposed (repair): b2, c3')
    expect(text).toContain('evidence (from b2, shown once for the group):')
    expect(text.trimEnd().endsWith('exit 4')).toBe(true)
  })

  it('the view says what became of the running hosts: they finish after a budget stop, they stop on an interruption', () => {
    const said = (reason: 'budget' | 'interrupted', message: string): string => {
      const out = Object.assign(new PassThrough(), { isTTY: false })
      let text = ''
      out.on('data', (d: Buffer) => {
        text += d.toString()
      })
      const view = createFleetView(out, { color: false })
      view.sink({ type: 'fleet.stopped', reason, message, notStarted: [] })
      view.close()
      return text
    }
    expect(said('budget', 'the 1st failed host of 3 tripped the budget')).toContain('no new host starts, running hosts finish')
    const interrupted = said('interrupted', 'interrupted')
    expect(interrupted).toContain('stopping: interrupted; no new host starts, running hosts stopped at their current step')
    expect(interrupted).not.toContain('running hosts finish')
  })
})
