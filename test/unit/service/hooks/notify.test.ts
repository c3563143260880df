/** The result message: bounded, says what it left out, and cannot ping a Slack channel. */
import { describe, expect, it } from 'vitest'
import { renderNotice, slackEscape, type RunResultNotice } from '../../../../src/service/hooks/notify.ts'

const notice = (over: Partial<RunResultNotice> = {}): RunResultNotice => ({
  runId: 'r1',
  runbook: 'unreachable-host',
  host: 'web1',
  status: 'fix-proposed',
  exitCode: 4,
  outcome: { id: 'blocked', severity: 'critical', summary: 'sshguard blocks 198.18.1.1', evidence: [] },
  fixProposed: 'whitelist 198.18.1.1 in sshguard',
  error: null,
  rule: 'web',
  alert: { source: 'alertmanager', name: 'HostDown', fingerprint: 'f' },
  slackChannel: '#ops',
  incidentId: null,
  runUrl: 'https://rb/runs/r1',
  ...over,
})

describe('result message', () => {
  it('says what ran, the outcome, the fix waiting for a human, and the run page', () => {
    expect(renderNotice(notice())).toBe(
      [
        'Alert HostDown (alertmanager, rule web) → dry-run of unreachable-host on web1: fix-proposed (exit 4)',
        'sshguard blocks 198.18.1.1',
        'Fix proposed, not applied (alert-started runs are dry-runs): whitelist 198.18.1.1 in sshguard',
        'Run: https://rb/runs/r1',
      ].join('\n'),
    )
  })

  it('bounds evidence (8 lines, 300 characters each) and says what it left out', () => {
    const evidence = Array.from({ length: 11 }, (_, i) => ({ step: 's', text: i === 0 ? 'x'.repeat(400) : i === 1 ? 'a\nb\nc' : `e${i}` }))
    const text = renderNotice(notice({ outcome: { id: 'o', severity: 'warning', summary: 'sum', evidence } }))
    expect(text).toContain(`• s: ${'x'.repeat(300)}… (100 more characters)`)
    expect(text).toContain('• s: a (+2 more lines)')
    expect(text).toContain('• s: e7')
    expect(text).not.toContain('• s: e8')
    expect(text).toContain('… 3 more evidence lines on the run page')
  })

  it('escapes what Slack would read as a mention or a link', () => {
    expect(slackEscape('log: <!channel> <http://evil|click> a&b')).toBe('log: &lt;!channel&gt; &lt;http://evil|click&gt; a&amp;b')
  })
})
