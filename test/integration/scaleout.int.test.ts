/**
 * Scale-out (issue 12, "Done when"): real processes of the built CLI: `runbook serve --database
 * postgres://... --queue redis://...` and two `runbook worker` processes, on a real PostgreSQL and
 * a real Redis (test/helpers, loopback, temp dirs). A fleet of ten hosts in apply mode, submitted
 * with POST /api/fleets (one BullMQ flow), local commands (RUNBOOK_HOST_DIR=…/{host} keeps each
 * host's engine state apart), each run approved through the API. One worker is SIGKILLed while one
 * of its runs is in the middle of an apply command. The other worker takes the dead worker's jobs
 * over (BullMQ stalled-job recovery) and resumes them from the journal.
 * At the end: every run finished, every host diagnosed exactly once in the history, no apply command
 * ran twice (each leaves a line in its host's marker file), journals contiguous.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Queue } from 'bullmq'
import { FLEETS_QUEUE } from '../../src/service/bullmq-queue.ts'
import type { RunEvent } from '../../src/types.ts'
import { freePort } from '../helpers/daemon.ts'
import { startPostgres, type TestPostgres } from '../helpers/postgres.ts'
import { startRedis, type TestRedis } from '../helpers/redis.ts'
import { ACCESS_YAML, TOKENS } from '../unit/service/fixture.ts'
import { STATUS_EXIT } from '../../src/engine/summary.ts'

/** Every status a run ends in. */
const FINAL: string[] = Object.keys(STATUS_EXIT)
const HOSTS = Array.from({ length: 10 }, (_, i) => `web${i + 1}`)

let root: string
let pg: TestPostgres | undefined
let redis: TestRedis | undefined
let database: string
let port: number
const procs = new Map<string, { child: ChildProcess; log: string }>()

function start(name: string, args: string[]): ChildProcess {
  const child = spawn(process.execPath, [resolve('bin/runbook.js'), ...args], {
    cwd: root,
    env: {
      ...process.env,
      RUNBOOK_PATH: join(root, 'runbooks'),
      RUNBOOK_HOST_DIR: join(root, 'host-state', '{host}'),
      RUNBOOK_ADMIN_TOKEN: TOKENS.admin,
      NO_COLOR: '1',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  const p = { child, log: '' }
  procs.set(name, p)
  child.stderr!.on('data', (c: Buffer) => (p.log += c.toString()))
  return child
}

async function kill(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const gone = new Promise((r) => child.once('exit', r))
  process.kill(child.pid!, signal)
  await gone
}

async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const v = await check().catch(() => undefined)
    if (v !== undefined) return v
    if (Date.now() > end)
      throw new Error(`${what} after ${timeoutMs} ms\n${[...procs].map(([n, p]) => `--- ${n}\n${p.log.slice(-2000)}`).join('\n')}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

async function api(method: string, path: string, token: string, body?: unknown, accept = 'application/json') {
  const r = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, accept, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  })
  const text = await r.text()
  return { status: r.status, text, json: () => JSON.parse(text) }
}

async function journal(id: string): Promise<RunEvent[]> {
  const r = await api('GET', `/api/runs/${id}/events`, TOKENS.alice, undefined, 'application/x-ndjson')
  return r.text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as RunEvent)
}

/** The processes `pid` started whose command line contains `text` (the local executor's `sh -c`). */
function childRunning(pid: number, text: string): boolean {
  const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)
  return kids.some((k) => {
    try {
      return readFileSync(`/proc/${k}/cmdline`, 'utf8').includes(text)
    } catch {
      return false
    }
  })
}

const markerLines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [])

beforeAll(async () => {
  if (!existsSync(resolve('dist/cli/main.js'))) throw new Error('build first: npm run build (the test runs the built CLI)')
  root = mkdtempSync(join(tmpdir(), 'rb-scaleout-'))
  mkdirSync(join(root, 'runbooks'))
  mkdirSync(join(root, 'markers'))
  // The fixture with one marker file per host (a fleet shares its params): <marker dir>/<host>.
  const yaml = readFileSync(resolve('fixtures/runbooks/valid/resume-marker.yaml'), 'utf8').replaceAll(
    '${{ params.marker }}',
    '${{ params.marker }}/${{ params.host }}',
  )
  writeFileSync(join(root, 'runbooks', 'resume-marker.yaml'), yaml)
  writeFileSync(join(root, 'access.yaml'), ACCESS_YAML)
  ;[pg, redis] = await Promise.all([startPostgres(), startRedis()])
  database = await pg.createDatabase('scaleout')
  port = await freePort()
})

afterAll(async () => {
  for (const { child } of procs.values()) await kill(child)
  await Promise.all([pg?.stop(), redis?.stop()])
  if (root) rmSync(root, { recursive: true, force: true })
})

describe('scale-out: serve on Postgres, two workers on Redis, one SIGKILLed mid-run', () => {
  it('every run completes, every host is diagnosed exactly once, no apply runs twice', async () => {
    const common = ['--database', database, '--queue', redis!.url, '--access', join(root, 'access.yaml'), '--local']
    start('serve', ['serve', '--listen', `127.0.0.1:${port}`, ...common])
    await waitFor('serve not up', async () => ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok ? true : undefined))
    // Short job locks: a dead worker's runs move to the other one within seconds.
    const worker = (name: string) =>
      start(name, ['worker', ...common, '--concurrency', '3', '--lock-duration', '3', '--stalled-interval', '1'])
    const workers = [worker('worker-a'), worker('worker-b')]
    await waitFor('workers not ready', async () =>
      [...procs.values()].filter((p) => p.log.includes('taking runs from')).length === 2 ? true : undefined,
    )

    // A fleet of ten hosts (one BullMQ flow: a parent job, a child job per host); the second apply
    // command of each run takes a while, so a kill lands inside one. Each host's marker file is
    // markers/<host>: the runbook's marker param is the same template for all.
    for (const host of HOSTS) writeFileSync(join(root, 'markers', host), '')
    const r = await api('POST', '/api/fleets', TOKENS.alice, {
      runbook: 'resume-marker',
      hosts: HOSTS,
      params: { marker: join(root, 'markers'), pause: '0.3', apply_pause: '2' },
      mode: 'apply',
    })
    expect(r.status, r.text).toBe(202)
    const fleet = r.json() as { id: string; runs: Array<{ id: string; host: string }> }
    expect(fleet.runs.map((x) => x.host)).toEqual(HOSTS)
    const runs = new Map(fleet.runs.map((x) => [x.host, { id: x.id, marker: join(root, 'markers', x.host) }]))

    const approveWaiting = async () => {
      const waiting = (await api('GET', '/api/runs?status=waiting-approval&limit=100', TOKENS.bob)).json().runs as Array<{ id: string }>
      for (const { id } of waiting) {
        const run = (await api('GET', `/api/runs/${id}`, TOKENS.bob)).json()
        if (run.approvalRequest?.state === 'open')
          await api('POST', `/api/runs/${id}/approvals`, TOKENS.bob, { planHash: run.approvalRequest.planHash, decision: 'approve' })
      }
    }

    // Kill the worker that is running some host's `sleep 2; echo applied-2` right now.
    const victim = await waitFor(
      'no worker ever ran an apply command',
      async () => {
        await approveWaiting()
        for (const w of workers) if (childRunning(w.pid!, 'applied-2')) return w
        return undefined
      },
      60_000,
    )
    const victimName = [...procs].find(([, p]) => p.child === victim)![0]
    const survivor = [...procs].find(([n, p]) => n.startsWith('worker') && p.child !== victim)![1]
    const inFlight = HOSTS.filter((h) => readFileSync(runs.get(h)!.marker, 'utf8') === 'applied-1\n')
    await kill(victim)

    const all = await waitFor(
      'runs not finished',
      async () => {
        await approveWaiting()
        const list = (await api('GET', '/api/runs?limit=100', TOKENS.alice)).json().runs as Array<{
          id: string
          host: string
          status: string
          exitCode: number
        }>
        return list.length === HOSTS.length && list.every((r) => FINAL.includes(r.status)) ? list : undefined
      },
      120_000,
    )

    const report: string[] = []
    for (const host of HOSTS) {
      const { id, marker } = runs.get(host)!
      const run = all.find((r) => r.id === id)!
      const events = await journal(id)
      const lines = markerLines(marker)
      const diagnosed = events.filter((e) => e.type === 'command.finished' && e.step === 'count')
      const inDoubt = events.find((e) => e.type === 'fix.in_doubt') as Extract<RunEvent, { type: 'fix.in_doubt' }> | undefined
      report.push(
        `${host}: ${run.status}, ${events.length} events, marker ${JSON.stringify(lines)}${inDoubt ? `, in doubt: ${inDoubt.command}` : ''}`,
      )
      // One run per host in the history, diagnosed exactly once.
      expect(
        all.filter((r) => r.host === host),
        host,
      ).toHaveLength(1)
      expect(diagnosed, host).toHaveLength(1)
      expect(
        events.filter((e) => e.type === 'outcome'),
        host,
      ).toHaveLength(1)
      // The journal: numbered 1..n, one start, one end agreeing with the run.
      expect(
        events.map((e) => e.seq),
        host,
      ).toEqual(events.map((_, i) => i + 1))
      expect(
        events.filter((e) => e.type === 'run.started'),
        host,
      ).toHaveLength(1)
      expect(events.at(-1), host).toMatchObject({ type: 'run.finished', status: run.status, exitCode: run.exitCode })
      // No apply command ran twice: each line at most once, each apply command started at most once.
      expect(new Set(lines).size, `${host}: ${lines}`).toBe(lines.length)
      for (const text of ['applied-1', 'applied-2'])
        expect(
          events.filter((e) => e.type === 'command.started' && e.spec.command.includes(`echo ${text}`)).length,
          host,
        ).toBeLessThanOrEqual(1)
      if (inDoubt) {
        // Killed inside an apply command: not run again, verify (grep applied-2) fails, rolled back.
        // In doubt at applied-1, it may or may not have run before the kill; at applied-2, applied-1 surely ran.
        expect(run.status, host).toBe('fix-rolled-back')
        if (inDoubt.command.includes('echo applied-1')) expect([['rolled-back'], ['applied-1', 'rolled-back']], host).toContainEqual(lines)
        else expect(lines, host).toEqual(['applied-1', 'rolled-back'])
        expect(survivor.log, host).toContain(`resuming run ${id}`)
      } else {
        expect(run.status, host).toBe('fix-applied')
        expect(lines, host).toEqual(['applied-1', 'applied-2'])
      }
    }
    console.log(`killed ${victimName} (pid ${victim.pid}) with ${inFlight.join(', ')} mid-apply\n${report.join('\n')}`)
    // The killed worker's apply in flight (at least the one it was killed in) was resumed by the other worker, in doubt.
    expect(report.filter((l) => l.includes('in doubt')).length, report.join('\n')).toBeGreaterThan(0)
    // The fleet's parent job ran once every child had finished, and collected their statuses.
    const q = new Queue(FLEETS_QUEUE, { connection: { url: redis!.url }, prefix: 'runbook' })
    try {
      const parent = await waitFor('fleet parent job not completed', async () => {
        const job = await q.getJob(fleet.id)
        return (await job?.isCompleted()) ? job : undefined
      })
      expect(parent.returnvalue).toEqual({ fleetId: fleet.id, runs: Object.fromEntries(all.map((x) => [x.id, x.status])) })
    } finally {
      await q.close()
    }
    // Each host kept its own engine state (lock, backups): RUNBOOK_HOST_DIR=…/{host}.
    expect(readdirSync(join(root, 'host-state')).sort()).toEqual([...HOSTS].sort())
  }, 300_000)
})
