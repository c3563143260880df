/**
 * ChatOps without a network (a recording ChatPort): what survives a restart, and the Slack
 * configuration read from the environment.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { ChatOps, type ChatPort } from '../../../src/chat/chatops.ts'
import { slackConfig } from '../../../src/chat/slack-app.ts'
import { AccessControl, parseAccess } from '../../../src/service/access.ts'
import { logParams, startService, type TestService } from '../service/fixture.ts'
import { SLACK_ACCESS } from './fixture.ts'

function recordingPort() {
  const calls: Array<{ kind: 'post' | 'update' | 'ephemeral'; channel: string; ts?: string; threadTs?: string; text: string }> = []
  let n = 0
  const port: ChatPort = {
    post: async (m) => {
      const ts = `1.${String(++n).padStart(6, '0')}`
      calls.push({ kind: 'post', channel: m.channel, ts, ...(m.threadTs ? { threadTs: m.threadTs } : {}), text: m.text })
      return { channel: m.channel, ts }
    },
    update: async (m) => void calls.push({ kind: 'update', channel: m.channel, ts: m.ts, text: m.text }),
    ephemeral: async (m) => void calls.push({ kind: 'ephemeral', channel: m.channel, text: m.text }),
  }
  return { port, calls }
}

describe('ChatOps', () => {
  let t: TestService | undefined
  afterEach(async () => {
    await t?.close()
    t = undefined
  })

  it('after a restart, resume() follows every live run that has a thread, in its thread, and ends it with its outcome', async () => {
    t = await startService({ access: new AccessControl(parseAccess(SLACK_ACCESS)) })
    const d = t.logDir('rotated')
    const first = recordingPort()
    const chat = new ChatOps({ service: t.service, port: first.port, editIntervalMs: 50, log: () => {} })
    await chat.command({
      user: 'U0ALICE',
      channel: 'C0OPS',
      text: `run log-dir-full host=local dir=${d.dir} max_dir_mb=2 archive=${logParams(d).archive}`,
      triggerId: 'tr-r',
    })
    const [run] = await t.service.store.listRuns({})
    await t.until(run!.id, ['waiting-approval'])
    await chat.close()
    const parent = first.calls.find((c) => c.kind === 'post' && !c.threadTs)!

    // A new ChatOps (a restarted server): nothing posted again, the same thread edited, the outcome in it.
    const second = recordingPort()
    const again = new ChatOps({ service: t.service, port: second.port, editIntervalMs: 50, log: () => {} })
    expect(await again.resume()).toBe(1)
    const request = (await t.service.store.approvalRequest(run!.id))!
    await t.service.decide(t.who('bob'), run!.id, request.planHash, 'approve')
    await t.until(run!.id, ['fix-applied', 'fix-rolled-back', 'incomplete'])
    const end = Date.now() + 10_000
    while (!second.calls.some((c) => c.kind === 'post' && /Exit 5/.test(c.text)) && Date.now() < end)
      await new Promise((r) => setTimeout(r, 20))
    await again.close()
    expect(second.calls.filter((c) => c.kind === 'post' && !c.threadTs)).toEqual([])
    expect(second.calls.filter((c) => c.kind === 'update').every((c) => c.ts !== undefined)).toBe(true)
    expect(second.calls.some((c) => c.kind === 'update' && c.ts === parent.ts)).toBe(true)
    expect(second.calls.find((c) => c.kind === 'post' && /Exit 5/.test(c.text))).toMatchObject({ threadTs: parent.ts })
  })

  it('after a restart, following a run again edits its thread instead of posting a new one, and its outcome is never posted twice', async () => {
    t = await startService({ access: new AccessControl(parseAccess(SLACK_ACCESS)) })
    const d = t.logDir('rotated')
    const first = recordingPort()
    const chat = new ChatOps({ service: t.service, port: first.port, editIntervalMs: 50, log: () => {} })
    await chat.command({
      user: 'U0ALICE',
      channel: 'C0OPS',
      text: `plan log-dir-full host=local dir=${d.dir} max_dir_mb=2 archive=${logParams(d).archive}`,
      triggerId: 'tr-1',
    })
    const [run] = await t.service.store.listRuns({})
    await t.until(run!.id, ['fix-proposed'])
    const end = Date.now() + 10_000
    while (!first.calls.some((c) => c.kind === 'post' && /Exit 4/.test(c.text))) {
      if (Date.now() > end) throw new Error(`no outcome posted: ${JSON.stringify(first.calls)}`)
      await new Promise((r) => setTimeout(r, 20))
    }
    await chat.close()
    const posts = first.calls.filter((c) => c.kind === 'post')
    expect(posts.map((p) => p.threadTs ?? 'parent')).toEqual(['parent', posts[0]!.ts, posts[0]!.ts])

    // A new process (same store): the same trigger delivered again, and the run followed again.
    const second = recordingPort()
    const again = new ChatOps({ service: t.service, port: second.port, editIntervalMs: 50, log: () => {} })
    await again.command({ user: 'U0ALICE', channel: 'C0OPS', text: `plan log-dir-full host=local dir=${d.dir}`, triggerId: 'tr-1' })
    await again.follow((await t.service.store.getRun(run!.id))!, 'C0OPS')
    const until = Date.now() + 5000
    while (again.following > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20))
    await again.close()
    expect((await t.service.store.listRuns({})).length).toBe(1)
    expect(second.calls.filter((c) => c.kind === 'post')).toEqual([])
    expect(second.calls.filter((c) => c.kind === 'update').map((c) => c.ts)).toContain(posts[0]!.ts)
  })
})

describe('Slack configuration from the environment', () => {
  it('none without a bot token; Socket Mode with an app token; HTTP mode with only a signing secret', () => {
    expect(slackConfig({})).toBeUndefined()
    // A bot token alone: no interactive app (alert results are still posted with it).
    expect(slackConfig({ RUNBOOK_SLACK_BOT_TOKEN: 'xoxb-1' })).toBeUndefined()
    expect(
      slackConfig({ RUNBOOK_SLACK_BOT_TOKEN: 'xoxb-1', RUNBOOK_SLACK_APP_TOKEN: 'xapp-1', RUNBOOK_SLACK_SIGNING_SECRET: 's' }),
    ).toMatchObject({ mode: 'socket', appToken: 'xapp-1', command: '/runbook' })
    expect(
      slackConfig({
        RUNBOOK_SLACK_BOT_TOKEN: 'xoxb-1',
        RUNBOOK_SLACK_SIGNING_SECRET: 's',
        RUNBOOK_SLACK_API_URL: 'http://127.0.0.1:9/api',
        RUNBOOK_PUBLIC_URL: 'https://rb.example',
      }),
    ).toEqual({
      mode: 'http',
      botToken: 'xoxb-1',
      signingSecret: 's',
      apiUrl: 'http://127.0.0.1:9/api/',
      publicUrl: 'https://rb.example/',
      command: '/runbook',
    })
  })

  it.each([
    [{ RUNBOOK_SLACK_APP_TOKEN: 'xapp-1' }, /RUNBOOK_SLACK_BOT_TOKEN is not/],
    [{ RUNBOOK_SLACK_BOT_TOKEN: 'xoxp-user', RUNBOOK_SLACK_APP_TOKEN: 'xapp-1' }, /must be a bot token \(xoxb-…\)/],
    [{ RUNBOOK_SLACK_BOT_TOKEN: 'xoxb-1', RUNBOOK_SLACK_APP_TOKEN: 'xoxb-2' }, /app-level token \(xapp-…\)/],
    [
      { RUNBOOK_SLACK_BOT_TOKEN: 'xoxb-1', RUNBOOK_SLACK_APP_TOKEN: 'xapp-1', RUNBOOK_SLACK_API_URL: 'ftp://x' },
      /must be an http\(s\) URL/,
    ],
    [
      { RUNBOOK_SLACK_BOT_TOKEN: 'xoxb-1', RUNBOOK_SLACK_APP_TOKEN: 'xapp-1', RUNBOOK_PUBLIC_URL: 'not a url' },
      /RUNBOOK_PUBLIC_URL "not a url" is not a URL/,
    ],
  ])('refuses %j with RB_SLACK_CONFIG', (env, message) => {
    expect(() => slackConfig(env)).toThrow(message)
    expect(() => slackConfig(env)).toThrow(expect.objectContaining({ code: 'RB_SLACK_CONFIG' }))
  })
})

describe('slack/manifest.yaml', () => {
  it('declares the command, the buttons and Socket Mode the app uses, with the scopes its calls need', async () => {
    const { readFileSync } = await import('node:fs')
    const { parse } = await import('yaml')
    const m = parse(readFileSync('slack/manifest.yaml', 'utf8')) as {
      features: { slash_commands: Array<{ command: string }> }
      oauth_config: { scopes: { bot: string[] } }
      settings: { interactivity: { is_enabled: boolean }; socket_mode_enabled: boolean }
    }
    expect(m.features.slash_commands.map((c) => c.command)).toEqual([
      slackConfig({ RUNBOOK_SLACK_BOT_TOKEN: 'xoxb-1', RUNBOOK_SLACK_APP_TOKEN: 'xapp-1' })!.command,
    ])
    expect(m.oauth_config.scopes.bot).toEqual(expect.arrayContaining(['commands', 'chat:write']))
    expect(m.settings).toMatchObject({ interactivity: { is_enabled: true }, socket_mode_enabled: true })
  })
})
