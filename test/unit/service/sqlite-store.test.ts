import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openSqliteStore } from '../../../src/service/sqlite-store.ts'
import { openTranscript } from '../../../src/transcript/writer.ts'
import { runSample } from '../views/sample-run.ts'
import { storeSuite } from './store-suite.ts'

const dirs: string[] = []
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'rb-store-'))
  dirs.push(d)
  return d
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

storeSuite('sqlite (file, WAL)', async () => openSqliteStore(tempDir()))

describe('sqlite store: one owner per state dir (claim)', () => {
  it('a second store claiming the same state dir is refused and named; after the first closes, it may', async () => {
    const dir = tempDir()
    const first = openSqliteStore(dir)
    const second = openSqliteStore(dir)
    try {
      await first.claim('sole')
      await first.claim('sole') // again: still its own
      const err = await second.claim('sole').then(
        () => null,
        (e: unknown) => e as { code?: string; message: string },
      )
      expect(err?.code).toBe('RB_STORE_IN_USE')
      expect(err?.message).toContain(`another runbook serve (pid ${process.pid}) already uses the state dir ${dir}`)
      // The refused store still works for what it already does (the data is shared; the claim is not).
      expect(await second.hostLocks()).toEqual([])
      expect(readFileSync(join(dir, 'serve.pid'), 'utf8')).toBe(`${process.pid}\n`)
      await first.close()
      expect(existsSync(join(dir, 'serve.pid'))).toBe(false)
      await second.claim('sole')
    } finally {
      await first.close().catch(() => {})
      await second.close()
    }
  })

  it('a claim held by a process killed -9 ends with it: no stale lock to clean', async () => {
    const dir = tempDir()
    const ready = join(dir, 'claimed')
    const script = `
      import { writeFileSync } from 'node:fs'
      import { openSqliteStore } from ${JSON.stringify(resolve('src/service/sqlite-store.ts'))}
      const store = openSqliteStore(${JSON.stringify(dir)})
      await store.claim('sole')
      writeFileSync(${JSON.stringify(ready)}, 'yes')
      setInterval(() => {}, 1000)
    `
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: 'ignore' })
    try {
      const end = Date.now() + 15_000
      while (!existsSync(ready)) {
        if (Date.now() > end) throw new Error('the child never claimed the store')
        await new Promise((r) => setTimeout(r, 20))
      }
      const store = openSqliteStore(dir)
      try {
        await expect(store.claim('sole')).rejects.toThrow(`another runbook serve (pid ${child.pid}) already uses the state dir`)
        const gone = new Promise((r) => child.once('exit', r))
        process.kill(child.pid!, 'SIGKILL')
        await gone
        await store.claim('sole')
      } finally {
        await store.close()
      }
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    }
  })
})

describe('sqlite store', () => {
  it('is a WAL database in the state dir, readable by its owner only, and keeps data across reopen', async () => {
    const dir = tempDir()
    const store = openSqliteStore(dir)
    await store.createRun({
      id: 'r1',
      runbook: 'x',
      file: 'x.yaml',
      host: null,
      mode: 'dry-run',
      params: {},
      requestedBy: 'a',
      createdAt: 1,
      planKey: randomBytes(32),
    })
    store.appendEvent('r1', { seq: 1, at: 'now', type: 'step.started', step: 's', kind: 'run' })
    await store.close()
    expect(statSync(join(dir, 'runbook.db')).mode & 0o777).toBe(0o600)
    // SQLite header bytes 18-19 (write/read format version) are 2 for a WAL database.
    expect([...readFileSync(join(dir, 'runbook.db')).subarray(18, 20)]).toEqual([2, 2])
    const again = openSqliteStore(dir)
    expect((await again.getRun('r1'))?.runbook).toBe('x')
    expect((await again.events('r1')).length).toBe(1)
    await again.close()
  })

  it('exports a transcript byte-for-byte as the CLI writer writes the same events', async () => {
    const dir = tempDir()
    // Real events (the engine on log-dir-full, local executor): secrets, unicode, multi-line output.
    const { events } = await runSample(dir, 'applied')
    const cli = openTranscript(join(dir, 'cli.jsonl'))
    for (const e of events) cli.write(e)
    cli.close()
    const store = openSqliteStore(dir)
    await store.createRun({
      id: 'r1',
      runbook: 'log-dir-full',
      file: 'x.yaml',
      host: null,
      mode: 'dry-run',
      params: {},
      requestedBy: 'a',
      createdAt: 1,
      planKey: randomBytes(32),
    })
    for (const e of events) store.appendEvent('r1', e)
    const exported = await store.exportTranscript('r1')
    await store.close()
    expect(events.length).toBeGreaterThan(5)
    expect(Buffer.from(exported).equals(readFileSync(join(dir, 'cli.jsonl')))).toBe(true)
  })
})
