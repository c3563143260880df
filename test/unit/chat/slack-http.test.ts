/**
 * HTTP mode's security suite: `POST /slack/events` on the serve listener. A request must be
 * signed (v0 HMAC-SHA256 over the raw body) within ±5 minutes and never seen before. Forged,
 * stale, future, altered, unsigned and replayed requests are all refused with 401, and nothing
 * starts: no run, no Slack call. A good one is handed to the real Bolt app.
 */
import { randomBytes } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { slackSignature } from '../../../src/service/http/slack-signature.ts'
import { startSlackApp, type SlackApp } from '../../../src/chat/slack-app.ts'
import { AccessControl, parseAccess } from '../../../src/service/access.ts'
import { buildServer } from '../../../src/service/http/server.ts'
import { FakeSlack } from '../../helpers/fake-slack.ts'
import { logParams, startService, type TestService } from '../service/fixture.ts'
import { SLACK_ACCESS } from './fixture.ts'

const SECRET = '8f742231b10e8888abcd99yyyzzz85a5'

describe('Slack HTTP mode: /slack/events', () => {
  let t: TestService | undefined
  let slack: FakeSlack | undefined
  let app: SlackApp | undefined
  let server: FastifyInstance | undefined

  afterEach(async () => {
    await server?.close()
    await app?.stop()
    await slack?.close()
    await t?.close()
    server = app = slack = t = undefined
  })

  async function start() {
    t = await startService({ access: new AccessControl(parseAccess(SLACK_ACCESS)) })
    slack = await FakeSlack.start()
    app = await startSlackApp(
      t.service,
      { mode: 'http', botToken: slack.botToken, signingSecret: SECRET, apiUrl: slack.apiUrl, command: '/runbook' },
      { log: () => {} },
    )
    server = await buildServer(t.service, { slack: { signingSecret: SECRET, dispatch: app.dispatch! } })
    return { t, slack, app, server }
  }

  const command = (text: string, trigger = randomBytes(8).toString('hex')) =>
    new URLSearchParams({
      token: 'x',
      team_id: 'T0FAKE',
      channel_id: 'C0OPS',
      user_id: 'U0ALICE',
      user_name: 'alice',
      command: '/runbook',
      text,
      response_url: 'http://127.0.0.1:9/x',
      trigger_id: trigger,
      api_app_id: 'A0FAKE',
    }).toString()
  const now = () => Math.floor(Date.now() / 1000)
  const post = (s: FastifyInstance, body: string, headers: Record<string, string>, type = 'application/x-www-form-urlencoded') =>
    s.inject({ method: 'POST', url: '/slack/events', headers: { 'content-type': type, ...headers }, payload: body })
  const signed = (body: string, ts = String(now()), secret = SECRET) => ({
    'x-slack-request-timestamp': ts,
    'x-slack-signature': slackSignature(secret, ts, body),
  })

  it('forged, stale, future, altered, unsigned and replayed requests are refused with 401 and start nothing', async () => {
    const { t, slack, app, server } = await start()
    const d = t.logDir('rotated')
    const body = command(`plan log-dir-full host=local dir=${d.dir} max_dir_mb=2 archive=${logParams(d).archive}`)
    const attacks: Array<[string, Record<string, string>, string?]> = [
      ['wrong secret', signed(body, String(now()), 'not-the-secret')],
      ['no signature', { 'x-slack-request-timestamp': String(now()) }],
      ['no timestamp', { 'x-slack-signature': slackSignature(SECRET, String(now()), body) }],
      ['malformed signature', { 'x-slack-request-timestamp': String(now()), 'x-slack-signature': 'v0=zz' }],
      [
        'v1 scheme',
        {
          'x-slack-request-timestamp': String(now()),
          'x-slack-signature': slackSignature(SECRET, String(now()), body).replace('v0=', 'v1='),
        },
      ],
      ['stale: 6 minutes old, signed for that time', signed(body, String(now() - 360))],
      ['future: 6 minutes ahead', signed(body, String(now() + 360))],
      ['timestamp changed after signing', { ...signed(body), 'x-slack-request-timestamp': String(now() - 1) }],
      ['body altered after signing', signed(body), body.replace('text=plan', 'text=run')],
      ['signature of another body', signed(command('list'))],
    ]
    for (let i = 0; i < 40; i++)
      attacks.push([
        `random forgery ${i}`,
        { 'x-slack-request-timestamp': String(now()), 'x-slack-signature': `v0=${randomBytes(32).toString('hex')}` },
      ])
    for (const [name, headers, payload] of attacks) {
      const res = await post(server, payload ?? body, headers)
      expect(res.statusCode, name).toBe(401)
      expect(res.json().error.code, name).toBe('RB_SLACK_SIGNATURE')
    }

    const good = signed(body)
    const ok = await post(server, body, good)
    expect(ok.statusCode).toBe(200)
    const replay = await post(server, body, good)
    expect(replay.statusCode).toBe(401)
    expect(replay.json().error.message).toMatch(/replay/)
    await app.idle()
    // Only the good request ran.
    expect((await t.service.store.listRuns({})).length).toBe(1)
    expect(slack.callsOf('chat.postMessage').length).toBe(1)
    expect((await t.service.store.refusals()).filter((r) => r.code === 'RB_SLACK_SIGNATURE').length).toBe(attacks.length + 1)
  })

  it('a signed slash command is acknowledged by Bolt and queued; a signed url_verification gets its challenge; a signed click reaches the approval desk', async () => {
    const { t, slack, app, server } = await start()
    const d = t.logDir('rotated')
    const verify = JSON.stringify({ type: 'url_verification', challenge: 'c-123', token: 'x' })
    expect((await post(server, verify, signed(verify), 'application/json')).json()).toEqual({ challenge: 'c-123' })
    expect((await post(server, verify, {}, 'application/json')).statusCode).toBe(401)

    const body = command(`run log-dir-full host=local dir=${d.dir} max_dir_mb=2 archive=${logParams(d).archive}`)
    const res = await post(server, body, signed(body))
    expect(res.statusCode).toBe(200)
    await app.idle()
    const [run] = await t.service.store.listRuns({})
    await t.until(run!.id, ['waiting-approval'])
    const plan = await slack.waitFor(() => [...slack.messages.values()].find((m) => slack!.buttons(m.ts).length > 0), 10_000, 'the plan')
    const approve = slack.buttons(plan.ts)[0]!
    const click = (user: string) =>
      'payload=' +
      encodeURIComponent(
        JSON.stringify({
          type: 'block_actions',
          user: { id: user, username: user, team_id: 'T0FAKE' },
          team: { id: 'T0FAKE' },
          api_app_id: 'A0FAKE',
          token: 'x',
          trigger_id: randomBytes(8).toString('hex'),
          channel: { id: 'C0OPS' },
          container: { type: 'message', message_ts: plan.ts, channel_id: 'C0OPS' },
          message: { ts: plan.ts, text: plan.text },
          response_url: 'http://127.0.0.1:9/x',
          actions: [{ type: 'button', action_id: approve.actionId, block_id: approve.blockId, value: approve.value, action_ts: '1' }],
        }),
      )
    const forged = click('U0BOB')
    expect((await post(server, forged, signed(forged, String(now()), 'guess'))).statusCode).toBe(401)
    await app.idle()
    expect((await t.service.store.getRun(run!.id))!.status).toBe('waiting-approval')
    const good = click('U0BOB')
    expect((await post(server, good, signed(good))).statusCode).toBe(200)
    await app.idle()
    expect(await t.until(run!.id, ['fix-applied', 'incomplete', 'fix-proposed'])).toMatchObject({ status: 'fix-applied' })
  })
})
