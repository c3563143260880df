/**
 * Issue 11's alert Done-when on the real `sshguard-block` lab: `runbook serve` (SQLite, SSH to the
 * lab) with a triggers.yaml rule for HostUnreachable. An Alertmanager payload (version 4, firing)
 * for web1:9100 starts a dry-run of unreachable-host on web1 as `alerts`; its diagnosis (sshguard
 * blocks this machine's address) is posted to the rule's channel on a fake Slack API; web1 stays
 * blocked. The same payload re-sent within the cool-down starts nothing; the resolved payload
 * starts nothing and annotates the run. Own lab (hk), torn down in afterAll even on failure.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../../src/cli/main.ts'
import { LocalProber } from '../../src/executors/probe.ts'
import { labDown } from '../../src/lab/lab.ts'
import { startFakeApis, type FakeApis } from '../helpers/fake-apis.ts'
import { announceSkip, startLab, type TestLab } from '../helpers/lab.ts'
import { ACCESS_YAML, TOKENS } from '../unit/service/fixture.ts'

const skip = announceSkip('alert-hooks-lab.int.test.ts', ['sshguard-block'])
const ROOT = '/run/runbook-lab-test-hk'
const LAB = 'hk'
const HOOK_TOKEN = 'hk-lab-hook-token-4242'
const SLACK_TOKEN = 'xoxb-hk-lab-4343'

const TRIGGERS = `apiVersion: runbook/v1
kind: Triggers
rules:
  - name: web-unreachable
    when: alert.labels.alertname == "HostUnreachable" && alert.labels.instance.startsWith("web")
    runbook: unreachable-host
    params:
      host: alert.labels.instance.split(":")[0]
    once_within: 30m
    slack_channel: "#ops"
`

const payload = (status: 'firing' | 'resolved') => ({
  version: '4',
  groupKey: '{}:{alertname="HostUnreachable"}',
  truncatedAlerts: 0,
  status,
  receiver: 'runbook',
  groupLabels: { alertname: 'HostUnreachable' },
  commonLabels: { alertname: 'HostUnreachable', instance: 'web1:9100' },
  commonAnnotations: {},
  externalURL: 'http://alertmanager.lab:9093',
  alerts: [
    {
      status,
      labels: { alertname: 'HostUnreachable', instance: 'web1:9100', job: 'node', severity: 'page' },
      annotations: { summary: 'web1 does not answer probes from the monitoring host' },
      startsAt: '2026-11-27T08:00:00.000Z',
      endsAt: status === 'firing' ? '0001-01-01T00:00:00Z' : '2026-11-27T08:20:00.000Z',
      generatorURL: 'http://prometheus.lab:9090/graph',
      fingerprint: '9e3c1a7b5d2f4e60',
    },
  ],
})

async function reaches(address: string): Promise<boolean> {
  return (await new LocalProber().probe({ kind: 'tcp', host: address, port: 22, timeoutMs: 2000 })).ok
}

describe.skipIf(skip)('alert hooks on the sshguard-block lab', () => {
  const env = { ...process.env, RUNBOOK_LAB_DIR: ROOT, RUNBOOK_STATE_DIR: join(ROOT, '.state'), RUNBOOK_SERVER: '', NO_COLOR: '1' }
  let lab: TestLab | undefined
  let apis: FakeApis | undefined
  let stop: AbortController | undefined
  let served: Promise<number> | undefined
  let server = ''
  let operator = ''
  let runId = ''
  const serveErr = { text: '' }

  const hook = async (body: unknown) => {
    const res = await fetch(`${server}/hooks/alertmanager`, {
      method: 'POST',
      headers: { authorization: `Bearer ${HOOK_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    const text = await res.text()
    return { status: res.status, text, json: () => JSON.parse(text) }
  }
  const api = async (path: string) => {
    const res = await fetch(`${server}${path}`, { headers: { authorization: `Bearer ${TOKENS.vic}` } })
    return res.json() as Promise<Record<string, any>> // eslint-disable-line @typescript-eslint/no-explicit-any
  }
  const runs = async () => ((await api('/api/runs?limit=999')).runs as unknown[]).length

  beforeAll(async () => {
    lab = await startLab(ROOT, 'sshguard-block', LAB)
    operator = lab.up.state.operatorAddress
    apis = await startFakeApis()
    const dir = mkdtempSync(join(ROOT, 'serve-'))
    writeFileSync(join(dir, 'access.yaml'), ACCESS_YAML)
    writeFileSync(join(dir, 'triggers.yaml'), TRIGGERS)
    stop = new AbortController()
    const err = new PassThrough()
    err.on('data', (d: Buffer) => (serveErr.text += d.toString()))
    const serveEnv = {
      ...env,
      RUNBOOK_HOOK_TOKEN: HOOK_TOKEN,
      RUNBOOK_SLACK_BOT_TOKEN: SLACK_TOKEN,
      RUNBOOK_SLACK_API_URL: `${apis.url}/slack/`,
      RUNBOOK_PUBLIC_URL: 'https://runbook.lab',
      RUNBOOK_PAGERDUTY_SECRETS: '',
      RUNBOOK_WEBHOOK_SECRET: '',
      RUNBOOK_CONFIG: '',
    }
    served = main(
      [
        'serve',
        '--listen',
        '127.0.0.1:0',
        '--state-dir',
        join(dir, 'state'),
        '--access',
        join(dir, 'access.yaml'),
        '--triggers',
        join(dir, 'triggers.yaml'),
        '--inventory',
        lab.inventory,
      ],
      { stdout: new PassThrough(), stderr: err, stdin: new PassThrough(), env: serveEnv, cwd: dir, signal: stop.signal },
    )
    const end = Date.now() + 15_000
    while (!/listening on (http:\S+)/.test(serveErr.text)) {
      if (Date.now() > end) throw new Error(`serve did not start: ${serveErr.text}`)
      await new Promise((r) => setTimeout(r, 50))
    }
    server = serveErr.text.match(/listening on (http:\S+)/)![1]!
  }, 120_000)

  afterAll(async () => {
    stop?.abort()
    await served?.catch(() => undefined)
    await apis?.close()
    await labDown({ name: LAB, env })
    rmSync(ROOT, { recursive: true, force: true })
  }, 60_000)

  it('an Alertmanager firing alert for web1 starts a dry-run of unreachable-host and posts the diagnosis', async () => {
    const web1 = lab!.address('web1')
    expect(await reaches(web1)).toBe(false)
    const res = await hook(payload('firing'))
    expect(res.status, res.text).toBe(202)
    const action = res.json().results[0].actions[0]
    expect(action).toMatchObject({ rule: 'web-unreachable', action: 'started', host: 'web1' })
    runId = action.runId
    const end = Date.now() + 90_000
    let run = await api(`/api/runs/${runId}`)
    while (['queued', 'running', 'waiting-approval'].includes(run.status as string)) {
      if (Date.now() > end) throw new Error(`run ${runId} stays ${run.status}`)
      await new Promise((r) => setTimeout(r, 250))
      run = await api(`/api/runs/${runId}`)
    }
    expect(run.status, JSON.stringify(run.outcome)).toBe('fix-proposed')
    expect(run).toMatchObject({ mode: 'dry-run', requestedBy: 'alerts', host: 'web1', exitCode: 4 })
    expect(run.outcome.summary).toContain('sshguard')
    expect(run.outcome.summary).toContain(operator)
    // A diagnosis: web1 is still blocked.
    expect(await reaches(web1)).toBe(false)
    const [post] = await apis!.waitFor(1, 30_000)
    expect(post).toMatchObject({
      path: '/slack/chat.postMessage',
      headers: { authorization: `Bearer ${SLACK_TOKEN}` },
      body: { channel: '#ops' },
    })
    const text = (post!.body as { text: string }).text
    expect(text).toContain(
      'Alert HostUnreachable (alertmanager, rule web-unreachable) → dry-run of unreachable-host on web1: fix-proposed (exit 4)',
    )
    expect(text).toContain(run.outcome.summary)
    expect(text).toContain(`https://runbook.lab/runs/${runId}`)
  }, 150_000)

  it('the same payload re-sent within the cool-down starts nothing', async () => {
    expect(runId).not.toBe('')
    const before = await runs()
    const res = await hook(payload('firing'))
    expect(res.status).toBe(202)
    expect(res.json().results[0].actions).toEqual([expect.objectContaining({ rule: 'web-unreachable', action: 'deduplicated', runId })])
    expect(await runs()).toBe(before)
  }, 30_000)

  it('the resolved payload starts nothing and annotates the run', async () => {
    const before = await runs()
    const res = await hook(payload('resolved'))
    expect(res.status).toBe(202)
    expect(res.json().results[0]).toMatchObject({ status: 'resolved', actions: [], annotated: [runId] })
    expect(await runs()).toBe(before)
    const notes = await api(`/api/runs/${runId}/notes`)
    expect((notes.notes as Array<{ text: string }>).map((n) => n.text)).toEqual([
      'result posted to Slack #ops',
      'alert HostUnreachable resolved at 2026-11-27T08:20:00.000Z',
    ])
    // One post for the one run: none for the re-sent or the resolved payload.
    expect(apis!.requests).toHaveLength(1)
    expect(serveErr.text).not.toContain(HOOK_TOKEN)
    expect(serveErr.text).not.toContain(SLACK_TOKEN)
  }, 30_000)
})
