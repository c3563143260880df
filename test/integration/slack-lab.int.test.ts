/**
 * Issue 11's Slack Done-when, on the real `sshguard-block` lab: `runbook serve` with the Slack app
 * in Socket Mode, the real Bolt client connected to the fake Slack (loopback). Alice types
 * `/runbook run unreachable-host host=web1`; the thread shows progress and the plan with its
 * buttons; Alice's own Approve is refused (four-eyes); Bob's Approve lifts the block (a new TCP
 * connection from the operator's address reaches web1:22); the thread ends with the verified
 * outcome and the run page's link. Own lab (slk), torn down in afterAll even on failure.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ACTION_APPROVE } from '../../src/chat/blocks.ts'
import { main } from '../../src/cli/main.ts'
import { LocalProber } from '../../src/executors/probe.ts'
import { labDown } from '../../src/lab/lab.ts'
import { FakeSlack, type FakeMessage } from '../helpers/fake-slack.ts'
import { announceSkip, startLab, type TestLab } from '../helpers/lab.ts'

const skip = announceSkip('slack-lab.int.test.ts', ['sshguard-block'])
const ROOT = '/run/runbook-lab-test-slk'
const LAB = 'slk'
const ADMIN = 'slack-lab-admin-token'
const PUBLIC = 'https://runbook.lab.example'

const ACCESS = `
identities:
  alice: { roles: [operator], slack: U0ALICE }
  bob: { roles: [approver], slack: U0BOB }
roles:
  operator:
    - { verbs: [view, run, apply, approve], runbooks: ["*"], hosts: ["*"] }
  approver:
    - { verbs: [view, approve], runbooks: ["*"], hosts: ["*"] }
slack:
  channels: [C0OPS]
`

async function reaches(address: string): Promise<boolean> {
  return (await new LocalProber().probe({ kind: 'tcp', host: address, port: 22, timeoutMs: 2000 })).ok
}

const blocksText = (m: FakeMessage | undefined) => JSON.stringify(m?.blocks ?? [])

describe.skipIf(skip)('Slack (Socket Mode) on the sshguard-block lab', () => {
  let lab: TestLab | undefined
  let slack: FakeSlack | undefined
  let stop: AbortController | undefined
  let served: Promise<number> | undefined
  let server = ''
  let operator = ''
  const err = { text: '' }

  beforeAll(async () => {
    lab = await startLab(ROOT, 'sshguard-block', LAB)
    operator = lab.up.state.operatorAddress
    slack = await FakeSlack.start()
    const dir = mkdtempSync(join(ROOT, 'serve-'))
    writeFileSync(join(dir, 'access.yaml'), ACCESS)
    const env = {
      ...process.env,
      RUNBOOK_LAB_DIR: ROOT,
      RUNBOOK_STATE_DIR: join(ROOT, '.state'),
      RUNBOOK_SERVER: '',
      NO_COLOR: '1',
      RUNBOOK_ADMIN_TOKEN: ADMIN,
      RUNBOOK_SLACK_BOT_TOKEN: slack.botToken,
      RUNBOOK_SLACK_APP_TOKEN: slack.appToken,
      RUNBOOK_SLACK_API_URL: slack.apiUrl,
      RUNBOOK_PUBLIC_URL: PUBLIC,
      RUNBOOK_SLACK_SIGNING_SECRET: '',
    }
    stop = new AbortController()
    const stderr = new PassThrough()
    stderr.on('data', (d: Buffer) => (err.text += d.toString()))
    served = main(
      [
        'serve',
        '--listen',
        '127.0.0.1:0',
        '--state-dir',
        join(dir, 'state'),
        '--access',
        join(dir, 'access.yaml'),
        '--inventory',
        lab.inventory,
      ],
      { stdout: new PassThrough(), stderr, stdin: new PassThrough(), env, cwd: dir, signal: stop.signal },
    )
    const end = Date.now() + 20_000
    while (!/listening on (http:\S+)/.test(err.text)) {
      if (Date.now() > end) throw new Error(`serve did not start: ${err.text}`)
      await new Promise((r) => setTimeout(r, 50))
    }
    server = err.text.match(/listening on (http:\S+)/)![1]!
    expect(err.text).toMatch(/Slack Socket Mode/)
    await slack.connected()
  }, 150_000)

  afterAll(async () => {
    if (slack?.failures.length) console.error('Slack calls refused:', JSON.stringify(slack.failures.map((f) => [f.method, f.error])))
    if (process.env.SLK_DEBUG) console.error(err.text)
    stop?.abort()
    await served?.catch(() => undefined)
    await slack?.close()
    await labDown({ name: LAB, env: { ...process.env, RUNBOOK_LAB_DIR: ROOT } })
    // The fix's backups live in this machine's /var/tmp (the lab hosts share it).
    for (const f of ['iptables-save', 'iptables-legacy-save', 'nft'])
      if (operator) rmSync(`/var/tmp/runbook-unreachable-host.${operator}.${f}`, { force: true })
    rmSync(ROOT, { recursive: true, force: true })
  }, 60_000)

  const api = async (path: string) =>
    (await fetch(`${server}${path}`, { headers: { authorization: `Bearer ${ADMIN}` } })).json() as Promise<Record<string, unknown>>

  it('/runbook run unreachable-host host=web1: progress and a plan with buttons; the requester cannot approve; a second user lifts the block; the thread ends with the verified outcome and the link', async () => {
    const s = slack!
    const web1 = lab!.address('web1')
    expect(await reaches(web1)).toBe(false)

    const ack = await s.slashCommand({ user: 'U0ALICE', channel: 'C0OPS', text: 'run unreachable-host host=web1' })
    expect(ack.ms).toBeLessThan(3000)
    const parent = await s.waitFor(
      () => [...s.messages.values()].find((m) => !m.threadTs && m.channel === 'C0OPS'),
      20_000,
      'the thread parent',
    )
    expect(blocksText(parent)).toMatch(/unreachable-host.*on `web1`/)
    const runId = blocksText(parent).match(/run id `([0-9a-f-]{36})`/)![1]!

    // Progress: the parent is edited in place with the step tree.
    await s.waitFor(() => /reach_from_here/.test(blocksText(s.messages.get(parent.ts))), 60_000, 'the step tree in the parent')
    const plan = await s.waitFor(() => s.thread(parent.ts).find((m) => s.buttons(m.ts).length === 2), 120_000, 'the plan with its buttons')
    const run = await api(`/api/runs/${runId}`)
    expect(run.status).toBe('waiting-approval')
    const hash = (run.approvalRequest as { planHash: string }).planHash
    expect(s.buttons(plan.ts).map((b) => b.value)).toEqual([`${runId}:${hash}`, `${runId}:${hash}`])
    const shown = blocksText(plan)
    expect(shown).toContain('on `web1`')
    expect(shown).toMatch(/\*Apply\* \(\d+ commands?\)/)
    expect(shown).toMatch(/\*Rollback\*/)
    expect(shown).toMatch(/Commit-confirmed/)
    expect(shown).toContain(operator)

    await s.click({ user: 'U0ALICE', ts: plan.ts, actionId: ACTION_APPROVE })
    const refused = await s.waitFor(
      () => s.ephemerals.find((e) => e.user === 'U0ALICE' && /four-eyes/.test(e.text)),
      10_000,
      'the four-eyes refusal',
    )
    expect(refused.text).toMatch(/'alice' requested run/)
    await s.waitFor(
      () => /U0ALICE.*approve refused: four-eyes/.test(blocksText(s.messages.get(plan.ts))),
      10_000,
      'the refused click on the plan',
    )
    expect(await reaches(web1)).toBe(false)
    expect((await api(`/api/runs/${runId}`)).status).toBe('waiting-approval')

    await s.click({ user: 'U0BOB', ts: plan.ts, actionId: ACTION_APPROVE })
    const outcome = await s.waitFor(
      () => s.thread(parent.ts).find((m) => /Exit \d+ \(/.test(blocksText(m))),
      240_000,
      'the outcome in the thread',
    )
    const done = await api(`/api/runs/${runId}`)
    expect(done.status, JSON.stringify(done.outcome)).toBe('fix-applied')
    expect(await reaches(web1)).toBe(true)

    // The thread ends with the outcome: verified, with its evidence and the run page's link.
    const thread = s.thread(parent.ts)
    expect(thread.at(-1)).toBe(outcome)
    expect(blocksText(outcome)).toMatch(/Exit 5 \(fix-applied\)/)
    expect(blocksText(outcome)).toContain(`<${PUBLIC}/runs/${runId}|run page>`)
    expect(blocksText(s.messages.get(plan.ts))).toMatch(/Approved by bob\. Applied and verified\./)
    expect(blocksText(s.messages.get(plan.ts))).toMatch(/<@U0BOB> \(bob\) approved/)
    expect(s.buttons(plan.ts)).toEqual([])
    expect(s.messages.get(parent.ts)!.text).toMatch(/fix-applied/)
    expect(s.failures).toEqual([])
    // One parent, one plan, one outcome: nothing posted twice.
    expect(thread.filter((m) => /Fix proposed/.test(blocksText(m))).length).toBe(1)
    expect(thread.filter((m) => /Exit \d+ \(/.test(blocksText(m)) && m !== parent).length).toBe(1)
    // The parent was edited at most once a second.
    const times = s.messages.get(parent.ts)!.versions.map((v) => v.at)
    for (let i = 2; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(900)
  }, 400_000)
})
