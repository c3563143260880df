/**
 * Durability of `runbook serve` (issue 10): a real server process (node bin/runbook.js serve, the
 * built CLI, SQLite in a temp state dir, local commands) is SIGKILLed at 20 random points while runs
 * are queued, mid-diagnosis, waiting for approval and, once on purpose, in the middle of an apply
 * command; it is restarted after each kill. At the end every run has ended correctly, no apply
 * command ran twice (each leaves a line in its own marker file), and each run's journal is
 * contiguous, with one run.started and one run.finished, and tells the same story as an
 * uninterrupted run of the same request (times, durations, ids and hashes aside).
 *
 * RUNBOOK_DURABILITY_KILLS sets the number of kills (default 20); RUNBOOK_DURABILITY_SEED the seed.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunEvent } from '../../src/types.ts'
import { ACCESS_YAML, TOKENS } from '../unit/service/fixture.ts'
import { rng } from '../helpers/rng.ts'
import { STATUS_EXIT } from '../../src/engine/summary.ts'

const KILLS = Number(process.env.RUNBOOK_DURABILITY_KILLS ?? 20)
const SEED = Number(process.env.RUNBOOK_DURABILITY_SEED ?? Date.now() % 100_000)
/** Every status a run ends in. */
const FINAL: string[] = Object.keys(STATUS_EXIT)

let root: string
let port: number
let server: ChildProcess | undefined
let serverLog = ''
const children = new Set<ChildProcess>()

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer()
    s.once('error', fail)
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port
      s.close(() => ok(p))
    })
  })
}

async function startServer(state: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      resolve('bin/runbook.js'),
      'serve',
      '--listen',
      `127.0.0.1:${port}`,
      '--state-dir',
      state,
      '--access',
      join(root, 'access.yaml'),
      '--local',
      '--concurrency',
      '3',
    ],
    {
      cwd: root,
      env: {
        ...process.env,
        RUNBOOK_PATH: join(root, 'runbooks'),
        RUNBOOK_HOST_DIR: join(root, 'host-state'),
        RUNBOOK_ADMIN_TOKEN: TOKENS.admin,
        NO_COLOR: '1',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  )
  children.add(child)
  child.once('exit', () => children.delete(child))
  child.stderr!.on('data', (c: Buffer) => (serverLog += c.toString()))
  const end = Date.now() + 30_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`serve exited ${child.exitCode}: ${serverLog.slice(-2000)}`)
    const up = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false,
    )
    if (up) return child
    if (Date.now() > end) throw new Error(`serve did not come up: ${serverLog.slice(-2000)}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const gone = new Promise((r) => child.once('exit', r))
  process.kill(child.pid!, 'SIGKILL')
  await gone
}

async function api(
  method: string,
  path: string,
  token: string,
  body?: unknown,
  accept = 'application/json',
): Promise<{ status: number; text: string; json: () => any }> {
  const r = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, accept, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  })
  const text = await r.text()
  return { status: r.status, text, json: () => JSON.parse(text) }
}

/** The same call, but a server killed under it is not the test's failure: undefined then. */
const tryApi = (...a: Parameters<typeof api>) => api(...a).catch(() => undefined)

interface Planned {
  key: string
  mode: 'dry-run' | 'apply'
  marker: string
  pause: string
  /** The second apply command's sleep. */
  applyPause?: string
  id?: string
}

async function journal(id: string): Promise<RunEvent[]> {
  const r = await api('GET', `/api/runs/${id}/events`, TOKENS.alice, undefined, 'application/x-ndjson')
  expect(r.status).toBe(200)
  return r.text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as RunEvent)
}

/** What two runs of the same request share: no times, durations, run ids, plan hashes, temp names. */
function story(events: RunEvent[], id: string, marker: string): string[] {
  const drop = new Set(['seq', 'at', 'durationMs', 'startedAt'])
  const clean = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(clean)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v)
              .filter(([k]) => !drop.has(k))
              .map(([k, x]) => [k, clean(x)]),
          )
        : v
  // The sub-commands of a parallel step finish in either order, in any run: sorted within their block.
  return parallelBlocksSorted(events).map((e) =>
    JSON.stringify(clean(e))
      .split(id)
      .join('RUN')
      .split(id.slice(0, 8))
      .join('RUN')
      .split(marker)
      .join('MARKER')
      .replace(/[0-9a-f]{64}/g, 'HASH')
      .replace(/\.lock\.[A-Za-z0-9]+/g, '.lock.X'),
  )
}

function parallelBlocksSorted(events: RunEvent[]): RunEvent[] {
  const out: RunEvent[] = []
  for (let i = 0; i < events.length;) {
    let j = i
    while (
      j < events.length &&
      events[j]!.type === 'command.finished' &&
      'sub' in events[j]! &&
      (events[j] as { sub?: string }).sub !== undefined
    )
      j++
    if (j === i) out.push(events[i++]!)
    else {
      out.push(...events.slice(i, j).sort((a, b) => String((a as { sub?: string }).sub).localeCompare(String((b as { sub?: string }).sub))))
      i = j
    }
  }
  return out
}

const markerLines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [])

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'rb-durability-'))
  mkdirSync(join(root, 'runbooks'))
  mkdirSync(join(root, 'markers'))
  copyFileSync(resolve('fixtures/runbooks/valid/resume-marker.yaml'), join(root, 'runbooks', 'resume-marker.yaml'))
  writeFileSync(join(root, 'access.yaml'), ACCESS_YAML)
  port = await freePort()
})

afterAll(async () => {
  for (const c of [...children]) await kill(c)
  rmSync(root, { recursive: true, force: true })
})

describe(`runbook serve SIGKILLed at ${KILLS} random points (seed ${SEED})`, () => {
  it('every run ends correctly, no apply command runs twice, no event is lost or duplicated', async () => {
    const random = rng(SEED)
    const marker = (key: string) => {
      const f = join(root, 'markers', key)
      writeFileSync(f, '')
      return f
    }

    // 1. The reference: the same requests on a server nobody kills.
    server = await startServer(join(root, 'reference-state'))
    const reference: Record<string, string[]> = {}
    for (const mode of ['dry-run', 'apply'] as const) {
      const m = marker(`ref-${mode}`)
      const r = await api('POST', '/api/runs', TOKENS.alice, {
        runbook: 'resume-marker',
        host: 'local',
        params: { marker: m, pause: '0.3' },
        mode,
      })
      expect(r.status).toBe(202)
      const id = r.json().id as string
      for (let run = r.json(); !FINAL.includes(run.status); run = (await api('GET', `/api/runs/${id}`, TOKENS.alice)).json()) {
        if (run.status === 'waiting-approval' && run.approvalRequest?.state === 'open')
          await api('POST', `/api/runs/${id}/approvals`, TOKENS.bob, { planHash: run.approvalRequest.planHash, decision: 'approve' })
        await new Promise((r) => setTimeout(r, 50))
      }
      reference[mode] = story(await journal(id), id, m)
      expect(reference[mode]!.at(-1)).toContain(mode === 'apply' ? '"status":"fix-applied"' : '"status":"fix-proposed"')
    }
    await kill(server)

    // 2. The runs, submitted over the first kills; one apply gets a long second command to be killed in.
    const planned: Planned[] = [
      ...Array.from({ length: 11 }, (_, i): Planned => ({ key: `dry-${i}`, mode: 'dry-run', marker: marker(`dry-${i}`), pause: '0.3' })),
      ...Array.from({ length: 5 }, (_, i): Planned => ({ key: `apply-${i}`, mode: 'apply', marker: marker(`apply-${i}`), pause: '0.3' })),
    ]
    const midApply: Planned = { key: 'mid-apply', mode: 'apply', marker: marker('mid-apply'), pause: '0.3', applyPause: '3' }
    planned.splice(2, 0, midApply)
    const state = join(root, 'state')
    let next = 0
    /** Approvals are held back for a while, so some runs wait for approval across kills. */
    const approveAfterKill = new Map<string, number>()
    const kills: string[] = []
    let midApproved = false

    for (let k = 0; k < KILLS; k++) {
      server = await startServer(state)
      const killAt = Date.now() + 150 + random() * 1200
      let killedMidApply = false
      // Once the mid-apply run is approved, a life lasts until its long apply command runs (the kill point wanted once).
      const waitForMidApply = () => midApproved && !kills.some((w) => w.startsWith('mid-apply')) && Date.now() < killAt + 20_000
      while (Date.now() < killAt || waitForMidApply()) {
        // One new run per life (so runs are alive across all the kills), approve what may be approved.
        for (let n = 0; n < 1 && next < planned.length && next <= k; n++) {
          const p = planned[next]!
          const r = await tryApi('POST', '/api/runs', TOKENS.alice, {
            runbook: 'resume-marker',
            host: 'local',
            params: { marker: p.marker, pause: p.pause, ...(p.applyPause ? { apply_pause: p.applyPause } : {}) },
            mode: p.mode,
          })
          if (!r) break
          expect(r.status, r.text).toBe(202)
          p.id = r.json().id
          approveAfterKill.set(p.id!, p === midApply ? 0 : k + 1 + Math.floor(random() * 3))
          next++
        }
        const waiting = await tryApi('GET', '/api/runs?status=waiting-approval&limit=100', TOKENS.bob)
        for (const { id } of waiting?.json().runs ?? []) {
          if ((approveAfterKill.get(id) ?? 0) > k) continue
          const run = (await tryApi('GET', `/api/runs/${id}`, TOKENS.bob))?.json()
          if (run?.approvalRequest?.state !== 'open') continue
          const r = await tryApi('POST', `/api/runs/${id}/approvals`, TOKENS.bob, {
            planHash: run.approvalRequest.planHash,
            decision: 'approve',
          })
          if (r?.status === 200 && id === midApply.id) midApproved = true
        }
        // Once: kill exactly while the long apply command of the mid-apply run is running.
        if (midApply.id && !kills.some((w) => w.startsWith('mid-apply'))) {
          const events = await tryApi('GET', `/api/runs/${midApply.id}/events`, TOKENS.alice, undefined, 'application/x-ndjson')
          const lines =
            events?.text
              .split('\n')
              .filter(Boolean)
              .map((l) => JSON.parse(l) as RunEvent) ?? []
          if (
            lines.some((e) => e.type === 'command.started' && e.spec.command.includes('applied-2')) &&
            !lines.some((e) => e.type === 'command.finished' && e.spec.command.includes('applied-2'))
          ) {
            killedMidApply = true
            break
          }
        }
        await new Promise((r) => setTimeout(r, 40))
      }
      const runs = (await tryApi('GET', '/api/runs?limit=100', TOKENS.alice))?.json().runs ?? []
      const counts = runs.reduce((m: Record<string, number>, r: { status: string }) => ({ ...m, [r.status]: (m[r.status] ?? 0) + 1 }), {})
      await kill(server)
      kills.push(`${killedMidApply ? 'mid-apply' : 'random'} kill ${k + 1}: ${JSON.stringify(counts)}`)
    }
    console.log(`seed ${SEED}\n${kills.join('\n')}`)
    expect(kills.filter((k) => k.startsWith('mid-apply'))).toHaveLength(1)

    // 3. A last start: submit what is left, approve everything, wait for every run to end.
    server = await startServer(state)
    for (const p of planned.slice(next)) {
      const r = await api('POST', '/api/runs', TOKENS.alice, {
        runbook: 'resume-marker',
        host: 'local',
        params: { marker: p.marker, pause: p.pause, ...(p.applyPause ? { apply_pause: p.applyPause } : {}) },
        mode: p.mode,
      })
      p.id = r.json().id
    }
    const end = Date.now() + 120_000
    for (;;) {
      const runs = (await api('GET', '/api/runs?limit=100', TOKENS.alice)).json().runs as Array<{ id: string; status: string }>
      const mine = runs.filter((r) => planned.some((p) => p.id === r.id))
      for (const { id, status } of mine) {
        if (status !== 'waiting-approval') continue
        const run = (await api('GET', `/api/runs/${id}`, TOKENS.bob)).json()
        if (run.approvalRequest?.state === 'open')
          await api('POST', `/api/runs/${id}/approvals`, TOKENS.bob, { planHash: run.approvalRequest.planHash, decision: 'approve' })
      }
      if (mine.length === planned.length && mine.every((r) => FINAL.includes(r.status))) break
      if (Date.now() > end) throw new Error(`runs not finished: ${JSON.stringify(mine.map((r) => r.status))}\n${serverLog.slice(-3000)}`)
      await new Promise((r) => setTimeout(r, 100))
    }

    // 4. Every run, judged.
    const outcomes: string[] = []
    for (const p of planned) {
      const run = (await api('GET', `/api/runs/${p.id}`, TOKENS.alice)).json()
      const events = await journal(p.id!)
      const lines = markerLines(p.marker)
      outcomes.push(`${p.key}: ${run.status}, ${events.length} events, marker ${JSON.stringify(lines)}`)
      // No event lost or duplicated: numbered 1..n, one start, one end, and the end agrees with the run.
      expect(
        events.map((e) => e.seq),
        p.key,
      ).toEqual(events.map((_, i) => i + 1))
      expect(
        events.filter((e) => e.type === 'run.started'),
        p.key,
      ).toHaveLength(1)
      expect(
        events.filter((e) => e.type === 'run.finished'),
        p.key,
      ).toHaveLength(1)
      expect(events.at(-1), p.key).toMatchObject({ type: 'run.finished', status: run.status, exitCode: run.exitCode })
      // No apply command ran twice.
      expect(new Set(lines).size, `${p.key}: ${lines}`).toBe(lines.length)
      const inDoubt = events.some((e) => e.type === 'fix.in_doubt')
      if (p.mode === 'dry-run') {
        expect(run.status, p.key).toBe('fix-proposed')
        expect(lines, p.key).toEqual([])
        expect(story(events, p.id!, p.marker), p.key).toEqual(reference['dry-run'])
      } else if (!inDoubt) {
        expect(run.status, `${p.key}: ${JSON.stringify(events.filter((e) => e.type === 'fix.refused' || e.type === 'lock.refused'))}`).toBe(
          'fix-applied',
        )
        expect(lines, p.key).toEqual(['applied-1', 'applied-2'])
        const told = story(events, p.id!, p.marker)
        // Killed while the engine took or released the host lock: the resumed run checked whether the
        // lock was its own (in doubt, then a renew). Apart from those lock commands, the same story.
        const lockDoubt = told.some((l) => l.includes('"kind":"in-doubt"') && l.includes('RUNBOOK_HOST_DIR'))
        const lockFree = (s: string[]) => s.filter((l) => !l.includes('RUNBOOK_HOST_DIR') && !l.includes('"type":"lock.'))
        if (!p.applyPause)
          expect(lockDoubt ? lockFree(told) : told, p.key).toEqual(lockDoubt ? lockFree(reference.apply!) : reference.apply)
      } else {
        // Killed during an apply command: never run again; verify decided.
        const doubted = events.find((e) => e.type === 'fix.in_doubt') as Extract<RunEvent, { type: 'fix.in_doubt' }>
        const ranBefore = lines.includes('applied-2')
        expect(run.status, p.key).toBe(ranBefore ? 'fix-applied' : 'fix-rolled-back')
        if (ranBefore) expect(lines, p.key).toEqual(['applied-1', 'applied-2'])
        // In doubt at applied-1: it may have run before the kill, or not; at applied-2: applied-1 surely ran.
        else if (doubted.command.includes('applied-1')) expect([['rolled-back'], ['applied-1', 'rolled-back']], p.key).toContainEqual(lines)
        else expect(lines, p.key).toEqual(['applied-1', 'rolled-back'])
      }
    }
    console.log(outcomes.join('\n'))
    const mid = (await api('GET', `/api/runs/${midApply.id}`, TOKENS.alice)).json()
    expect(
      (await journal(midApply.id!)).some((e) => e.type === 'fix.in_doubt'),
      JSON.stringify(mid),
    ).toBe(true)
    await kill(server)
  }, 600_000)
})
