/**
 * The plan reads as intent first (issue 9): a fix that comes from an action shows the action
 * (name@version) and its inputs, then the exact commands, in the plain log, the terminal tree,
 * the outcome block and the approval prompt. The engine's own housekeeping (the host lock's lease)
 * stays out of the normal view: --verbose and --json show it. None of this touches the plan hash.
 */
import { readFileSync } from 'node:fs'
import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { promptApprover } from '../../../src/engine/approval.ts'
import { SimulatedClock } from '../../../src/engine/clock.ts'
import { lockUpkeep } from '../../../src/shared/lock-upkeep.ts'
import { runRunbook } from '../../../src/engine/run.ts'
import { ReplayExecutors } from '../../../src/executors/replay.ts'
import { replayApprover } from '../../../src/testing/replay-approver.ts'
import { loadRunbook } from '../../../src/library.ts'
import { parseTranscript } from '../../../src/transcript/reader.ts'
import type { RunEvent } from '../../../src/types.ts'
import { createJsonView } from '../../../src/views/json.ts'
import { createProgressView } from '../../../src/views/progress.ts'
import { renderTranscript } from '../../../src/views/replay-render.ts'
import { byType, capture, test } from './sample-run.ts'

const LOCK = /d="\$h\/lock"/

function plain(events: RunEvent[], verbose: boolean): string {
  const out = capture()
  const view = createProgressView(out, { color: false, verbose })
  for (const e of events) view.sink(e)
  view.close()
  return out.text()
}

function replayed(events: RunEvent[], verbose: boolean): string {
  const out = capture()
  renderTranscript(events, out, { verbose })
  return out.text()
}

describe('the plan, intent first', () => {
  test('a fix from an action is proposed with its action and inputs, outside the plan', ({ runs }) => {
    const [proposed] = byType(runs.proposed.events, 'fix.proposed')
    expect(proposed?.intent).toEqual({
      action: 'files/archive-rotated@1',
      inputs: [
        { name: 'dir', value: runs.proposed.dir },
        { name: 'archive', value: `${runs.proposed.dir}.tar` },
      ],
    })
    expect(proposed?.plan).not.toHaveProperty('intent')
  })

  test('each view names the action and its inputs before the exact commands, which it still shows', ({ runs }) => {
    const { dir } = runs.proposed
    const does = `files/archive-rotated@1 with dir=${dir}, archive=${dir}.tar`
    const [proposed] = byType(runs.proposed.events, 'fix.proposed')
    const apply = proposed!.plan.apply[0]!
    for (const text of [plain(runs.proposed.events, false), replayed(runs.proposed.events, false)]) {
      expect(text).toContain(does)
      expect(text).toContain(apply)
      // In the plain log and in the outcome's "Proposed fix" block, intent comes before the commands.
      const block = text.slice(text.lastIndexOf('does:'))
      expect(block.startsWith(`does:     ${does}`)).toBe(true)
      expect(block).toContain(`apply:    ${apply}`)
    }
  })

  it('the approval prompt shows the action and inputs first, then every command', async () => {
    const input = new PassThrough()
    const output = new PassThrough()
    let shown = ''
    output.on('data', (d) => (shown += d))
    const plan = {
      host: 'web1',
      sudo: true,
      check: [],
      apply: ['nft delete rule inet filter input handle 7'],
      verify: [],
      rollback: ['nft -f /var/tmp/saved'],
      files: [],
      access: null,
      hash: 'cd'.repeat(32),
    }
    const decision = promptApprover(input, output, 'alice').approve({
      runbook: 'unreachable-host',
      step: 'fix_nft',
      summary: 'A plain nftables rule drops 198.51.100.23',
      plan,
      intent: {
        action: 'nft/delete-rules@1',
        inputs: [
          { name: 'ip', value: '198.51.100.23' },
          { name: 'rules', value: 'inet filter input 7' },
          { name: 'tag', value: 'unreachable-host' },
        ],
      },
    })
    setImmediate(() => input.write('n\n'))
    await decision
    const lines = shown.split('\n')
    const does = lines.findIndex(
      (l) => l === '  does:     nft/delete-rules@1 with ip=198.51.100.23, rules=inet filter input 7, tag=unreachable-host',
    )
    expect(does).toBeGreaterThan(0)
    expect(lines.findIndex((l) => l === '  apply:    nft delete rule inet filter input handle 7')).toBeGreaterThan(does)
    expect(shown).toContain('rollback: nft -f /var/tmp/saved')
  })

  it('the plan hash is the one recorded before plans had an intent: the hash comes from the plan, not the view', async () => {
    const file = 'fixtures/log-dir-full/rotated-apply.jsonl'
    const t = parseTranscript(file, readFileSync(file, 'utf8'))
    const [recorded] = byType(t.events, 'fix.proposed')
    expect(recorded?.intent).toBeUndefined()
    const events: RunEvent[] = []
    const compiled = loadRunbook('runbooks/log-dir-full.yaml')
    await runRunbook(compiled, {
      params: Object.fromEntries(Object.entries(t.started.params).filter(([, v]) => v !== null)),
      mode: t.started.mode,
      executors: new ReplayExecutors(t.events),
      approver: replayApprover(t.events),
      operator: t.started.operator,
      ...(t.started.runId ? { runId: t.started.runId } : {}),
      acceptRedacted: true,
      clock: new SimulatedClock(Date.parse(t.started.startedAt)),
      onEvent: (e) => events.push(e),
    })
    const [replayedPlan] = byType(events, 'fix.proposed')
    expect(replayedPlan?.intent?.action).toBe('files/archive-rotated@1')
    expect(replayedPlan?.plan.hash).toBe(recorded?.plan.hash)
    expect(replayedPlan?.plan).toEqual(recorded?.plan)
  })
})

describe('engine housekeeping stays out of the normal view', () => {
  test('the applied run did take and release the host lock (the commands exist to hide)', ({ runs }) => {
    const kinds = byType(runs.applied.events, 'command.finished')
      .map((e) => lockUpkeep(e.spec.command))
      .filter((k) => k !== undefined)
    expect(kinds).toEqual(['lock acquire', 'lock release'])
  })

  test('the lock lease commands are absent from the normal plain log and tree, present with --verbose', ({ runs }) => {
    for (const normal of [plain(runs.applied.events, false), replayed(runs.applied.events, false)]) {
      expect(normal).not.toMatch(LOCK)
      expect(normal).not.toMatch(/lock on \S+ (taken|released)/)
      // The fix's own commands are all there.
      for (const e of byType(runs.applied.events, 'command.finished').filter((x) => x.spec.mutating && !lockUpkeep(x.spec.command))) {
        expect(normal).toContain(e.spec.command.split('\n')[0])
      }
    }
    for (const verbose of [plain(runs.applied.events, true), replayed(runs.applied.events, true)]) expect(verbose).toMatch(LOCK)
  })

  test('--json carries every lock command', ({ runs }) => {
    const out = capture()
    const view = createJsonView(out)
    for (const e of runs.applied.events) view.sink(e)
    const commands = out
      .text()
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as RunEvent)
      .flatMap((e) => (e.type === 'command.finished' ? [e.spec.command] : []))
    expect(commands.filter((c) => lockUpkeep(c) !== undefined)).toHaveLength(2)
  })

  it('tells lock upkeep from every other command the engine and the shipped runbooks run', async () => {
    const { lockAcquire, lockRenew, lockRelease, readFile } = await import('../../../src/engine/host-ops.ts')
    expect(lockUpkeep(lockAcquire('t1', 'me', 30))).toBe('lock acquire')
    expect(lockUpkeep(lockRenew('t1', 30))).toBe('lock renew')
    expect(lockUpkeep(lockRelease('t1'))).toBe('lock release')
    expect(lockUpkeep(readFile('/etc/ssh/sshd_config'))).toBeUndefined()
    expect(lockUpkeep('h="${RUNBOOK_HOST_DIR:-/var/lib/runbook}"; mkdir -p "$h"')).toBeUndefined()
  })
})
