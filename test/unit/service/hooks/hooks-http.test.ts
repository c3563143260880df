/**
 * The alert hooks on a real listening server (loopback), with the real service (SQLite, engine,
 * local executor on log-dir-full temp dirs) and a fake Slack / PagerDuty API on loopback:
 * - Alertmanager firing → a dry-run starts, its diagnosis is posted to the rule's channel; the
 *   same payload again within the cool-down starts nothing; the resolved payload starts nothing
 *   and annotates the run.
 * - PagerDuty with a rotated secret (two signatures) is accepted once, deduplicated on retry,
 *   and its incident gets a note.
 * - The security suite: forged, stale and replayed requests on every signed route are all
 *   refused, nothing is queued, and no secret appears in a reply, a refusal or the store file.
 */
import { randomUUID } from 'node:crypto'
import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildServer } from '../../../../src/service/http/server.ts'
import { setupHooks, type Hooks } from '../../../../src/service/hooks/setup.ts'
import { signGeneric, hmacHex } from '../../../../src/service/hooks/signatures.ts'
import { startFakeApis, type FakeApis } from '../../../helpers/fake-apis.ts'
import { startService, TOKENS, type TestService } from '../fixture.ts'
import type { LogDir } from '../../../helpers/logdir.ts'

const SECRETS = {
  hook: 'am-hook-token-5f1e',
  pdOld: 'pd-secret-old-77aa',
  pdNew: 'pd-secret-new-91bc',
  generic: 'generic-secret-3c4d',
  slack: 'xoxb-slack-token-8e8e',
  pdApi: 'pd-api-token-2b2b',
}

const TRIGGERS = `apiVersion: runbook/v1
kind: Triggers
rules:
  - name: logs-full
    when: alert.labels.alertname == "LogDirFull"
    runbook: log-dir-full
    params:
      host: alert.labels.instance.split(":")[0]
      dir: alert.annotations.dir
      archive: alert.annotations.archive
      max_dir_mb: 2
    once_within: 10m
    slack_channel: "#ops"
  - name: pd-logs
    when: alert.source == "pagerduty" && alert.incident.title.startsWith("LogDirFull ")
    runbook: log-dir-full
    params:
      host: "'local'"
      dir: alert.incident.title.split(" ")[1]
      archive: alert.incident.title.split(" ")[2]
      max_dir_mb: 2
    once_within: 10m
`

let t: TestService
let apis: FakeApis
let hooks: Hooks
let app: FastifyInstance
let url = ''
let am: LogDir
let pd: LogDir

beforeAll(async () => {
  t = await startService()
  apis = await startFakeApis()
  const file = join(t.stateDir, '..', 'triggers.yaml')
  writeFileSync(file, TRIGGERS)
  hooks = setupHooks({
    service: t.service,
    env: {
      RUNBOOK_HOOK_TOKEN: SECRETS.hook,
      RUNBOOK_PAGERDUTY_SECRETS: SECRETS.pdNew,
      RUNBOOK_WEBHOOK_SECRET: SECRETS.generic,
      RUNBOOK_SLACK_BOT_TOKEN: SECRETS.slack,
      RUNBOOK_SLACK_API_URL: `${apis.url}/slack/`,
      RUNBOOK_PAGERDUTY_TOKEN: SECRETS.pdApi,
      RUNBOOK_PAGERDUTY_API_URL: `${apis.url}/pd`,
      RUNBOOK_PAGERDUTY_FROM: 'oncall@example.com',
      RUNBOOK_TRIGGERS: file,
      RUNBOOK_PUBLIC_URL: 'https://runbook.example',
    },
    cwd: t.stateDir,
    runbookDirs: t.service.o.runbookDirs,
    log: () => undefined,
  })
  app = await buildServer(t.service, { hooks: { dispatcher: hooks.dispatcher, secrets: hooks.config } })
  url = await app.listen({ host: '127.0.0.1', port: 0 })
  am = t.logDir('rotated')
  pd = t.logDir('rotated')
})

afterAll(async () => {
  await app?.close()
  await hooks?.dispatcher.close()
  await apis?.close()
  await t?.close()
})

const amPayload = (status: 'firing' | 'resolved') => ({
  receiver: 'runbook',
  status,
  alerts: [
    {
      status,
      labels: { alertname: 'LogDirFull', instance: 'local:9100', severity: 'warning' },
      annotations: { summary: 'log dir over budget', dir: am.dir, archive: am.archive },
      startsAt: '2026-11-27T07:00:00.000Z',
      endsAt: status === 'firing' ? '0001-01-01T00:00:00Z' : '2026-11-27T07:30:00.000Z',
      generatorURL: 'http://prometheus.example/graph',
      fingerprint: 'a1b2c3d4e5f60718',
    },
  ],
  groupLabels: { alertname: 'LogDirFull' },
  commonLabels: { alertname: 'LogDirFull' },
  commonAnnotations: {},
  externalURL: 'http://alertmanager.example',
  version: '4',
  groupKey: '{}:{alertname="LogDirFull"}',
  truncatedAlerts: 0,
})

const pdPayload = (eventId: string, type = 'incident.triggered') =>
  JSON.stringify({
    event: {
      id: eventId,
      event_type: type,
      resource_type: 'incident',
      occurred_at: new Date().toISOString(),
      agent: null,
      client: { name: 'PagerDuty' },
      data: {
        id: 'Q1INC',
        type: 'incident',
        self: 'https://api.pagerduty.com/incidents/Q1INC',
        html_url: 'https://acme.pagerduty.com/incidents/Q1INC',
        number: 42,
        status: type === 'incident.resolved' ? 'resolved' : 'triggered',
        incident_key: 'k1',
        created_at: '2026-11-27T07:00:00Z',
        title: `LogDirFull ${pd.dir} ${pd.archive}`,
        service: { id: 'PSVC', summary: 'Logs', type: 'service_reference' },
        urgency: 'high',
        priority: null,
      },
    },
  })

async function post(path: string, body: string | Buffer, headers: Record<string, string> = {}) {
  const started = Date.now()
  const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body })
  const text = await res.text()
  return { status: res.status, text, json: () => JSON.parse(text), ms: Date.now() - started }
}
const runCount = async () => (await t.service.store.listRuns({ limit: 1000 })).length

describe('Alertmanager hook', () => {
  let runId = ''

  it('a firing alert starts a dry-run as `alerts`, answered 202 at once; the diagnosis is posted to the rule channel', async () => {
    const before = am.snapshot()
    const res = await post('/hooks/alertmanager', JSON.stringify(amPayload('firing')), { authorization: `Bearer ${SECRETS.hook}` })
    expect(res.status, res.text).toBe(202)
    // Answered once queued, not when the run ends (Alertmanager and PagerDuty time out slow receivers).
    expect(res.ms).toBeLessThan(3000)
    const reply = res.json()
    expect(reply).toMatchObject({
      accepted: 1,
      truncatedAlerts: 0,
      results: [
        {
          source: 'alertmanager',
          fingerprint: 'a1b2c3d4e5f60718',
          status: 'firing',
          actions: [{ rule: 'logs-full', action: 'started', host: 'local' }],
        },
      ],
    })
    runId = reply.results[0].actions[0].runId
    const run = await t.until(runId, ['fix-proposed', 'problem', 'healthy', 'incomplete'])
    expect(run).toMatchObject({
      status: 'fix-proposed',
      exitCode: 4,
      mode: 'dry-run',
      requestedBy: 'alerts',
      host: 'local',
      params: { host: 'local', dir: am.dir, archive: am.archive, max_dir_mb: 2 },
    })
    expect(am.snapshot()).toEqual(before)
    const [slack] = await apis.waitFor(1)
    expect(slack).toMatchObject({
      method: 'POST',
      path: '/slack/chat.postMessage',
      headers: { authorization: `Bearer ${SECRETS.slack}` },
      body: { channel: '#ops' },
    })
    const text = (slack!.body as { text: string }).text
    expect(text).toContain('Alert LogDirFull (alertmanager, rule logs-full) → dry-run of log-dir-full on local: fix-proposed (exit 4)')
    expect(text).toContain((run!.outcome as { summary: string }).summary)
    expect(text).toMatch(/Fix proposed, not applied/)
    expect(text).toContain(`Run: https://runbook.example/runs/${runId}`)
    await hooks.dispatcher.idle()
    // Posted once; nothing for PagerDuty (the alert did not come from there).
    expect(apis.requests).toHaveLength(1)
    const notes = await fetch(`${url}/api/runs/${runId}/notes`, { headers: { authorization: `Bearer ${TOKENS.vic}` } }).then(
      (r) => r.json() as Promise<{ notes: Array<{ text: string }> }>,
    )
    expect(notes.notes.map((n) => n.text)).toEqual(['result posted to Slack #ops'])
  })

  it('the same payload re-sent within the cool-down starts nothing', async () => {
    const before = await runCount()
    const res = await post('/hooks/alertmanager', JSON.stringify(amPayload('firing')), { authorization: `Bearer ${SECRETS.hook}` })
    expect(res.status).toBe(202)
    expect(res.json().results[0].actions).toEqual([
      { rule: 'logs-full', action: 'deduplicated', runId, reason: expect.stringMatching(/once_within lasts until/) },
    ])
    expect(await runCount()).toBe(before)
    expect(await t.service.store.queuedJobs()).toEqual([])
  })

  it('the resolved payload starts nothing and annotates the run the alert started', async () => {
    const before = await runCount()
    const res = await post('/hooks/alertmanager', JSON.stringify(amPayload('resolved')), { authorization: `Bearer ${SECRETS.hook}` })
    expect(res.status).toBe(202)
    expect(res.json().results[0]).toMatchObject({ status: 'resolved', actions: [], annotated: [runId] })
    expect(await runCount()).toBe(before)
    const notes = await t.service.store.runNotes(runId)
    expect(notes.map((n) => n.text)).toContain('alert LogDirFull resolved at 2026-11-27T07:30:00.000Z')
    // Resolved again (Alertmanager repeats): nothing more.
    const again = await post('/hooks/alertmanager', JSON.stringify(amPayload('resolved')), { authorization: `Bearer ${SECRETS.hook}` })
    expect(again.json().results[0].annotated).toEqual([])
    expect(await runCount()).toBe(before)
  })

  it('five deliveries of one alert at once start one run', async () => {
    const before = await runCount()
    const body = amPayload('firing')
    body.alerts[0]!.labels.instance = 'local3:9100'
    body.alerts[0]!.fingerprint = 'concurrent01'
    const replies = await Promise.all(
      Array.from({ length: 5 }, () => post('/hooks/alertmanager', JSON.stringify(body), { authorization: `Bearer ${SECRETS.hook}` })),
    )
    const actions = replies.map((r) => r.json().results[0].actions[0].action as string)
    expect(actions.filter((a) => a === 'started')).toHaveLength(1)
    expect(actions.filter((a) => a === 'deduplicated')).toHaveLength(4)
    expect(await runCount()).toBe(before + 1)
    const id = replies.map((r) => r.json().results[0].actions[0]).find((a) => a.action === 'started').runId as string
    await t.until(id, ['fix-proposed', 'problem', 'healthy', 'incomplete'])
    await hooks.dispatcher.idle()
  })

  it('refuses a payload that is not version 4, saying why', async () => {
    const res = await post('/hooks/alertmanager', JSON.stringify({ ...amPayload('firing'), version: '3' }), {
      authorization: `Bearer ${SECRETS.hook}`,
    })
    expect(res.status).toBe(400)
    expect(res.json().error).toMatchObject({ code: 'RB_BAD_REQUEST', message: expect.stringMatching(/version "3": expected "4"/) })
  })
})

describe('PagerDuty hook', () => {
  it('a webhook signed with the old and the new secret (rotation) is accepted once, deduplicated on retry, and the incident gets a note', async () => {
    const body = pdPayload('EV-1')
    const headers = {
      'x-pagerduty-signature': `v1=${hmacHex(SECRETS.pdOld, body)},v1=${hmacHex(SECRETS.pdNew, body)}`,
      'x-webhook-id': 'WH-1',
    }
    const sent = apis.requests.length
    const res = await post('/hooks/pagerduty', body, headers)
    expect(res.status, res.text).toBe(202)
    expect(res.json()).toMatchObject({
      accepted: 1,
      event: 'EV-1',
      eventType: 'incident.triggered',
      results: [{ source: 'pagerduty', fingerprint: 'Q1INC', actions: [{ rule: 'pd-logs', action: 'started' }] }],
    })
    const id = res.json().results[0].actions[0].runId as string
    const count = await runCount()
    // PagerDuty retries the same delivery: same X-Webhook-Id, same bytes.
    const retry = await post('/hooks/pagerduty', body, headers)
    expect(retry.status).toBe(200)
    expect(retry.json()).toEqual({ duplicate: true, event: 'EV-1' })
    expect(await runCount()).toBe(count)
    await t.until(id, ['fix-proposed', 'problem', 'healthy', 'incomplete'])
    const [note] = (await apis.waitFor(sent + 1)).slice(sent)
    expect(note).toMatchObject({
      method: 'POST',
      path: '/pd/incidents/Q1INC/notes',
      headers: {
        authorization: `Token token=${SECRETS.pdApi}`,
        from: 'oncall@example.com',
        accept: 'application/vnd.pagerduty+json;version=2',
      },
    })
    expect((note!.body as { note: { content: string } }).note.content).toMatch(
      /^Alert LogDirFull .* \(pagerduty, rule pd-logs\) → dry-run of log-dir-full on local: fix-proposed \(exit 4\)/,
    )
    await hooks.dispatcher.idle()
    expect(apis.requests.length).toBe(sent + 1)
  })

  it('an event type that is not triggered / reopened / resolved starts nothing', async () => {
    const body = pdPayload('EV-ack', 'incident.acknowledged')
    const before = await runCount()
    const res = await post('/hooks/pagerduty', body, {
      'x-pagerduty-signature': `v1=${hmacHex(SECRETS.pdNew, body)}`,
      'x-webhook-id': 'WH-ack',
    })
    expect(res.status).toBe(202)
    expect(res.json()).toMatchObject({ accepted: 0, results: [] })
    expect(await runCount()).toBe(before)
  })
})

describe('security suite: every signed route refuses forged, stale and replayed requests; nothing starts', () => {
  const now = () => Math.floor(Date.now() / 1000)
  const generic = (id: string) =>
    JSON.stringify({
      alerts: [
        {
          status: 'firing',
          name: 'LogDirFull',
          labels: { alertname: 'LogDirFull', instance: 'local:9100' },
          annotations: { dir: am.dir, archive: am.archive },
        },
      ],
    })
  type Case = [string, () => Promise<{ status: number; text: string }>, number, string]
  const cases: Case[] = [
    ['alertmanager: no token', () => post('/hooks/alertmanager', JSON.stringify(amPayload('firing'))), 401, 'RB_HOOK_UNAUTHENTICATED'],
    [
      'alertmanager: wrong token',
      () => post('/hooks/alertmanager', JSON.stringify(amPayload('firing')), { authorization: `Bearer ${SECRETS.hook}x` }),
      401,
      'RB_HOOK_UNAUTHENTICATED',
    ],
    [
      'alertmanager: token as Basic',
      () => post('/hooks/alertmanager', JSON.stringify(amPayload('firing')), { authorization: `Basic ${SECRETS.hook}` }),
      401,
      'RB_HOOK_UNAUTHENTICATED',
    ],
    [
      'alertmanager: an API token of a user',
      () => post('/hooks/alertmanager', JSON.stringify(amPayload('firing')), { authorization: `Bearer ${TOKENS.admin}` }),
      401,
      'RB_HOOK_UNAUTHENTICATED',
    ],
    [
      'pagerduty: no signature',
      () => post('/hooks/pagerduty', pdPayload('EV-f1'), { 'x-webhook-id': 'WH-f1' }),
      401,
      'RB_HOOK_UNAUTHENTICATED',
    ],
    [
      'pagerduty: signed with a removed (old only) secret',
      () => {
        const b = pdPayload('EV-f2')
        return post('/hooks/pagerduty', b, { 'x-pagerduty-signature': `v1=${hmacHex(SECRETS.pdOld, b)}`, 'x-webhook-id': 'WH-f2' })
      },
      401,
      'RB_HOOK_UNAUTHENTICATED',
    ],
    [
      'pagerduty: forged signature',
      () => {
        const b = pdPayload('EV-f3')
        return post('/hooks/pagerduty', b, { 'x-pagerduty-signature': `v1=${hmacHex('guess', b)}`, 'x-webhook-id': 'WH-f3' })
      },
      401,
      'RB_HOOK_UNAUTHENTICATED',
    ],
    [
      'pagerduty: body changed after signing',
      () => {
        const b = pdPayload('EV-f4')
        return post('/hooks/pagerduty', b.replace('LogDirFull', 'LogDirFull '), {
          'x-pagerduty-signature': `v1=${hmacHex(SECRETS.pdNew, b)}`,
          'x-webhook-id': 'WH-f4',
        })
      },
      401,
      'RB_HOOK_UNAUTHENTICATED',
    ],
    [
      'pagerduty: body re-serialised (whitespace) after signing',
      () => {
        const b = pdPayload('EV-f5')
        return post('/hooks/pagerduty', JSON.stringify(JSON.parse(b), null, 1), {
          'x-pagerduty-signature': `v1=${hmacHex(SECRETS.pdNew, b)}`,
          'x-webhook-id': 'WH-f5',
        })
      },
      401,
      'RB_HOOK_UNAUTHENTICATED',
    ],
    [
      'pagerduty: stale event (occurred 2 days ago)',
      () => {
        const b = pdPayload('EV-s1').replace(
          /"occurred_at":"[^"]+"/,
          `"occurred_at":"${new Date(Date.now() - 48 * 3_600_000).toISOString()}"`,
        )
        return post('/hooks/pagerduty', b, { 'x-pagerduty-signature': `v1=${hmacHex(SECRETS.pdNew, b)}`, 'x-webhook-id': 'WH-s1' })
      },
      401,
      'RB_HOOK_STALE',
    ],
    [
      'pagerduty: replayed under a new X-Webhook-Id (same signed event id)',
      () => {
        const b = pdPayload('EV-1')
        return post('/hooks/pagerduty', b, { 'x-pagerduty-signature': `v1=${hmacHex(SECRETS.pdNew, b)}`, 'x-webhook-id': 'WH-new' })
      },
      200,
      'duplicate',
    ],
    [
      'pagerduty: replayed without X-Webhook-Id',
      () => {
        const b = pdPayload('EV-1')
        return post('/hooks/pagerduty', b, { 'x-pagerduty-signature': `v1=${hmacHex(SECRETS.pdNew, b)}` })
      },
      200,
      'duplicate',
    ],
    ['generic: no headers', () => post('/hooks/generic', generic('g0')), 401, 'RB_HOOK_UNAUTHENTICATED'],
    [
      'generic: forged signature',
      () => post('/hooks/generic', generic('g1'), signGeneric('guess', 'g1', now(), generic('g1'))),
      401,
      'RB_HOOK_UNAUTHENTICATED',
    ],
    [
      'generic: body changed after signing',
      () => post('/hooks/generic', generic('g2') + ' ', signGeneric(SECRETS.generic, 'g2', now(), generic('g2'))),
      401,
      'RB_HOOK_UNAUTHENTICATED',
    ],
    [
      'generic: id changed after signing',
      () =>
        post('/hooks/generic', generic('g3'), {
          ...signGeneric(SECRETS.generic, 'g3', now(), generic('g3')),
          'X-Runbook-Webhook-Id': 'g3b',
        }),
      401,
      'RB_HOOK_UNAUTHENTICATED',
    ],
    [
      'generic: stale (6 minutes old)',
      () => post('/hooks/generic', generic('g4'), signGeneric(SECRETS.generic, 'g4', now() - 360, generic('g4'))),
      401,
      'RB_HOOK_STALE',
    ],
    [
      'generic: from the future (6 minutes ahead)',
      () => post('/hooks/generic', generic('g5'), signGeneric(SECRETS.generic, 'g5', now() + 360, generic('g5'))),
      401,
      'RB_HOOK_STALE',
    ],
    [
      'generic: signed with the PagerDuty secret',
      () => post('/hooks/generic', generic('g6'), signGeneric(SECRETS.pdNew, 'g6', now(), generic('g6'))),
      401,
      'RB_HOOK_UNAUTHENTICATED',
    ],
  ]

  it.each(cases)('%s', async (_, send, status, code) => {
    const runs = await runCount()
    const res = await send()
    expect(res.status, res.text).toBe(status)
    if (status === 200) expect(JSON.parse(res.text)).toMatchObject({ duplicate: true })
    else expect(JSON.parse(res.text).error.code).toBe(code)
    expect(await runCount()).toBe(runs)
    expect(await t.service.store.queuedJobs()).toEqual([])
  })

  it('generic: a signed request is accepted once; the same request replayed is refused (409) and starts nothing', async () => {
    const id = randomUUID()
    // A new rule slot: a host no earlier test used.
    const body = JSON.stringify({
      alerts: [
        {
          status: 'firing',
          name: 'LogDirFull',
          labels: { alertname: 'LogDirFull', instance: 'local2:9100' },
          annotations: { dir: am.dir, archive: am.archive },
        },
      ],
    })
    const headers = signGeneric(SECRETS.generic, id, now(), body)
    const ok = await post('/hooks/generic', body, headers)
    expect(ok.status, ok.text).toBe(202)
    // local2 is not a host the local executor serves: refused or started, never twice.
    const first = ok.json().results[0].actions[0]
    expect(['started', 'refused']).toContain(first.action)
    const runs = await runCount()
    const replay = await post('/hooks/generic', body, headers)
    expect(replay.status).toBe(409)
    expect(replay.json().error.code).toBe('RB_HOOK_REPLAYED')
    expect(await runCount()).toBe(runs)
    if (first.action === 'started') await t.until(first.runId, ['fix-proposed', 'problem', 'healthy', 'incomplete'])
  })

  it('refusals are recorded with a reason; no secret is in a reply, a refusal, a transcript or the store file', async () => {
    await hooks.dispatcher.idle()
    const refusals = await t.service.store.refusals()
    const hookRefusals = refusals.filter((r) => r.identity.startsWith('(hook '))
    expect(hookRefusals.length).toBeGreaterThanOrEqual(cases.length)
    expect(hookRefusals.map((r) => r.code)).toEqual(
      expect.arrayContaining(['RB_HOOK_UNAUTHENTICATED', 'RB_HOOK_STALE', 'RB_HOOK_REPLAYED']),
    )
    const dump = JSON.stringify(refusals)
    const transcripts = await Promise.all(
      (await t.service.store.listRuns({ limit: 1000 })).map((r) => t.service.store.exportTranscript(r.id)),
    )
    const files = readdirSync(t.stateDir)
      .map((f) => readFileSync(join(t.stateDir, f)).toString('latin1'))
      .join('\n')
    for (const secret of Object.values(SECRETS)) {
      expect(dump).not.toContain(secret)
      expect(transcripts.join('\n')).not.toContain(secret)
      expect(files).not.toContain(secret)
    }
  })
})

describe('a hook that is not configured', () => {
  it('is 404 RB_HOOK_DISABLED and starts nothing', async () => {
    const other = await buildServer(t.service, {
      hooks: { dispatcher: hooks.dispatcher, secrets: { pagerDutySecrets: [], webhookSecrets: [] } },
    })
    try {
      const res = await other.inject({
        method: 'POST',
        url: '/hooks/generic',
        headers: { 'content-type': 'application/json' },
        payload: '{}',
      })
      expect(res.statusCode).toBe(404)
      expect(res.json().error).toMatchObject({ code: 'RB_HOOK_DISABLED', message: expect.stringMatching(/RUNBOOK_WEBHOOK_SECRET/) })
      const am = await other.inject({ method: 'POST', url: '/hooks/alertmanager', headers: { authorization: 'Bearer ' }, payload: '{}' })
      expect(am.statusCode).toBe(404)
    } finally {
      await other.close()
    }
  })
})
