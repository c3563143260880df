/**
 * `npm run bench:chatops`: how fast the Slack app acknowledges `/runbook` commands, and that none
 * is lost. 200 concurrent slash commands (`/runbook plan log-dir-full ...`) are sent over Socket
 * Mode by the fake Slack (src/testing/fake-slack.ts, in this process) to the real Bolt client in a
 * process of its own, with the run service behind it (SQLite, queue, the replay executor answering
 * a recording of log-dir-full made once for real, so every run also runs through the engine, the
 * journal and its Slack thread). The baseline, measured in the same run with the same fake Slack, is
 * a Bolt app in its own process whose command handler only acknowledges. Printed: p50 / p99 time to
 * acknowledge for both and their ratios, runs queued out of commands sent, and the time until every
 * thread has its outcome.
 *
 * BENCH_CONCURRENCY (default 200) commands at once, BENCH_ROUNDS (default 3) rounds after a warm-up.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { App, LogLevel, SocketModeReceiver } from '@slack/bolt'
import { startSlackApp } from '../chat/slack-app.ts'
import { refusingApprover } from '../engine/approval.ts'
import { runRunbook } from '../engine/run.ts'
import { createLocalExecutorFactory } from '../executors/local.ts'
import { ReplayExecutors } from '../executors/replay.ts'
import { loadRunbook, SHIPPED_RUNBOOKS } from '../library.ts'
import { AccessControl, parseAccess } from '../service/access.ts'
import { RunService } from '../service/service.ts'
import { openSqliteStore } from '../service/sqlite-store.ts'
import { FakeSlack } from '../testing/fake-slack.ts'
import type { RunEvent } from '../types.ts'
import { loadShellParser } from '../dsl/readonly.ts'

await loadShellParser()

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 200)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const USER = 'U0BENCH'
const CHANNEL = 'C0BENCH'

interface Setup {
  params: { dir: string; max_dir_mb: number; archive: string }
  events: RunEvent[]
}

/** Records log-dir-full once, for real, on a small temp log dir: what every run replays. */
async function record(root: string): Promise<Setup> {
  const dir = join(root, 'log')
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'syslog'), 'x'.repeat(10_000))
  const params = { dir, max_dir_mb: 2, archive: join(root, 'rotated.tar') }
  const events: RunEvent[] = []
  const local = createLocalExecutorFactory()
  const summary = await runRunbook(loadRunbook(join(SHIPPED_RUNBOOKS, 'log-dir-full.yaml')), {
    params: { host: 'local', ...params },
    mode: 'dry-run',
    executors: local,
    approver: refusingApprover,
    onEvent: (e) => events.push(e),
  })
  await local.close()
  if (summary.status !== 'healthy') throw new Error(`recording run ended ${summary.status}`)
  return { params, events }
}

interface ChildState {
  runs: number
  busy: boolean
}

/** In the child: a Slack app connected to the parent's fake Slack; answers state queries until told to stop. */
async function child(kind: string, apiUrl: string, botToken: string, appToken: string, root: string): Promise<void> {
  const quiet = () => {}
  let state: () => Promise<ChildState>
  let stop: () => Promise<void>
  if (kind === 'baseline') {
    const logger = { debug: quiet, info: quiet, warn: quiet, error: quiet, setLevel: quiet, getLevel: () => LogLevel.ERROR, setName: quiet }
    const receiver = new SocketModeReceiver({ appToken, logger, installerOptions: { clientOptions: { slackApiUrl: apiUrl } } })
    const app = new App({ token: botToken, receiver, logger, clientOptions: { slackApiUrl: apiUrl }, deferInitialization: true })
    let seen = 0
    app.command('/runbook', async ({ ack }) => {
      await ack()
      seen++
    })
    await app.init()
    await app.start()
    state = async () => ({ runs: seen, busy: false })
    stop = async () => {
      await app.stop()
    }
  } else {
    const setup = JSON.parse(readFileSync(join(root, 'setup.json'), 'utf8')) as Setup
    const store = openSqliteStore(join(root, 'state'))
    const access = new AccessControl(
      parseAccess(
        `identities: { bench: { roles: [operator], slack: ${USER} } }\nroles: { operator: [{ verbs: [view, run], runbooks: ["*"], hosts: ["*"] }] }`,
      ),
    )
    const service = new RunService({
      store,
      access,
      runbookDirs: [SHIPPED_RUNBOOKS],
      executors: () => new ReplayExecutors(setup.events),
      concurrency: 4,
    })
    await service.start()
    const slack = await startSlackApp(
      service,
      { mode: 'socket', botToken, appToken, apiUrl, publicUrl: 'https://runbook.bench.example', command: '/runbook' },
      { log: (m) => process.stderr.write(`bench child: ${m}\n`) },
    )
    state = async () => {
      const byStatus = await store.countByStatus()
      return {
        runs: Object.values(byStatus).reduce((a, b) => a + b, 0),
        busy: service.queue.depth + service.queue.running > 0 || slack.chat.following > 0,
      }
    }
    stop = async () => {
      await slack.stop()
      await service.close()
      await store.close()
    }
  }
  process.send!({ ready: true })
  process.on('message', (m: { state?: boolean; stop?: boolean }) => {
    if (m.state) void state().then((s) => process.send!({ state: s }))
    if (m.stop) void stop().then(() => process.disconnect())
  })
}

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(q * xs.length) - 1)]!
const median = (xs: number[]) => quantile(xs, 0.5)

interface Measured {
  p50: number
  p99: number
  max: number
  sent: number
  /** What the app saw: runs in the store (runbook) or commands handled (baseline). */
  received: number
  drainedMs: number[]
}

async function measure(kind: 'baseline' | 'runbook', setup: Setup, root: string): Promise<Measured> {
  const slack = await FakeSlack.start()
  const proc: ChildProcess = fork(fileURLToPath(import.meta.url), ['--child', kind, slack.apiUrl, slack.botToken, slack.appToken, root], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const ask = () =>
    new Promise<ChildState>((resolve) => {
      proc.once('message', (m: { state: ChildState }) => resolve(m.state))
      proc.send({ state: true })
    })
  try {
    await new Promise<void>((resolve, reject) => {
      proc.once('message', () => resolve())
      proc.once('exit', (code) => reject(new Error(`${kind} app exited ${code}`)))
    })
    await slack.connected()
    const text = `plan log-dir-full host=local dir=${setup.params.dir} max_dir_mb=${setup.params.max_dir_mb} archive=${setup.params.archive}`
    const acks: number[] = []
    const drainedMs: number[] = []
    let sent = 0
    for (let round = -1; round < ROUNDS; round++) {
      const t = performance.now()
      const replies = await Promise.all(
        Array.from({ length: CONCURRENCY }, () => slack.slashCommand({ user: USER, channel: CHANNEL, text })),
      )
      sent += CONCURRENCY
      // Every round starts quiet: the runs of this one have run and posted their outcomes.
      for (let s = await ask(); s.busy || s.runs < sent; s = await ask()) {
        if (performance.now() - t > 300_000) throw new Error(`${kind}: ${s.runs} of ${sent} commands reached the app after 5 minutes`)
        await new Promise((r) => setTimeout(r, 50))
      }
      if (round < 0) continue // warm-up
      drainedMs.push(performance.now() - t)
      acks.push(...replies.map((r) => r.ms))
    }
    const received = (await ask()).runs
    if (slack.failures.length)
      throw new Error(
        `${kind}: Slack refused ${slack.failures.length} calls, first: ${slack.failures[0]!.method} ${slack.failures[0]!.error}`,
      )
    if (kind === 'runbook') {
      const outcomes = [...slack.messages.values()].filter((m) => m.threadTs && /Exit \d+ \(/.test(JSON.stringify(m.blocks))).length
      if (outcomes !== sent) throw new Error(`runbook: ${outcomes} outcomes posted for ${sent} runs`)
    }
    return { p50: quantile(acks, 0.5), p99: quantile(acks, 0.99), max: Math.max(...acks), sent, received, drainedMs }
  } finally {
    proc.send({ stop: true })
    await new Promise<void>((resolve) => (proc.exitCode !== null ? resolve() : proc.once('exit', () => resolve())))
    await slack.close()
  }
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'rb-bench-chatops-'))
  process.env.RUNBOOK_HOST_DIR = join(root, 'host-state')
  try {
    const setup = await record(root)
    writeFileSync(join(root, 'setup.json'), JSON.stringify(setup))
    const baseline = await measure('baseline', setup, root)
    const served = await measure('runbook', setup, root)
    console.log(
      `bench:chatops: ${CONCURRENCY} concurrent /runbook plan commands over Socket Mode (fake Slack on loopback, real Bolt client), ${ROUNDS} rounds after a warm-up, app and baseline each in their own process (node ${process.version})`,
    )
    const row = (what: string, m: Measured) =>
      console.log(
        `  ${what.padEnd(50)} ack p50 ${m.p50.toFixed(1).padStart(7)} ms   p99 ${m.p99.toFixed(1).padStart(7)} ms   max ${m.max.toFixed(1).padStart(7)} ms`,
      )
    row('runbook (ack, then RBAC, params, SQLite, queue)', served)
    row('baseline: Bolt app that only acks', baseline)
    console.log(
      `  ratios runbook/baseline: ${(served.p50 / baseline.p50).toFixed(2)}x the p50, ${(served.p99 / baseline.p99).toFixed(2)}x the p99 (Slack's limit: 3000 ms)`,
    )
    console.log(
      `  runs queued: ${served.received} of ${served.sent} commands (warm-up included), ${served.sent - served.received} lost; every run posted its thread and its outcome`,
    )
    console.log(
      `  a round of ${CONCURRENCY} commands, from the first sent to the last outcome posted: ${median(served.drainedMs).toFixed(0)} ms median (baseline acks only: ${median(baseline.drainedMs).toFixed(0)} ms)`,
    )
    if (served.received !== served.sent) process.exitCode = 1
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}

if (process.argv[2] === '--child') {
  const [kind, apiUrl, botToken, appToken, root] = process.argv.slice(3) as [string, string, string, string, string]
  await child(kind, apiUrl, botToken, appToken, root)
} else {
  await main()
}
