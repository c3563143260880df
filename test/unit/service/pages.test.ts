/**
 * The web pages through inject(): login (cookie, never the token), the run list and its filters,
 * the run page drawn from the journal (escaped output, the plan, approval buttons only for an
 * identity that may approve), approvals from a form with CSRF and Origin checks, a trusted proxy
 * header only when configured, and the API's SSE readable with a page session (GET only).
 * The real browser test is test/integration/serve-pages.int.test.ts.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { sha256 } from '../../../src/service/access.ts'
import { buildServer, type ServerOptions } from '../../../src/service/http/server.ts'
import { logParams, startService, TOKENS, type TestService } from './fixture.ts'

let t: TestService | undefined
let app: FastifyInstance | undefined
afterEach(async () => {
  await app?.close()
  await t?.close()
  app = t = undefined
})

async function setup(options: ServerOptions = {}) {
  t = await startService()
  app = await buildServer(t.service, options)
  return { t, app }
}

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString()
const FORM = { 'content-type': 'application/x-www-form-urlencoded' }

async function login(app: FastifyInstance, who: keyof typeof TOKENS): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/login', headers: FORM, payload: form({ token: TOKENS[who], next: '/runs' }) })
  expect(res.statusCode).toBe(303)
  return String(res.headers['set-cookie']).split(';')[0]!
}

const get = (app: FastifyInstance, url: string, cookie?: string, headers: Record<string, string> = {}) =>
  app.inject({ method: 'GET', url, headers: { ...(cookie ? { cookie } : {}), ...headers } })
const csrfOf = (body: string) => body.match(/name="csrf" value="([^"]+)"/)![1]!

describe('web pages', () => {
  it('login: a wrong token is refused and recorded, never echoed; a good one sets an HttpOnly SameSite=Strict session cookie that is not the token; pages need it', async () => {
    const { t, app } = await setup()
    const anonymous = await get(app, '/runs/abc?x=1')
    expect([anonymous.statusCode, anonymous.headers.location]).toEqual([303, '/login?next=%2Fruns%2Fabc%3Fx%3D1'])
    const form1 = await get(app, '/login?next=%2Fruns%2Fabc')
    expect(form1.body).toContain('name="next" value="/runs/abc"')
    expect((await get(app, '/login?next=%2F%2Fevil.example')).body).toContain('name="next" value="/runs"')

    const bad = await app.inject({
      method: 'POST',
      url: '/login',
      headers: FORM,
      payload: form({ token: 'secret-guess-<b>', next: '/runs' }),
    })
    expect(bad.statusCode).toBe(401)
    expect(bad.body).toContain('unknown token')
    expect(bad.body).not.toContain('secret-guess')
    expect(bad.headers['set-cookie']).toBeUndefined()
    expect((await t.service.store.refusals()).map((r) => [r.identity, r.action, r.code, r.reason])).toEqual([
      ['(unauthenticated)', 'POST /login', 'RB_UNAUTHENTICATED', 'unknown token'],
    ])

    const ok = await app.inject({ method: 'POST', url: '/login', headers: FORM, payload: form({ token: TOKENS.alice, next: '/runs/abc' }) })
    expect([ok.statusCode, ok.headers.location]).toEqual([303, '/runs/abc'])
    const cookie = String(ok.headers['set-cookie'])
    expect(cookie).toMatch(/^rb_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/)
    expect(cookie).not.toContain(TOKENS.alice)
    expect(cookie).not.toContain(sha256(TOKENS.alice))
    const runs = await get(app, '/runs', cookie.split(';')[0])
    expect(runs.statusCode).toBe(200)
    expect(runs.headers['content-security-policy']).toMatch(/script-src 'nonce-/)
    expect(runs.body).toContain('signed in as <strong id="who">alice</strong>')
    expect(runs.body).toContain('No runs.')
    // A forged or stale cookie is nobody.
    expect((await get(app, '/runs', 'rb_session=AAAA')).statusCode).toBe(303)
    // Log out ends the session (with the CSRF token of the page).
    const out = await app.inject({
      method: 'POST',
      url: '/logout',
      headers: { ...FORM, cookie: cookie.split(';')[0]! },
      payload: form({ csrf: csrfOf(runs.body) }),
    })
    expect([out.statusCode, out.headers.location]).toEqual([303, '/login'])
    expect((await get(app, '/runs', cookie.split(';')[0])).statusCode).toBe(303)
  })

  it('run list with filters, and a run page drawn from the journal: steps, commands in <details>, outcome, plan with hash; output escaped', async () => {
    const { t, app } = await setup()
    const d = t.logDir('rotated')
    // A file name that is markup: it reaches the page through `find`'s output.
    writeFileSync(join(d.dir, '<img src=x onerror=alert(1)>.log'), 'x'.repeat(10))
    const run = await t.service.submit(t.who('alice'), { runbook: 'log-dir-full', host: 'local', params: logParams(d) })
    await t.until(run.id, ['fix-proposed'])
    const cookie = await login(app, 'vic')

    const list = await get(app, '/runs?status=fix-proposed&runbook=log-dir-full', cookie)
    expect(list.body).toContain(`<a href="/runs/${run.id}">`)
    expect(list.body).toMatch(/<span class="badge st-fix-proposed">fix-proposed<\/span>/)
    expect((await get(app, '/runs?status=healthy', cookie)).body).toContain('No runs match these filters.')
    expect((await get(app, '/runs?host=elsewhere', cookie)).body).toContain('No runs match these filters.')
    const bad = await get(app, '/runs?status=<script>', cookie)
    expect(bad.statusCode).toBe(400)
    expect(bad.body).toContain('status &#39;&lt;script&gt;&#39; is not one of')

    const page = await get(app, `/runs/${run.id}`, cookie)
    expect(page.statusCode).toBe(200)
    const body = page.body
    expect(body).toContain('<h1>log-dir-full <span class="on">on</span> local <span class="badge st-fix-proposed">fix-proposed</span></h1>')
    for (const step of ['usage', 'largest', 'archive_rotated']) expect(body).toContain(`id="step-${step}"`)
    expect(body.match(/<details class="cmd/g)!.length).toBeGreaterThanOrEqual(4)
    expect(body).toMatch(/<summary>.*<code>du -sk -- .*<\/code> <span class="exit">exit 0/)
    expect(body).toContain('&lt;img src=x onerror=alert(1)&gt;.log')
    expect(body).not.toContain('<img src=x')
    const view = await t.service.view((await t.service.store.getRun(run.id))!)
    const hash = (view.plan as { hash: string }).hash
    expect(body).toContain(`<code class="hash" id="plan-hash">${hash}</code>`)
    expect(body).toMatch(/<div class="out-label">apply<\/div><pre class="cmds">cd -- /)
    // The fix's intent (the action and its inputs) above its commands, as in the terminal's plan view.
    expect(body).toMatch(/<div class="intent">does: files\/archive-rotated@1 with [^<]*dir=/)
    // Finished: no live script.
    expect(body).not.toContain('EventSource')
    const fragment = await get(app, `/runs/${run.id}?part=live`, cookie)
    expect(fragment.body).toMatch(/^<div id="run-state" data-status="fix-proposed" data-live="false" data-seq="\d+">/)
    expect(fragment.body).not.toContain('<html')
    expect(fragment.headers['content-security-policy']).toMatch(/^default-src 'none'/)
    const transcript = await get(app, `/runs/${run.id}/transcript.jsonl`, cookie)
    expect(transcript.body).toBe(await t.service.store.exportTranscript(run.id))

    const missing = await get(app, '/runs/no-such-run', cookie)
    expect([missing.statusCode, missing.body.includes('RB_NOT_FOUND: no run no-such-run')]).toEqual([404, true])
  })

  it('approval from the page: buttons only for an identity allowed to approve; CSRF token and Origin checked; a stale hash says why; the approved fix is applied', async () => {
    const { t, app } = await setup()
    const d = t.logDir('rotated')
    const before = d.snapshot()
    const run = await t.service.submit(t.who('alice'), { runbook: 'log-dir-full', host: 'local', params: logParams(d), mode: 'apply' })
    await t.until(run.id, ['waiting-approval'])
    const hash = (await t.service.store.approvalRequest(run.id))!.planHash
    const url = `/runs/${run.id}`

    const alice = await get(app, url, await login(app, 'alice'))
    expect(alice.body).toContain('Waiting for approval')
    expect(alice.body).toContain('four-eyes')
    expect(alice.body).not.toContain('id="approve"')
    expect(alice.body).toContain('new EventSource')
    const vic = await get(app, url, await login(app, 'vic'))
    expect(vic.body).toContain("'vic' may not approve this run")
    expect(vic.body).not.toContain('id="approve"')

    const bobCookie = await login(app, 'bob')
    const bob = await get(app, url, bobCookie)
    expect(bob.body).toContain('id="approve"')
    expect(bob.body).toContain(`name="planHash" value="${hash}"`)
    const csrf = csrfOf(bob.body)
    const post = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
      app.inject({ method: 'POST', url: `${url}/approvals`, headers: { ...FORM, cookie: bobCookie, ...headers }, payload: form(fields) })

    const noToken = await post({ planHash: hash, decision: 'approve' })
    expect([noToken.statusCode, /CSRF token missing or wrong/.test(noToken.body)]).toEqual([403, true])
    const otherSite = await post({ csrf, planHash: hash, decision: 'approve' }, { origin: 'https://evil.example' })
    expect([otherSite.statusCode, /another site/.test(otherSite.body)]).toEqual([403, true])
    const otherSession = await post({ csrf: csrfOf(vic.body), planHash: hash, decision: 'approve' })
    expect(otherSession.statusCode).toBe(403)
    const stale = await post({ csrf, planHash: '0'.repeat(64), decision: 'approve' })
    expect(stale.statusCode).toBe(409)
    expect(stale.body).toContain('RB_APPROVAL_REFUSED: stale plan hash 000000000000')
    // The API does not take a page session for writes.
    const apiWrite = await app.inject({
      method: 'POST',
      url: `/api/runs/${run.id}/approvals`,
      headers: { cookie: bobCookie },
      payload: { planHash: hash, decision: 'approve' },
    })
    expect(apiWrite.statusCode).toBe(401)
    expect((await t.service.store.getRun(run.id))!.status).toBe('waiting-approval')
    expect(d.snapshot()).toEqual(before)
    expect((await t.service.store.refusals(run.id)).map((r) => [r.identity, r.code])).toEqual([
      ['bob', 'RB_FORBIDDEN'],
      ['bob', 'RB_FORBIDDEN'],
      ['bob', 'RB_FORBIDDEN'],
      ['bob', 'RB_APPROVAL_REFUSED'],
    ])

    const ok = await post({ csrf, planHash: hash, decision: 'approve' }, { origin: 'http://localhost:80' })
    expect([ok.statusCode, ok.headers.location]).toEqual([303, `${url}?notice=approved`])
    const done = await t.until(run.id, ['fix-applied', 'fix-rolled-back', 'incomplete'])
    expect(done!.status).toBe('fix-applied')
    expect(d.snapshot()).not.toEqual(before)
    const after = await get(app, `${url}?notice=approved`, bobCookie)
    expect(after.body).toContain('Approved: the fix goes ahead.')
    expect(after.body).toContain('approved by bob')
    expect(after.body).toMatch(/<td>bob<\/td><td>approve<\/td>/)
  })

  it('the API’s SSE takes a page session (GET only); a trusted proxy header names the identity only when configured', async () => {
    const { t, app } = await setup({ trustProxyUserHeader: 'X-Forwarded-User' })
    const d = t.logDir('small')
    const run = await t.service.submit(t.who('alice'), { runbook: 'log-dir-full', host: 'local', params: logParams(d) })
    await t.until(run.id, ['healthy'])
    const cookie = await login(app, 'vic')
    const sse = await get(app, `/api/runs/${run.id}/events`, cookie)
    expect(sse.headers['content-type']).toMatch(/text\/event-stream/)
    expect(sse.body).toMatch(/^id: 1\nevent: run\.started/)
    expect(sse.body).toMatch(/event: end\n/)

    const proxied = await get(app, `/runs/${run.id}`, undefined, { 'x-forwarded-user': 'carol' })
    expect(proxied.statusCode).toBe(200)
    expect(proxied.body).toContain('signed in as <strong id="who">carol</strong> (proxy)')
    expect((await get(app, '/runs', undefined, { 'x-forwarded-user': 'mallory' })).statusCode).toBe(303)
    // A proxy user's forms carry a CSRF token too (signed by the server, no session to keep it in).
    const approve = (fields: Record<string, string>) =>
      app.inject({
        method: 'POST',
        url: `/runs/${run.id}/approvals`,
        headers: { ...FORM, 'x-forwarded-user': 'carol' },
        payload: form({ planHash: 'abc', decision: 'approve', ...fields }),
      })
    expect((await approve({})).statusCode).toBe(403)
    const reached = await approve({ csrf: proxied.body.match(/<meta name="csrf-token" content="([^"]+)">/)![1]! })
    expect([reached.statusCode, /not waiting for an approval/.test(reached.body)]).toEqual([409, true])

    const plain = await buildServer(t.service)
    try {
      expect((await get(plain, '/runs', undefined, { 'x-forwarded-user': 'carol' })).statusCode).toBe(303)
    } finally {
      await plain.close()
    }
  })
})
