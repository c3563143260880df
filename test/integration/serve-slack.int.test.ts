/**
 * `runbook serve` with the Slack app in HTTP mode, in-process, no lab: the signed route is on the
 * serve listener itself, a signed `/runbook list` is answered through the real Bolt app (to the fake
 * Slack), an unsigned one is refused; a half-configured Slack app stops serve before it listens.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { slackSignature } from '../../src/service/http/slack-signature.ts'
import { main } from '../../src/cli/main.ts'
import { FakeSlack } from '../helpers/fake-slack.ts'
import { SLACK_ACCESS } from '../unit/chat/fixture.ts'

const SECRET = 'serve-slack-signing-secret'

function io(env: NodeJS.ProcessEnv, cwd: string, signal = new AbortController().signal) {
  const captured = { stdout: '', stderr: '' }
  const out = new PassThrough()
  const err = new PassThrough()
  out.on('data', (c: Buffer) => (captured.stdout += c.toString()))
  err.on('data', (c: Buffer) => (captured.stderr += c.toString()))
  return { io: { stdout: out, stderr: err, stdin: new PassThrough(), env, cwd, signal }, captured }
}

describe('runbook serve with Slack in HTTP mode', () => {
  let root = ''
  let slack: FakeSlack | undefined
  let stop: AbortController | undefined
  let served: Promise<number> | undefined
  let server = ''
  let env: NodeJS.ProcessEnv = {}

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'rb-serve-slack-'))
    writeFileSync(join(root, 'access.yaml'), SLACK_ACCESS)
    slack = await FakeSlack.start()
    env = {
      ...process.env,
      RUNBOOK_STATE_DIR: join(root, 'state'),
      RUNBOOK_HOST_DIR: join(root, 'host-state'),
      RUNBOOK_SERVER: '',
      NO_COLOR: '1',
      RUNBOOK_SLACK_BOT_TOKEN: slack.botToken,
      RUNBOOK_SLACK_APP_TOKEN: '',
      RUNBOOK_SLACK_SIGNING_SECRET: SECRET,
      RUNBOOK_SLACK_API_URL: slack.apiUrl,
    }
    stop = new AbortController()
    const { io: i, captured } = io(env, root, stop.signal)
    served = main(['serve', '--listen', '127.0.0.1:0', '--access', 'access.yaml', '--local'], i)
    const end = Date.now() + 15_000
    while (!/listening on (http:\S+)/.test(captured.stderr)) {
      if (Date.now() > end) throw new Error(`serve did not start: ${captured.stderr}`)
      await new Promise((r) => setTimeout(r, 20))
    }
    expect(captured.stderr).toMatch(/Slack HTTP mode on \/slack\/events/)
    server = captured.stderr.match(/listening on (http:\S+)/)![1]!
  }, 30_000)

  afterAll(async () => {
    stop?.abort()
    await served?.catch(() => undefined)
    await slack?.close()
    rmSync(root, { recursive: true, force: true })
  })

  const body = (text: string) =>
    new URLSearchParams({
      team_id: 'T0FAKE',
      channel_id: 'C0OPS',
      user_id: 'U0VIC',
      user_name: 'vic',
      command: '/runbook',
      text,
      response_url: 'http://127.0.0.1:9/x',
      trigger_id: `${Date.now()}.${Math.random()}`,
    }).toString()
  const post = (payload: string, headers: Record<string, string>) =>
    fetch(`${server}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: payload,
    })

  it('answers a signed command through Bolt, refuses an unsigned one', async () => {
    const payload = body('list')
    const ts = String(Math.floor(Date.now() / 1000))
    const ok = await post(payload, { 'x-slack-request-timestamp': ts, 'x-slack-signature': slackSignature(SECRET, ts, payload) })
    expect(ok.status).toBe(200)
    const answer = await slack!.waitFor(() => slack!.ephemerals.find((e) => e.user === 'U0VIC'), 10_000, 'the answer')
    expect(answer.text).toMatch(/No runs yet that you may see/)
    const forged = await post(body('list'), { 'x-slack-request-timestamp': ts, 'x-slack-signature': slackSignature('guess', ts, payload) })
    expect(forged.status).toBe(401)
    expect(((await forged.json()) as { error: { code: string } }).error.code).toBe('RB_SLACK_SIGNATURE')
    expect(slack!.ephemerals.length).toBe(1)
  })

  it('a half-configured Slack app is a usage error before anything listens', async () => {
    // An app-level token or a signing secret without the bot token that would answer with.
    const { io: i, captured } = io({ ...env, RUNBOOK_SLACK_BOT_TOKEN: '', RUNBOOK_SLACK_APP_TOKEN: 'xapp-1' }, root)
    const code = await main(
      ['serve', '--listen', '127.0.0.1:0', '--access', 'access.yaml', '--local', '--state-dir', join(root, 'other')],
      i,
    )
    expect(code).toBe(2)
    expect(captured.stderr).toMatch(/RB_SLACK_CONFIG/)
    expect(captured.stderr).toMatch(/RUNBOOK_SLACK_BOT_TOKEN is not/)
    expect(captured.stderr).not.toMatch(/listening/)
  })
})
