/**
 * A real service for tests: SQLite in a temp state dir, the local executor, log-dir-full on real
 * temp directories, and an access policy with a requester (alice), two approvers (bob, carol) and
 * a viewer (vic). Host `pair` needs two approvals.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AccessControl, parseAccess, sha256, type Identity } from '../../../src/service/access.ts'
import { RunService, type ServiceOptions } from '../../../src/service/service.ts'
import { openSqliteStore } from '../../../src/service/sqlite-store.ts'
import { createLocalExecutorFactory } from '../../../src/executors/local.ts'
import { runbookDirs } from '../../../src/library.ts'
import { makeLogDir, type LogDir } from '../../helpers/logdir.ts'

export const TOKENS = { alice: 'tok-alice', bob: 'tok-bob', carol: 'tok-carol', vic: 'tok-vic', admin: 'tok-admin' } as const

export const ACCESS_YAML = `
identities:
  alice: { token_sha256: ${sha256(TOKENS.alice)}, roles: [operator] }
  bob: { token_sha256: ${sha256(TOKENS.bob)}, roles: [approver] }
  carol: { token_sha256: ${sha256(TOKENS.carol)}, roles: [approver] }
  vic: { token_sha256: ${sha256(TOKENS.vic)}, roles: [viewer] }
roles:
  operator:
    - { verbs: [view, run, apply, approve], runbooks: ["*"], hosts: ["*"] }
  approver:
    - { verbs: [view, approve], runbooks: ["*"], hosts: ["*"] }
    - { verbs: [approve], runbooks: [log-dir-full], hosts: [pair], approvals: 2 }
  viewer:
    - { verbs: [view], runbooks: ["*"], hosts: ["*"] }
`

export interface TestService {
  service: RunService
  stateDir: string
  access: AccessControl
  who(name: keyof typeof TOKENS): Identity
  logDir(kind?: Parameters<typeof makeLogDir>[0]): LogDir
  /** Resolves when the run reaches one of the statuses (polls the store). */
  until(id: string, statuses: string[], timeoutMs?: number): Promise<Awaited<ReturnType<RunService['store']['getRun']>>>
  close(): Promise<void>
}

export async function startService(over: Partial<ServiceOptions> = {}): Promise<TestService> {
  const root = mkdtempSync(join(tmpdir(), 'rb-serve-'))
  const saved = process.env.RUNBOOK_HOST_DIR
  // The engine's host-side lock lives here for the local executor: not the machine's /var/lib.
  process.env.RUNBOOK_HOST_DIR = join(root, 'host-state')
  const stateDir = join(root, 'state')
  const access = new AccessControl(parseAccess(ACCESS_YAML), TOKENS.admin)
  const store = openSqliteStore(stateDir)
  const service = new RunService({
    store,
    access,
    runbookDirs: runbookDirs({}, root),
    executors: () => createLocalExecutorFactory(),
    ...over,
  })
  await service.start()
  const dirs: LogDir[] = []
  return {
    service,
    stateDir,
    access,
    who: (name) => access.authenticate(TOKENS[name])!,
    logDir: (kind = 'rotated') => {
      const d = makeLogDir(kind, mkdtempSync(join(root, 'logs-')))
      dirs.push(d)
      return d
    },
    async until(id, statuses, timeoutMs = 20_000) {
      const end = Date.now() + timeoutMs
      for (;;) {
        const run = await store.getRun(id)
        if (run && statuses.includes(run.status)) return run
        if (Date.now() > end) throw new Error(`run ${id} is ${run?.status}, not ${statuses.join('|')}, after ${timeoutMs} ms`)
        await new Promise((r) => setTimeout(r, 20))
      }
    },
    async close() {
      await service.close()
      await store.close()
      if (saved === undefined) delete process.env.RUNBOOK_HOST_DIR
      else process.env.RUNBOOK_HOST_DIR = saved
      rmSync(root, { recursive: true, force: true })
    },
  }
}

/** log-dir-full params for a temp log dir: 2 MiB budget, archive next to it. */
export const logParams = (d: LogDir) => ({ dir: d.dir, max_dir_mb: 2, archive: d.archive })
