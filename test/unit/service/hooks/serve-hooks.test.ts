/**
 * `runbook serve` with its hooks configured from a serve config file (chmod 600), in-process on
 * 127.0.0.1 with --local: the secrets come from the file, the start-up banner says what is on
 * and names no secret, a world-readable config file or an invalid triggers file stops the server
 * before it listens, and a generic webhook signed with the file's secret starts a dry-run whose
 * result is posted to the fake Slack API.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { main } from '../../../../src/cli/main.ts'
import { signGeneric } from '../../../../src/service/hooks/signatures.ts'
import { startFakeApis, type FakeApis } from '../../../helpers/fake-apis.ts'
import { makeLogDir } from '../../../helpers/logdir.ts'
import { TOKENS } from '../fixture.ts'

const SECRET = 'generic-from-file-6d6d'
const SLACK = 'xoxb-from-file-7e7e'
const HOOK = 'hook-from-file-8f8f'

let cleanup: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanup.reverse()) await c()
  cleanup = []
})

function serve(root: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const stop = new AbortController()
  const err = new PassThrough()
  const out = { stderr: '' }
  err.on('data', (c: Buffer) => (out.stderr += c.toString()))
  const saved = process.env.RUNBOOK_HOST_DIR
  process.env.RUNBOOK_HOST_DIR = join(root, 'host-state')
  const done = main(['serve', '--listen', '127.0.0.1:0', '--state-dir', join(root, 'state'), '--local', ...args], {
    stdout: new PassThrough(),
    stderr: err,
    stdin: new PassThrough(),
    env: {
      ...process.env,
      RUNBOOK_ADMIN_TOKEN: TOKENS.admin,
      RUNBOOK_HOOK_TOKEN: '',
      RUNBOOK_PAGERDUTY_SECRETS: '',
      RUNBOOK_WEBHOOK_SECRET: '',
      RUNBOOK_SLACK_BOT_TOKEN: '',
      RUNBOOK_TRIGGERS: '',
      RUNBOOK_CONFIG: '',
      NO_COLOR: '1',
      ...env,
    },
    cwd: root,
    signal: stop.signal,
  })
  cleanup.push(async () => {
    stop.abort()
    await done.catch(() => undefined)
    if (saved === undefined) delete process.env.RUNBOOK_HOST_DIR
    else process.env.RUNBOOK_HOST_DIR = saved
  })
  return {
    out,
    done,
    async url() {
      const end = Date.now() + 15_000
      for (;;) {
        const m = /listening on (http:\S+)/.exec(out.stderr)
        if (m) return m[1]!
        if (Date.now() > end) throw new Error(`serve did not start: ${out.stderr}`)
        await new Promise((r) => setTimeout(r, 20))
      }
    },
  }
}

function tempRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'rb-serve-hooks-'))
  cleanup.push(() => rmSync(root, { recursive: true, force: true }))
  return root
}

const TRIGGERS = `apiVersion: runbook/v1
kind: Triggers
rules:
  - name: logs
    when: alert.name == "LogDirFull"
    runbook: log-dir-full
    params: { host: "'local'", dir: alert.annotations.dir, archive: alert.annotations.archive, max_dir_mb: 2 }
    slack_channel: C0123OPS
`

describe('runbook serve with hooks', () => {
  it('takes its secrets from a chmod-600 config file, names none of them, and a signed generic webhook starts a dry-run whose result reaches Slack', async () => {
    const root = tempRoot()
    const apis: FakeApis = await startFakeApis()
    cleanup.push(() => apis.close())
    writeFileSync(join(root, 'triggers.yaml'), TRIGGERS)
    writeFileSync(
      join(root, 'serve.yaml'),
      `hooks:\n  token: ${HOOK}\n  webhook_secret: [old-one, ${SECRET}]\ntriggers: triggers.yaml\npublic_url: https://rb.example\nslack:\n  bot_token: ${SLACK}\n  api_url: ${apis.url}/slack/\n`,
      { mode: 0o600 },
    )
    const s = serve(root, ['--config', 'serve.yaml'])
    const url = await s.url()
    expect(s.out.stderr).toMatch(/hooks alertmanager, generic; 1 trigger rule from .*triggers\.yaml; results to Slack/)
    const logs = makeLogDir('rotated', join(root, 'logs'))
    const before = logs.snapshot()
    const body = JSON.stringify({
      alerts: [{ status: 'firing', name: 'LogDirFull', annotations: { dir: logs.dir, archive: logs.archive } }],
    })
    const res = await fetch(`${url}/hooks/generic`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signGeneric(SECRET, 'd-1', Math.floor(Date.now() / 1000), body) },
      body,
    })
    const reply = (await res.json()) as { results: Array<{ actions: Array<{ action: string; runId: string }> }> }
    expect(res.status, JSON.stringify(reply)).toBe(202)
    expect(reply.results[0]!.actions[0]!.action).toBe('started')
    const [post] = await apis.waitFor(1)
    expect(post).toMatchObject({
      path: '/slack/chat.postMessage',
      headers: { authorization: `Bearer ${SLACK}` },
      body: { channel: 'C0123OPS' },
    })
    expect((post!.body as { text: string }).text).toContain(`https://rb.example/runs/${reply.results[0]!.actions[0]!.runId}`)
    expect(logs.snapshot()).toEqual(before)
    // Alertmanager's token from the file too.
    const am = await fetch(`${url}/hooks/alertmanager`, {
      method: 'POST',
      headers: { authorization: `Bearer ${HOOK}`, 'content-type': 'application/json' },
      body: JSON.stringify({ version: '4', status: 'firing', alerts: [] }),
    })
    expect(am.status).toBe(202)
    for (const secret of [SECRET, SLACK, HOOK]) expect(s.out.stderr).not.toContain(secret)
  })

  it('refuses a config file other users can read, and an invalid triggers file, before listening', async () => {
    const root = tempRoot()
    writeFileSync(join(root, 'serve.yaml'), `hooks:\n  webhook_secret: ${SECRET}\n`)
    chmodSync(join(root, 'serve.yaml'), 0o644)
    const open = serve(root, ['--config', 'serve.yaml'])
    expect(await open.done).toBe(2)
    expect(open.out.stderr).toMatch(/RB_CONFIG_FILE.*can be read by other users \(mode 644\): chmod 600/)
    expect(open.out.stderr).not.toContain(SECRET)
    expect(open.out.stderr).not.toMatch(/listening on/)

    writeFileSync(join(root, 'triggers.yaml'), TRIGGERS.replace('alert.name ==', 'alert.nmae =='))
    const bad = serve(root, ['--triggers', 'triggers.yaml'])
    expect(await bad.done).toBe(2)
    expect(bad.out.stderr).toMatch(/triggers\.yaml:5:17: unknown field 'nmae'.*did you mean 'name'/)
    expect(bad.out.stderr).not.toMatch(/listening on/)
  })
})
