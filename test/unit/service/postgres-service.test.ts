/**
 * `runbook serve` on Postgres (the service over openPostgresStore, real PostgreSQL): the journal
 * is durable before each command runs. Every command the executor is asked to run is checked,
 * at that moment, against the events another connection (another process) reads from the
 * database: the command's own `command.started` and everything before it must already be there.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLocalExecutorFactory } from '../../../src/executors/local.ts'
import { AccessControl, parseAccess } from '../../../src/service/access.ts'
import { openPostgresStore } from '../../../src/service/postgres-store.ts'
import { RunService } from '../../../src/service/service.ts'
import type { CommandSpec, ExecutorFactory, RunEvent } from '../../../src/types.ts'
import { startPostgres, type TestPostgres } from '../../helpers/postgres.ts'
import { ACCESS_YAML, TOKENS } from './fixture.ts'

const RUNBOOK = resolve('fixtures/runbooks/valid/resume-marker.yaml')
let server: TestPostgres
let root: string
const saved = process.env.RUNBOOK_HOST_DIR
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'rb-pgserve-'))
  process.env.RUNBOOK_HOST_DIR = join(root, 'host-state')
  server = await startPostgres()
})
afterAll(async () => {
  await server?.stop()
  if (saved === undefined) delete process.env.RUNBOOK_HOST_DIR
  else process.env.RUNBOOK_HOST_DIR = saved
  rmSync(root, { recursive: true, force: true })
})

describe('serve on postgres', () => {
  it('every command runs only after its command.started (and every event before it) is committed', async () => {
    const url = await server.createDatabase()
    const store = await openPostgresStore(url)
    const reader = await openPostgresStore(url)
    const runbooks = join(root, 'runbooks')
    mkdirSync(runbooks, { recursive: true })
    copyFileSync(RUNBOOK, join(runbooks, 'resume-marker.yaml'))
    const marker = join(root, 'marker')
    writeFileSync(marker, '')
    const access = new AccessControl(parseAccess(ACCESS_YAML), TOKENS.admin)
    let runId = ''
    const checked: Array<{ command: string; committed: boolean; before: number }> = []
    const executors = (): ExecutorFactory => {
      const live = createLocalExecutorFactory()
      return {
        ...live,
        executor: (host) => {
          const e = live.executor(host)
          return {
            exec: async (spec, signal) => {
              // Lease renewals are housekeeping, never recorded (the engine's own, not the run's story).
              if (spec.housekeeping) return e.exec(spec, signal)
              const seen = (await reader.events(runId)).map((x) => JSON.parse(x.json) as RunEvent)
              const started = seen.filter((x) => x.type === 'command.started' && x.spec.command === spec.command).length
              const finished = seen.filter((x) => x.type === 'command.finished' && x.spec.command === spec.command).length
              checked.push({ command: spec.command, committed: started > finished, before: seen.length })
              return e.exec(spec, signal)
            },
            close: () => e.close(),
          }
        },
      }
    }
    const service = new RunService({ store, access, runbookDirs: [runbooks], executors })
    try {
      await service.start()
      const run = await service.submit(access.authenticate(TOKENS.alice)!, {
        runbook: 'resume-marker',
        host: 'local',
        params: { marker, pause: '0.05' },
        mode: 'apply',
      })
      runId = run.id
      const until = async (statuses: string[]) => {
        for (let i = 0; i < 1000; i++) {
          const r = (await reader.getRun(run.id))!
          if (statuses.includes(r.status)) return r
          await new Promise((ok) => setTimeout(ok, 20))
        }
        throw new Error(`run never reached ${statuses.join('|')}`)
      }
      await until(['waiting-approval'])
      // The plan the approver is shown is in the journal before the run waits.
      expect((await reader.events(run.id)).some((e) => e.json.includes('"fix.proposed"'))).toBe(true)
      await service.decide(access.authenticate(TOKENS.bob)!, run.id, (await reader.approvalRequest(run.id))!.planHash, 'approve')
      expect(await until(['fix-applied', 'fix-rolled-back', 'incomplete'])).toMatchObject({ status: 'fix-applied' })
      expect(readFileSync(marker, 'utf8')).toBe('applied-1\napplied-2\n')
      // Diagnosis, lock, apply, verify, release: every one checked, none ran before its start was committed.
      expect(checked.length).toBeGreaterThanOrEqual(8)
      expect(checked.filter((c) => !c.committed)).toEqual([])
      expect(checked.map((c) => c.before)).toEqual([...checked.map((c) => c.before)].sort((a, b) => a - b))
      // The run's end is recorded after its last event: the journal is whole when the status says finished.
      const events = (await reader.events(run.id)).map((e) => JSON.parse(e.json) as RunEvent)
      expect(events.at(-1)?.type).toBe('run.finished')
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1))
    } finally {
      await service.close()
      await store.close()
      await reader.close()
    }
  })

  it('two processes executing the same run at once (a worker taken for dead that was not): one journal; the other records nothing and runs no command of its own (at most it re-runs a read-only one the journal shows in flight)', async () => {
    const url = await server.createDatabase()
    const runbooks = join(root, 'runbooks')
    mkdirSync(runbooks, { recursive: true })
    copyFileSync(RUNBOOK, join(runbooks, 'resume-marker.yaml'))
    const marker = join(root, 'marker-fence')
    writeFileSync(marker, '')
    const access = new AccessControl(parseAccess(ACCESS_YAML), TOKENS.admin)
    const ran = [0, 0]
    const specs: CommandSpec[][] = [[], []]
    const make = async (i: number) => {
      const store = await openPostgresStore(url)
      const executors = (): ExecutorFactory => {
        const live = createLocalExecutorFactory()
        return {
          ...live,
          executor: (host) => ({
            exec: (spec, signal) => (ran[i]!++, specs[i]!.push(spec), live.executor(host).exec(spec, signal)),
            close: async () => {},
          }),
        }
      }
      return { store, service: new RunService({ store, access, runbookDirs: [runbooks], executors }) }
    }
    const [a, b] = [await make(0), await make(1)]
    try {
      const run = await a.service.submit(access.authenticate(TOKENS.alice)!, {
        runbook: 'resume-marker',
        host: 'local',
        params: { marker, pause: '0.2' },
      })
      // The embedded queue of `a` starts it; `b` executes the same run as if it had taken its job too.
      await b.service.executeRun(run.id, new AbortController().signal)
      for (let i = 0; i < 200 && !['fix-proposed', 'incomplete'].includes((await a.store.getRun(run.id))!.status); i++)
        await new Promise((r) => setTimeout(r, 25))
      const done = (await a.store.getRun(run.id))!
      const events = (await a.store.events(run.id)).map((e) => JSON.parse(e.json) as RunEvent)
      // (What each process ran and the journal, in the message: this has failed twice on a loaded machine, never alone.)
      const story = JSON.stringify({
        ran,
        done: { status: done.status, exitCode: done.exitCode, error: done.error },
        events: events.map((e) => `${e.seq} ${e.type}`),
      })
      expect(done, story).toMatchObject({ status: 'fix-proposed', exitCode: 4, error: null })
      expect(
        events.map((e) => e.seq),
        story,
      ).toEqual(events.map((_, i) => i + 1))
      expect(events.filter((e) => e.type === 'run.started')).toHaveLength(1)
      expect(events.filter((e) => e.type === 'run.finished')).toHaveLength(1)
      // One of the two ran the run's commands (look: 2, count: 1). The other ran none of its own: a
      // process that finds the run under way resumes it from the journal, and re-runs only what the
      // journal shows started and not finished, if read-only (journal.ts); its first write of a new
      // event conflicts and stops it. Seen on a loaded machine: [3, 1], the loser re-ran one `look`.
      const winner = ran[0]! >= ran[1]! ? 0 : 1
      expect(ran[winner], story).toBe(3)
      const journaled = events.flatMap((e) => (e.type === 'command.started' ? [e.spec.command] : []))
      for (const spec of specs[1 - winner]!) {
        expect(spec.mutating ?? false, story).toBe(false)
        expect(journaled, story).toContain(spec.command)
      }
      expect(ran[1 - winner]!, story).toBeLessThanOrEqual(2)
    } finally {
      await a.service.close()
      await b.service.close()
      await a.store.close()
      await b.store.close()
    }
  })
})
