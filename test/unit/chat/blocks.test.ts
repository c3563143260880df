/**
 * Block Kit messages stay within Slack's limits (3000 characters of text per section, 50 blocks,
 * headers of 150) whatever the run produced, and whatever is left out is said and linked.
 */
import { describe, expect, it } from 'vitest'
import {
  ACTION_APPROVE,
  buttonValue,
  outcomeMessage,
  parentMessage,
  parseButtonValue,
  planMessage,
  type Message,
  type RunInfo,
} from '../../../src/chat/blocks.ts'
import { lastLines, omissionNote } from '../../../src/chat/bounded.ts'
import type { FixPlan, RunEvent, RunEventBody } from '../../../src/types.ts'
import { emptyModel, foldEvent } from '../../../src/views/model.ts'

const info: RunInfo = {
  id: '0aacb2eb-f5e3-4f0f-8980-3cf303ec8b8f',
  runbook: 'unreachable-host',
  host: 'web1',
  mode: 'apply',
  requestedBy: 'alice',
  requesterSlack: 'U0ALICE',
  url: 'https://runbook.example/runs/0aacb2eb-f5e3-4f0f-8980-3cf303ec8b8f',
}
const HASH = 'ab'.repeat(32)

function model(bodies: RunEventBody[]) {
  const m = emptyModel()
  bodies.forEach((b, i) => foldEvent(m, { seq: i + 1, at: new Date(1_700_000_000_000 + i * 10).toISOString(), ...b } as RunEvent))
  return m
}

/** What Slack checks: the same rules as the fake Slack. */
function withinLimits(m: Message): void {
  expect(m.blocks.length).toBeLessThanOrEqual(50)
  for (const b of m.blocks) {
    const text = (b.text as { text?: string } | undefined)?.text ?? ''
    if (b.type === 'section') expect(text.length).toBeLessThanOrEqual(3000)
    if (b.type === 'header') expect(text.length).toBeLessThanOrEqual(150)
    if (b.type === 'context') expect((b.elements as unknown[]).length).toBeLessThanOrEqual(10)
  }
}

// Commands full of the characters Slack makes us escape: `2>&1` is 4 characters typed, 11 sent.
const noisy = (i: number) => `iptables-save 2>&1 | grep -- '<${i}>' > /tmp/out.${i} && echo "${'&'.repeat(40)}"`
const started: RunEventBody = {
  type: 'run.started',
  transcriptVersion: 1,
  runbook: 'unreachable-host',
  hash: 'f'.repeat(64),
  tool: { name: 'runbook', version: '0' },
  mode: 'apply',
  params: {},
  targets: ['web1'],
  operator: 'alice',
  startedAt: '2026-01-01T00:00:00Z',
}
const bigRun: RunEventBody[] = [
  started,
  ...Array.from({ length: 80 }, (_, i): RunEventBody[] => [
    { type: 'step.started', step: `step_${i}`, kind: 'run', title: `Step number ${i} with a title` },
    {
      type: 'command.finished',
      step: `step_${i}`,
      spec: { host: 'web1', command: noisy(i), sudo: true, timeoutMs: 30_000, mutating: false },
      result: { exitCode: 0, signal: null, stdout: '', stderr: '', durationMs: 12, timedOut: false },
    },
    { type: 'step.finished', step: `step_${i}`, status: 'ok', durationMs: 12 },
  ]).flat(),
  {
    type: 'outcome',
    id: 'blocked',
    severity: 'critical',
    summary: 'web1 blocks 198.18.0.1 <in sshguard>',
    evidence: Array.from({ length: 40 }, (_, i) => ({
      step: `step_${i}`,
      command: noisy(i),
      text: Array.from({ length: 500 }, (_, l) => `line ${l} of evidence ${i} <&>`).join('\n'),
    })),
  },
  { type: 'run.finished', status: 'problem', exitCode: 3, durationMs: 5000 },
]

describe('Block Kit messages', () => {
  it('the parent keeps the latest steps of a long tree within 3000 characters, counting escapes, and says how many lines it left out', () => {
    const msg = parentMessage(info, model(bigRun), 'running')
    withinLimits(msg)
    const all = JSON.stringify(msg.blocks)
    expect(all).toContain('step_79')
    expect(all).not.toContain('step_0 ')
    expect(all).toMatch(
      /✂ \d+ earlier lines \([\d.]+ KiB\) not shown: in full on <https:\/\/runbook\.example\/runs\/0aacb2eb[^|]*\|run page>/,
    )
    expect(all).toContain('2&gt;&amp;1')
  })

  it('the outcome bounds each evidence to its last lines and the count of items, and says so with the link', () => {
    const msg = outcomeMessage(info, model(bigRun))
    withinLimits(msg)
    const all = JSON.stringify(msg.blocks)
    expect(all).toContain('line 499 of evidence 0 &lt;&amp;&gt;')
    expect(all).not.toContain('line 0 of evidence 0 ')
    expect(all).toMatch(/485 earlier lines \([\d.]+ KiB\) not shown/)
    expect(all).toMatch(/✂ 18 more evidence items not shown/)
    expect(all).toContain('Exit 3 (problem)')
    expect(all).toContain(`<${info.url}|run page>`)
  })

  const plan = (over: Partial<FixPlan> = {}): FixPlan => ({
    host: 'web1',
    sudo: true,
    check: ['sshguard -v'],
    apply: ['sshguard-whitelist 198.18.0.1', 'systemctl restart sshguard'],
    verify: ['nc -z web1 22'],
    rollback: ['iptables-restore < /var/tmp/backup'],
    files: [
      {
        path: '/etc/sshguard/whitelist',
        before: null,
        after: 'x',
        diff: '--- /etc/sshguard/whitelist\n+++ /etc/sshguard/whitelist\n@@ -0,0 +1 @@\n+198.18.0.1\n',
      },
    ],
    access: { confirmWithinMs: 120_000 },
    hash: HASH,
    ...over,
  })

  it('a plan from an action says what it does (the action and its inputs) before the exact commands', () => {
    const intent = { action: 'sshguard/lift-block@2', inputs: [{ name: 'ip', value: '198.18.0.1' }] }
    const all = JSON.stringify(
      planMessage(info, 'lift_sshguard', 'Whitelist 198.18.0.1 in sshguard', plan(), { kind: 'waiting', required: 1 }, [], intent).blocks,
    )
    expect(all).toContain('*Does* `sshguard/lift-block@2 with ip=198.18.0.1`')
    expect(all.indexOf('*Does*')).toBeLessThan(all.indexOf('sshguard-whitelist 198.18.0.1'))
    expect(JSON.stringify(planMessage(info, 'lift_sshguard', 'Whitelist', plan(), { kind: 'waiting', required: 1 }).blocks)).not.toContain(
      '*Does*',
    )
  })

  it('a plan shows host, exact commands, diffs, rollback and the commit-confirmed window; Approve is danger with a confirm, and both buttons carry only run id and plan hash', () => {
    const msg = planMessage(info, 'lift_sshguard', 'Whitelist 198.18.0.1 in sshguard', plan(), { kind: 'waiting', required: 2 })
    withinLimits(msg)
    const all = JSON.stringify(msg.blocks)
    for (const s of [
      'sshguard-whitelist 198.18.0.1',
      'iptables-restore &lt; /var/tmp/backup',
      '+198.18.0.1',
      '/etc/sshguard/whitelist',
      'Commit-confirmed',
      '2m',
      'Needs *2* approvals',
      'on `web1` with sudo',
    ])
      expect(all).toContain(s)
    const actions = msg.blocks.find((b) => b.type === 'actions') as { elements: Array<Record<string, unknown>> }
    expect(actions.elements.map((e) => [e.action_id, e.style ?? null, e.value])).toEqual([
      [ACTION_APPROVE, 'danger', `${info.id}:${HASH}`],
      ['runbook_decline', null, `${info.id}:${HASH}`],
    ])
    expect(actions.elements[0]!.confirm).toMatchObject({ style: 'danger', confirm: { text: 'Approve and apply' } })
    expect(parseButtonValue(buttonValue(info.id, HASH))).toEqual({ runId: info.id, planHash: HASH })
    expect(parseButtonValue(`${info.id}:${HASH}:extra`)).toBeUndefined()
  })

  it('a plan too long for Slack shows a summary with counts and the link, and keeps the buttons bound to the full plan', () => {
    const huge = plan({
      apply: Array.from({ length: 300 }, (_, i) => noisy(i)),
      files: [{ path: '/etc/x', before: 'y', after: 'z', diff: Array.from({ length: 2000 }, (_, i) => `+line ${i}`).join('\n') }],
    })
    const msg = planMessage(info, 'fix', 'A big fix', huge, { kind: 'waiting', required: 1 })
    withinLimits(msg)
    const all = JSON.stringify(msg.blocks)
    expect(all).toMatch(
      /too long to show in Slack: 300 apply commands, 1 verify command, 1 rollback command, 1 file changed \(2000 diff lines\)/,
    )
    expect(all).toContain(`<${info.url}|the run page>`)
    expect(all).toContain(`${info.id}:${HASH}`)
  })

  it('bounded output counts what it leaves out', () => {
    const b = lastLines('a\nb\nc\nd\n', 2, 100)
    expect(b).toMatchObject({ text: 'c\nd', omittedLines: 2 })
    expect(omissionNote(b, 'earlier')).toBe('2 earlier lines (4 chars) not shown')
    expect(omissionNote(lastLines('short', 5, 100), 'earlier')).toBe('')
    const long = lastLines('x'.repeat(5000), 5, 100)
    expect(long.text.length).toBe(100)
    expect(omissionNote(long, 'earlier')).toMatch(/of a long line not shown/)
  })
})
