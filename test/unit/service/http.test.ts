/**
 * The HTTP API through fastify's inject() (and a real listening socket for SSE): real SQLite, the
 * real engine and local executor. Bad input is refused with a 4xx from the error catalogue, and
 * nothing runs; good input runs, streams and exports a transcript that `runbook test` replays.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { main } from '../../../src/cli/main.ts'
import { buildServer } from '../../../src/service/http/server.ts'
import { logParams, startService, TOKENS, type TestService } from './fixture.ts'

let t: TestService | undefined
let app: FastifyInstance | undefined
afterEach(async () => {
  await app?.close()
  await t?.close()
  app = t = undefined
})

const auth = (who: keyof typeof TOKENS) => ({ authorization: `Bearer ${TOKENS[who]}` })

async function setup(over: Parameters<typeof startService>[0] = {}) {
  t = await startService(over)
  app = await buildServer(t.service)
  return { t, app }
}

async function untilStatus(app: FastifyInstance, id: string, statuses: string[], who: keyof typeof TOKENS = 'alice') {
  const end = Date.now() + 20_000
  for (;;) {
    const res = await app.inject({ method: 'GET', url: `/api/runs/${id}`, headers: auth(who) })
    const run = res.json() as {
      status: string
      plan: { hash: string } | null
      approvalRequest: { planHash: string } | null
      exitCode: number
    }
    if (statuses.includes(run.status)) return run
    if (Date.now() > end) throw new Error(`run ${id} stays ${run.status}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

describe('HTTP API', () => {
  it('GET /api/runbooks/:name: name, hash and param types for one who may run it; 404 / 403 / 400 otherwise', async () => {
    const { app } = await setup()
    const ok = await app.inject({ method: 'GET', url: '/api/runbooks/log-dir-full', headers: auth('alice') })
    expect(ok.statusCode, ok.body).toBe(200)
    const info = ok.json() as { name: string; hash: string; params: Record<string, { type: string }> }
    expect(info.name).toBe('log-dir-full')
    expect(info.hash).toMatch(/^[0-9a-f]{16,}$/)
    expect(info.params.max_dir_mb?.type).toBe('int')
    const viewer = await app.inject({ method: 'GET', url: '/api/runbooks/log-dir-full', headers: auth('vic') })
    expect([viewer.statusCode, viewer.json().error.code]).toEqual([403, 'RB_FORBIDDEN'])
    const missing = await app.inject({ method: 'GET', url: '/api/runbooks/no-such', headers: auth('alice') })
    expect([missing.statusCode, missing.json().error.code]).toEqual([400, 'RB_RUNBOOK_NOT_FOUND'])
    const path = await app.inject({ method: 'GET', url: '/api/runbooks/..%2Fetc', headers: auth('alice') })
    expect([path.statusCode, path.json().error.code]).toEqual([400, 'RB_BAD_REQUEST'])
    const anonymous = await app.inject({ method: 'GET', url: '/api/runbooks/log-dir-full' })
    expect(anonymous.statusCode).toBe(401)
  })

  it('refuses bad requests with a 4xx and a clear message, records them, and runs nothing', async () => {
    const { t, app } = await setup()
    const d = t.logDir()
    const post = (payload: string, headers: Record<string, string> = { ...auth('alice'), 'content-type': 'application/json' }) =>
      app.inject({ method: 'POST', url: '/api/runs', headers, payload })
    const good = { runbook: 'log-dir-full', host: 'local', params: logParams(d) }
    const cases: Array<[string, Awaited<ReturnType<typeof post>>, number, string, RegExp]> = [
      ['no token', await post(JSON.stringify(good), { 'content-type': 'application/json' }), 401, 'RB_UNAUTHENTICATED', /Authorization/],
      [
        'unknown token',
        await post(JSON.stringify(good), { authorization: 'Bearer nope', 'content-type': 'application/json' }),
        401,
        'RB_UNAUTHENTICATED',
        /unknown token/,
      ],
      ['bad JSON', await post('{"runbook": "log-dir-full",'), 400, 'RB_BAD_REQUEST', /JSON/i],
      ['unknown field', await post(JSON.stringify({ ...good, extra: 1 })), 400, 'RB_BAD_REQUEST', /unknown field 'extra'/],
      ['wrong type', await post(JSON.stringify({ ...good, runbook: 7 })), 400, 'RB_BAD_REQUEST', /body\.runbook must be string/],
      [
        'bad mode',
        await post(JSON.stringify({ ...good, mode: 'yolo' })),
        400,
        'RB_BAD_REQUEST',
        /body\.mode must be equal to one of the allowed values/,
      ],
      [
        'a path as runbook',
        await post(JSON.stringify({ ...good, runbook: '../etc/passwd' })),
        400,
        'RB_BAD_REQUEST',
        /body\.runbook must match pattern/,
      ],
      [
        'oversized body',
        await post(JSON.stringify({ ...good, params: { ...good.params, pad: 'x'.repeat(70_000) } })),
        413,
        'RB_BAD_REQUEST',
        /larger than 65536 bytes/,
      ],
      [
        'not JSON',
        await post('runbook=x', { ...auth('alice'), 'content-type': 'application/x-www-form-urlencoded' }),
        415,
        'RB_BAD_REQUEST',
        /Unsupported Media Type/i,
      ],
      [
        'unknown runbook',
        await post(JSON.stringify({ ...good, runbook: 'no-such' })),
        400,
        'RB_RUNBOOK_NOT_FOUND',
        /no runbook named 'no-such'/,
      ],
      [
        'bad param',
        await post(JSON.stringify({ ...good, params: { ...good.params, max_dir_mb: 'lots' } })),
        400,
        'RB_PARAM_TYPE',
        /param 'max_dir_mb': "lots" is not/,
      ],
      [
        'unknown param',
        await post(JSON.stringify({ ...good, params: { ...good.params, nope: 1 } })),
        400,
        'RB_PARAM_UNKNOWN',
        /unknown param 'nope'/,
      ],
      [
        'forbidden',
        await post(JSON.stringify(good), { ...auth('vic'), 'content-type': 'application/json' }),
        403,
        'RB_FORBIDDEN',
        /'vic' may not run/,
      ],
    ]
    for (const [name, res, status, code, message] of cases) {
      expect([name, res.statusCode], res.body).toEqual([name, status])
      const body = res.json() as { error: { code: string; message: string; fix: string } }
      expect(body.error.code, name).toBe(code)
      expect(body.error.message, name).toMatch(message)
      expect(body.error.fix.length, name).toBeGreaterThan(10)
    }
    expect(await t.service.store.listRuns({})).toEqual([])
    expect(await t.service.store.queuedJobs()).toEqual([])
    // Every refusal is recorded, with who and why.
    const refusals = await t.service.store.refusals()
    expect(refusals.map((r) => [r.identity, r.code])).toEqual([
      ['(unauthenticated)', 'RB_UNAUTHENTICATED'],
      ['(unauthenticated)', 'RB_UNAUTHENTICATED'],
      ...Array.from({ length: 7 }, () => ['alice', 'RB_BAD_REQUEST']),
      ['alice', 'RB_RUNBOOK_NOT_FOUND'],
      ['alice', 'RB_PARAM_TYPE'],
      ['alice', 'RB_PARAM_UNKNOWN'],
      ['vic', 'RB_FORBIDDEN'],
    ])
    expect(refusals[3]!).toMatchObject({ action: 'POST /api/runs', reason: "body: unknown field 'extra'" })
    // Without a token, nothing about the body is checked or told.
    const anonymous = await post('{bad json', { 'content-type': 'application/json' })
    expect([anonymous.statusCode, anonymous.json().error.code]).toEqual([401, 'RB_UNAUTHENTICATED'])

    const unknown = await app.inject({ method: 'GET', url: '/api/runs/does-not-exist', headers: auth('alice') })
    expect([unknown.statusCode, unknown.json().error.code]).toEqual([404, 'RB_NOT_FOUND'])
    const route = await app.inject({ method: 'GET', url: '/api/nothing', headers: auth('alice') })
    expect([route.statusCode, route.json().error.message]).toEqual([404, 'no route GET /api/nothing'])
    const query = await app.inject({ method: 'GET', url: '/api/runs?limit=0&colour=red', headers: auth('alice') })
    expect([query.statusCode, query.json().error.code]).toEqual([400, 'RB_BAD_REQUEST'])
    const approval = await app.inject({
      method: 'POST',
      url: '/api/runs/x/approvals',
      headers: auth('bob'),
      payload: { planHash: 'abc', decision: 'maybe' },
    })
    expect([approval.statusCode, approval.json().error.message]).toEqual([
      400,
      expect.stringMatching(/body\.decision must be equal to one of/),
    ])
  })

  it('POST /api/runs → 202 {id,url}; the run is listed, filtered, shown, and its events export as a transcript that `runbook test` replays', async () => {
    const { t, app } = await setup()
    const d = t.logDir()
    const res = await app.inject({
      method: 'POST',
      url: '/api/runs',
      headers: auth('alice'),
      payload: { runbook: 'log-dir-full', host: 'local', params: logParams(d) },
    })
    expect(res.statusCode).toBe(202)
    const { id, url } = res.json() as { id: string; url: string }
    expect(url).toBe(`http://localhost:80/api/runs/${id}`)
    expect(res.headers.location).toBe(`/api/runs/${id}`)
    const run = await untilStatus(app, id, ['fix-proposed', 'incomplete', 'problem'])
    expect(run).toMatchObject({
      status: 'fix-proposed',
      exitCode: 4,
      requestedBy: 'alice',
      mode: 'dry-run',
      plan: { step: 'archive_rotated', hash: expect.stringMatching(/^[0-9a-f]{16,}$/) },
    })

    const list = await app.inject({
      method: 'GET',
      url: '/api/runs?status=fix-proposed&runbook=log-dir-full&limit=5',
      headers: auth('vic'),
    })
    expect(list.json().runs.map((r: { id: string }) => r.id)).toEqual([id])
    const none = await app.inject({ method: 'GET', url: '/api/runs?status=healthy', headers: auth('vic') })
    expect(none.json().runs).toEqual([])

    const nd = await app.inject({
      method: 'GET',
      url: `/api/runs/${id}/events`,
      headers: { ...auth('alice'), accept: 'application/x-ndjson' },
    })
    expect(nd.headers['content-type']).toMatch(/application\/x-ndjson/)
    expect(nd.body).toBe(await t.service.store.exportTranscript(id))
    const lines = nd.body
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { seq: number; type: string })
    expect(lines[0]!.type).toBe('run.started')
    expect(lines.at(-1)!.type).toBe('run.finished')

    // The exported transcript is a fixture `runbook test` replays to the same outcome.
    const fixtures = join(t.stateDir, 'fixtures')
    mkdirSync(join(fixtures, 'log-dir-full'), { recursive: true })
    writeFileSync(join(fixtures, 'log-dir-full', 'served.jsonl'), nd.body)
    const out = new PassThrough()
    let stdout = ''
    out.on('data', (c: Buffer) => (stdout += c.toString()))
    const code = await main(['test', 'log-dir-full', '--fixtures', fixtures], {
      stdout: out,
      stderr: new PassThrough(),
      stdin: new PassThrough(),
      env: { ...process.env },
      cwd: '/',
      signal: new AbortController().signal,
    })
    expect(stdout).toMatch(/1\/1 fixtures pass/)
    expect(code).toBe(0)

    const metrics = await app.inject({ method: 'GET', url: '/metrics' })
    expect(metrics.headers['content-type']).toMatch(/text\/plain; version=0.0.4/)
    expect(metrics.body).toContain('runbook_runs{status="fix-proposed"} 1')
    expect(metrics.body).toMatch(/runbook_queue_depth 0/)
    expect(metrics.body).toMatch(/runbook_run_duration_seconds_count 1/)
    expect(metrics.body).toMatch(/runbook_step_duration_seconds_count [1-9]/)
    const health = await app.inject({ method: 'GET', url: '/healthz' })
    expect(health.json()).toEqual({ ok: true, queued: 0, running: 0 })
  })

  it('approvals over HTTP: self-approval and a stale hash are 409 with why; another identity approves; cancel of a finished run is 409', async () => {
    const { t, app } = await setup()
    const d = t.logDir('rotated')
    const { id } = (
      await app.inject({
        method: 'POST',
        url: '/api/runs',
        headers: auth('alice'),
        payload: { runbook: 'log-dir-full', host: 'local', params: logParams(d), mode: 'apply' },
      })
    ).json() as { id: string }
    const waiting = await untilStatus(app, id, ['waiting-approval'])
    const hash = waiting.approvalRequest!.planHash
    expect(waiting.plan!.hash).toBe(hash)
    const approve = (who: keyof typeof TOKENS, planHash: string, decision = 'approve') =>
      app.inject({ method: 'POST', url: `/api/runs/${id}/approvals`, headers: auth(who), payload: { planHash, decision } })
    const metrics = await app.inject({ method: 'GET', url: '/metrics' })
    expect(metrics.body).toMatch(/runbook_approvals_waiting 1\n/)
    expect(metrics.body).toContain('runbook_runs{status="waiting-approval"} 1')
    const self = await approve('alice', hash)
    expect([self.statusCode, self.json().error.code, self.json().error.message]).toEqual([
      409,
      'RB_APPROVAL_REFUSED',
      expect.stringMatching(/four-eyes/),
    ])
    const stale = await approve('bob', '0'.repeat(64))
    expect([stale.statusCode, stale.json().error.message]).toEqual([409, expect.stringMatching(/stale plan hash/)])
    const ok = await approve('bob', hash)
    expect([ok.statusCode, ok.json().state]).toEqual([200, 'approved'])
    const done = await untilStatus(app, id, ['fix-applied', 'incomplete', 'fix-rolled-back', 'refused'])
    expect(done).toMatchObject({
      status: 'fix-applied',
      exitCode: 5,
      approvals: [{ identity: 'bob', decision: 'approve', planHash: hash, voided: false }],
    })
    const late = await approve('carol', hash)
    expect([late.statusCode, late.json().error.message]).toEqual([409, expect.stringMatching(/not waiting for an approval/)])
    const cancel = await app.inject({ method: 'POST', url: `/api/runs/${id}/cancel`, headers: auth('alice') })
    expect([cancel.statusCode, cancel.json().error.code]).toEqual([409, 'RB_RUN_FINISHED'])
  })

  it('an expired approval request is 409 and the fix is not applied', async () => {
    const { t, app } = await setup({ approvalTtlMs: 300 })
    const d = t.logDir('rotated')
    const before = d.snapshot()
    const { id } = (
      await app.inject({
        method: 'POST',
        url: '/api/runs',
        headers: auth('alice'),
        payload: { runbook: 'log-dir-full', host: 'local', params: logParams(d), mode: 'apply' },
      })
    ).json() as { id: string }
    const hash = (await untilStatus(app, id, ['waiting-approval'])).approvalRequest!.planHash
    const done = await untilStatus(app, id, ['fix-proposed', 'fix-applied', 'incomplete'])
    expect(done).toMatchObject({ status: 'fix-proposed', exitCode: 4, approvalRequest: { state: 'expired' } })
    const late = await app.inject({
      method: 'POST',
      url: `/api/runs/${id}/approvals`,
      headers: auth('bob'),
      payload: { planHash: hash, decision: 'approve' },
    })
    expect([late.statusCode, late.json().error.code, late.json().error.message]).toEqual([
      409,
      'RB_APPROVAL_REFUSED',
      expect.stringMatching(/expired at/),
    ])
    expect(d.snapshot()).toEqual(before)
  })

  it('closing the server ends open event streams', async () => {
    const { t, app } = await setup()
    const base = await app.listen({ host: '127.0.0.1', port: 0 })
    const d = t.logDir('rotated')
    const { id } = (
      await app.inject({
        method: 'POST',
        url: '/api/runs',
        headers: auth('alice'),
        payload: { runbook: 'log-dir-full', host: 'local', params: logParams(d), mode: 'apply' },
      })
    ).json() as { id: string }
    await untilStatus(app, id, ['waiting-approval'])
    const res = await fetch(`${base}/api/runs/${id}/events`, { headers: auth('vic') })
    const reader = res.body!.getReader()
    expect(Buffer.from((await reader.read()).value!).toString()).toMatch(/^id: 1\nevent: run\.started/)
    const started = Date.now()
    await app.close()
    expect(Date.now() - started).toBeLessThan(2000)
    let rest = ''
    for (let r = await reader.read(); !r.done; r = await reader.read()) rest += Buffer.from(r.value).toString()
    expect(rest).not.toMatch(/event: end/)
  })

  it('SSE: live events with ids, through approval to the end; Last-Event-ID resumes after the last one seen', async () => {
    const { t, app } = await setup()
    const base = await app.listen({ host: '127.0.0.1', port: 0 })
    const d = t.logDir('rotated')
    const { id } = (
      await app.inject({
        method: 'POST',
        url: '/api/runs',
        headers: auth('alice'),
        payload: { runbook: 'log-dir-full', host: 'local', params: logParams(d), mode: 'apply' },
      })
    ).json() as { id: string }
    const res = await fetch(`${base}/api/runs/${id}/events`, { headers: auth('vic') })
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/)
    const reader = res.body!.getReader()
    let text = ''
    let approved = false
    for (;;) {
      const { value, done } = await reader.read()
      if (done) break
      text += Buffer.from(value).toString()
      const proposed = text.match(/event: fix\.proposed\ndata: (.*)\n/)
      if (proposed && !approved) {
        approved = true
        const hash = (JSON.parse(proposed[1]!) as { plan: { hash: string } }).plan.hash
        await untilStatus(app, id, ['waiting-approval'])
        expect(
          (
            await app.inject({
              method: 'POST',
              url: `/api/runs/${id}/approvals`,
              headers: auth('carol'),
              payload: { planHash: hash, decision: 'approve' },
            })
          ).statusCode,
        ).toBe(200)
      }
    }
    const frames = text.split('\n\n').filter((f) => f.startsWith('id: '))
    const ids = frames.map((f) => Number(f.match(/^id: (\d+)/)![1]))
    const stored = await t.service.store.events(id)
    expect(ids).toEqual(stored.map((e) => e.seq))
    expect(frames.map((f) => f.match(/\ndata: (.*)$/)![1])).toEqual(stored.map((e) => e.json))
    expect(text).toMatch(/event: fix\.approved/)
    expect(text).toMatch(/event: end\n/)

    const resumed = await fetch(`${base}/api/runs/${id}/events`, { headers: { ...auth('vic'), 'last-event-id': String(ids.length - 2) } })
    const rest = (await resumed.text())
      .split('\n\n')
      .filter((f) => f.startsWith('id: '))
      .map((f) => Number(f.match(/^id: (\d+)/)![1]))
    expect(rest).toEqual([ids.length - 1, ids.length])
  })
})
