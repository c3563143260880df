/**
 * The Slack app end to end on loopback: the real Bolt client in Socket Mode against the fake Slack
 * (test/helpers/fake-slack.ts), the real run service (SQLite, local executor) running log-dir-full
 * on temp directories. Assertions read what Slack received: messages, edits, ephemerals, acks.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { AccessControl, parseAccess } from '../../../src/service/access.ts'
import { ACTION_APPROVE, ACTION_DECLINE } from '../../../src/chat/blocks.ts'
import { startSlackApp, type SlackApp } from '../../../src/chat/slack-app.ts'
import { FakeSlack, type FakeMessage } from '../../helpers/fake-slack.ts'
import { logParams, startService, type TestService } from '../service/fixture.ts'
import { SLACK_ACCESS } from './fixture.ts'

const texts = (m: FakeMessage | undefined) => JSON.stringify(m?.blocks ?? [])

describe('Slack app (Socket Mode, real Bolt client, fake Slack)', () => {
  let t: TestService | undefined
  let slack: FakeSlack | undefined
  let app: SlackApp | undefined

  afterEach(async () => {
    // Nothing runbook sent was refused by Slack (block limits, unknown message, bad token).
    const failures = slack?.failures ?? []
    await app?.stop()
    await slack?.close()
    await t?.close()
    app = slack = t = undefined
    expect(failures).toEqual([])
  })

  async function start(over: Parameters<typeof startService>[0] = {}) {
    t = await startService({ access: new AccessControl(parseAccess(SLACK_ACCESS)), ...over })
    slack = await FakeSlack.start()
    app = await startSlackApp(
      t.service,
      {
        mode: 'socket',
        botToken: slack.botToken,
        appToken: slack.appToken,
        apiUrl: slack.apiUrl,
        publicUrl: 'https://runbook.example.test',
        command: '/runbook',
      },
      { log: () => {} },
    )
    await slack.connected()
    return { t, slack, app }
  }

  const lastEphemeral = (s: FakeSlack, user: string) =>
    s.waitFor(() => s.ephemerals.findLast((e) => e.user === user), 10_000, `an ephemeral to ${user}`)

  it('acknowledges first; help, a bad param, an unknown user and a wrong channel get ephemeral answers and start nothing', async () => {
    const { t, slack, app } = await start()
    const d = t.logDir('rotated')
    const ack = await slack.slashCommand({ user: 'U0ALICE', channel: 'C0OPS', text: 'help' })
    expect(ack.ms).toBeLessThan(3000)
    expect((await lastEphemeral(slack, 'U0ALICE')).text).toMatch(/\/runbook run <name>[\s\S]*log-dir-full/)

    await slack.slashCommand({ user: 'U0ALICE', channel: 'C0OPS', text: `plan log-dir-full host=local dir=${d.dir} max_dir_mb=lots` })
    await app.idle()
    // The service's own param message, as the CLI and the API give it, and what to type.
    const bad = String(
      await t.service
        .submit(t.service.access.bySlackUser('U0ALICE')!, {
          runbook: 'log-dir-full',
          host: 'local',
          params: { dir: d.dir, max_dir_mb: 'lots' },
        })
        .catch((e: Error) => e.message),
    )
    const said = slack.ephemerals.at(-1)!.text
    expect(said).toContain(bad.split('\n')[0]!.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'))
    expect(said).toMatch(/\/runbook help log-dir-full/)

    await slack.slashCommand({ user: 'U0EVE', channel: 'C0OPS', text: `plan log-dir-full host=local dir=${d.dir}` })
    expect((await lastEphemeral(slack, 'U0EVE')).text).toMatch(/U0EVE is not in access\.yaml/)
    await slack.slashCommand({ user: 'U0ALICE', channel: 'C0RANDOM', text: `plan log-dir-full host=local dir=${d.dir}` })
    await app.idle()
    expect(slack.ephemerals.at(-1)!.text).toMatch(/not take commands in this channel \(C0RANDOM\)/)
    await slack.slashCommand({ user: 'U0ALICE', channel: 'C0OPS', text: 'frobnicate' })
    await app.idle()
    expect(slack.ephemerals.at(-1)!.text).toMatch(/unknown command 'frobnicate'/)

    expect(await t.service.store.listRuns({})).toEqual([])
    expect(slack.callsOf('chat.postMessage')).toEqual([])
    expect((await t.service.store.refusals()).map((r) => r.identity)).toEqual(expect.arrayContaining(['slack:U0EVE', 'alice']))
  })

  it('plan: one thread, the parent edited in place at most once a second, the dry-run plan without buttons, the outcome with the run link; a retried command posts nothing twice', async () => {
    const { t, slack, app } = await start()
    const d = t.logDir('rotated')
    const text = `plan log-dir-full host=local dir=${d.dir} max_dir_mb=2 archive=${logParams(d).archive}`
    await slack.slashCommand({ user: 'U0ALICE', channel: 'C0OPS', text, triggerId: 'trigger-1' })
    // Slack retries the same command (same trigger id): nothing is queued or posted twice.
    await slack.slashCommand({ user: 'U0ALICE', channel: 'C0OPS', text, triggerId: 'trigger-1' })
    await app.idle()
    const [run] = await t.service.store.listRuns({})
    expect((await t.service.store.listRuns({})).length).toBe(1)
    await t.until(run!.id, ['fix-proposed'])
    const outcome = await slack.waitFor(
      () => [...slack.messages.values()].find((m) => m.threadTs && /Exit 4/.test(texts(m))),
      15_000,
      'the outcome',
    )
    const parent = slack.messages.get(outcome.threadTs!)!
    expect([...slack.messages.values()].filter((m) => !m.threadTs)).toEqual([parent])
    expect(texts(parent)).toMatch(/log-dir-full.*on `local`/)
    expect(texts(parent)).toContain(`https://runbook.example.test/runs/${run!.id}`)
    await slack.waitFor(() => /fix-proposed/.test(parent.text), 5000, 'the parent edited to the final status')
    // Edits of the parent: never two within a second.
    const times = parent.versions.map((v) => v.at)
    for (let i = 2; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(900)
    const thread = slack.thread(parent.ts)
    const plan = thread.find((m) => /Fix proposed/.test(texts(m)))!
    expect(plan).toBeDefined()
    expect(slack.buttons(plan.ts)).toEqual([])
    expect(texts(plan)).toMatch(/Dry-run: nothing was changed/)
    expect(texts(outcome)).toContain(`<https://runbook.example.test/runs/${run!.id}|run page>`)
    expect(thread.filter((m) => m === outcome || /Exit 4/.test(texts(m))).length).toBe(1)

    // The read-only commands: status by id prefix, list, help with a runbook's params.
    const answer = async (text: string) => {
      const seen = slack.ephemerals.length
      await slack.slashCommand({ user: 'U0VIC', channel: 'C0OPS', text })
      return (await slack.waitFor(() => slack.ephemerals.slice(seen).find((e) => e.user === 'U0VIC'), 10_000, text)).text
    }
    expect(await answer(`status ${run!.id.slice(0, 8)}`)).toMatch(
      new RegExp(`${run!.id}.*\\n?Status: \\*fix-proposed\\* \\(exit 4\\)[\\s\\S]*runs/${run!.id}\\|Run page`),
    )
    expect(await answer('list')).toMatch(
      new RegExp(`\`${run!.id.slice(0, 8)}\` log-dir-full on \`local\` · dry-run · \\*fix-proposed\\* · alice`),
    )
    expect(await answer('help log-dir-full')).toMatch(/`max_dir_mb` an integer from 1 to ∞ \(default 1024\)/)
    expect(await answer('status 00000000')).toMatch(/no run starting with '00000000'/)
  })

  it('run: Approve is a danger button with a confirm dialog carrying only run id and plan hash; the requester and a stale click are refused and shown; another user approves; the fix is applied', async () => {
    const { t, slack, app } = await start()
    const d = t.logDir('rotated')
    await slack.slashCommand({
      user: 'U0ALICE',
      channel: 'C0OPS',
      text: `run log-dir-full host=local dir=${d.dir} max_dir_mb=2 archive=${logParams(d).archive}`,
    })
    await app.idle()
    const [run] = await t.service.store.listRuns({})
    await t.until(run!.id, ['waiting-approval'])
    const hash = (await t.service.store.approvalRequest(run!.id))!.planHash
    const plan = await slack.waitFor(
      () => [...slack.messages.values()].find((m) => slack!.buttons(m.ts).length > 0),
      10_000,
      'the plan with buttons',
    )
    const [approve, decline] = slack.buttons(plan.ts)
    expect(approve).toMatchObject({
      actionId: ACTION_APPROVE,
      style: 'danger',
      value: `${run!.id}:${hash}`,
      confirm: expect.objectContaining({ title: expect.anything() }),
    })
    expect(decline).toMatchObject({ actionId: ACTION_DECLINE, value: `${run!.id}:${hash}` })
    expect(texts(plan)).toMatch(/\*Apply\* \(\d+ commands?\)/)
    expect(texts(plan)).toMatch(/Rollback|Verify/)

    const ack = await slack.click({ user: 'U0ALICE', ts: plan.ts, actionId: ACTION_APPROVE })
    expect(ack.ms).toBeLessThan(3000)
    expect((await lastEphemeral(slack, 'U0ALICE')).text).toMatch(/four-eyes: 'alice' requested/)
    await slack.click({ user: 'U0VIC', ts: plan.ts, actionId: ACTION_APPROVE })
    expect((await lastEphemeral(slack, 'U0VIC')).text).toMatch(/'vic' may not approve/)
    await app.idle()
    expect((await t.service.store.getRun(run!.id))!.status).toBe('waiting-approval')
    // Each click shows on the plan, with who clicked.
    await slack.waitFor(
      () =>
        /U0ALICE.*approve refused: four-eyes/.test(texts(slack!.messages.get(plan.ts))) &&
        /U0VIC/.test(texts(slack!.messages.get(plan.ts))),
      5000,
      'the refusals on the plan',
    )

    // A plan message showing another plan (as after a re-plan) carries another hash: refused as stale.
    const current = slack.messages.get(plan.ts)!
    const shown = current.blocks
    current.blocks = JSON.parse(JSON.stringify(shown).replaceAll(hash, 'f'.repeat(64))) as typeof shown
    await slack.click({ user: 'U0CAROL', ts: plan.ts, actionId: ACTION_APPROVE })
    expect((await lastEphemeral(slack, 'U0CAROL')).text).toMatch(/stale plan hash ffffffffffff/)
    current.blocks = shown
    expect((await t.service.store.getRun(run!.id))!.status).toBe('waiting-approval')

    await slack.click({ user: 'U0BOB', ts: plan.ts, actionId: ACTION_APPROVE })
    const done = await t.until(run!.id, ['fix-applied', 'fix-rolled-back', 'incomplete', 'fix-proposed'])
    expect(done).toMatchObject({ status: 'fix-applied', exitCode: 5 })
    expect((await t.service.store.approvals(run!.id)).map((a) => [a.identity, a.decision, a.planHash])).toEqual([['bob', 'approve', hash]])
    const final = await slack.waitFor(
      () =>
        /Applied and verified|Applied, not verified/.test(texts(slack!.messages.get(plan.ts))) ? slack!.messages.get(plan.ts) : undefined,
      10_000,
      'the plan closed',
    )
    expect(slack.buttons(final.ts)).toEqual([])
    expect(texts(final)).toMatch(/<@U0BOB> \(bob\) approved/)
    await slack.waitFor(
      () => [...slack!.messages.values()].find((m) => m.threadTs === plan.threadTs && /Exit 5/.test(texts(m))),
      10_000,
      'the outcome',
    )
    // A click on the old buttons after the run ended (the message as a client may still show it) is refused.
    slack.messages.get(plan.ts)!.blocks = plan.versions[0]!.blocks
    const seen = slack.ephemerals.length
    await slack.click({ user: 'U0CAROL', ts: plan.ts, actionId: ACTION_APPROVE })
    expect(
      (await slack.waitFor(() => slack!.ephemerals.slice(seen).find((e) => e.user === 'U0CAROL'), 10_000, 'the late refusal')).text,
    ).toMatch(/not waiting for an approval/)
  })

  it('approvals: 2 needs two people; Decline ends the wait and nothing is applied', async () => {
    const { t, slack, app } = await start()
    const a = t.logDir('rotated')
    await slack.slashCommand({
      user: 'U0ALICE',
      channel: 'C0OPS',
      text: `run log-dir-full host=pair dir=${a.dir} max_dir_mb=2 archive=${logParams(a).archive}`,
    })
    await app.idle()
    const [run] = await t.service.store.listRuns({})
    await t.until(run!.id, ['waiting-approval'])
    const plan = await slack.waitFor(() => [...slack.messages.values()].find((m) => slack!.buttons(m.ts).length > 0), 10_000, 'the plan')
    expect(texts(plan)).toMatch(/Needs \*2\* approvals/)
    await slack.click({ user: 'U0BOB', ts: plan.ts, actionId: ACTION_APPROVE })
    expect((await lastEphemeral(slack, 'U0BOB')).text).toMatch(/1 more needed/)
    expect((await t.service.store.getRun(run!.id))!.status).toBe('waiting-approval')
    const before = a.snapshot()
    await slack.click({ user: 'U0CAROL', ts: plan.ts, actionId: ACTION_DECLINE })
    expect(await t.until(run!.id, ['fix-proposed', 'fix-applied', 'incomplete'])).toMatchObject({ status: 'fix-proposed' })
    expect(a.snapshot()).toEqual(before)
    await slack.waitFor(() => /Declined by carol/.test(texts(slack!.messages.get(plan.ts))), 10_000, 'the plan declined')
    expect(slack.buttons(plan.ts)).toEqual([])
  })

  it('an approval request expires: the plan says so and loses its buttons, and a late click is refused with why', async () => {
    const { t, slack } = await start({ approvalTtlMs: 700 })
    const d = t.logDir('rotated')
    const before = d.snapshot()
    await slack.slashCommand({
      user: 'U0ALICE',
      channel: 'C0OPS',
      text: `run log-dir-full host=local dir=${d.dir} max_dir_mb=2 archive=${logParams(d).archive}`,
    })
    const plan = await slack.waitFor(() => [...slack.messages.values()].find((m) => slack!.buttons(m.ts).length > 0), 10_000, 'the plan')
    const [run] = await t.service.store.listRuns({})
    expect(await t.until(run!.id, ['fix-proposed', 'fix-applied', 'incomplete'])).toMatchObject({ status: 'fix-proposed' })
    await slack.waitFor(() => /Not applied: approval expired/.test(texts(slack!.messages.get(plan.ts))), 10_000, 'the plan marked expired')
    expect(slack.buttons(plan.ts)).toEqual([])
    slack.messages.get(plan.ts)!.blocks = plan.versions[0]!.blocks
    await slack.click({ user: 'U0BOB', ts: plan.ts, actionId: ACTION_APPROVE })
    expect((await lastEphemeral(slack, 'U0BOB')).text).toMatch(/expired/)
    expect(d.snapshot()).toEqual(before)
  })
})
