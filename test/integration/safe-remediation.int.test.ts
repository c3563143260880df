/**
 * Safe remediation on a real lab host (real sshd): a fix that locks the operator out is caught by
 * verification through a NEW connection and rolled back; an engine killed with SIGKILL mid-fix is
 * saved by the revert the host scheduled for itself; two concurrent --apply runs cannot both take
 * the host; a plan approved before the host changed is re-planned, never applied stale; a failed
 * pre-flight check refuses the fix and changes nothing.
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chooseExecutors } from '../../src/cli/executors.ts'
import { runRunbook } from '../../src/engine/run.ts'
import { hostFiles } from '../../src/lab/host.ts'
import { loadRunbook } from '../../src/library.ts'
import type { RunEvent } from '../../src/types.ts'
import { cli } from '../helpers/cli.ts'
import { announceSkip, startLab, type TestLab } from '../helpers/lab.ts'

const skip = announceSkip('safe-remediation.int.test.ts', ['healthy'])
const ROOT = '/run/runbook-lab-test-safety'
const LOCKOUT = 'fixtures/runbooks/valid/sshd-lockout.yaml'

describe.skipIf(skip)('safe remediation against a real sshd', () => {
  let lab: TestLab
  beforeAll(async () => {
    lab = await startLab(ROOT, 'healthy')
  }, 120_000)
  afterAll(async () => {
    await lab?.down()
    // The spawned runs' state folders (transcripts, logs) live under the lab root too.
    rmSync(ROOT, { recursive: true, force: true })
  }, 60_000)

  const web1 = () => hostFiles(lab.dir, 'web1')
  const events = (stdout: string) =>
    stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as RunEvent)
  /** A brand-new OpenSSH login, as the operator would try it. */
  const login = () =>
    spawnSync('ssh', ['-F', join(lab.dir, 'ssh_config'), '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5', 'web1', 'true'], {
      encoding: 'utf8',
      timeout: 20_000,
    }).status
  const lockoutArgs = (settle = 0) => [
    'run',
    LOCKOUT,
    '--host',
    'web1',
    '-p',
    `config=${web1().sshdConfig}`,
    '-p',
    `pidfile=${web1().sshdPid}`,
    '-p',
    `settle=${settle}`,
    '--apply',
    '--yes',
    '--json',
  ]

  it('a fix that locks the operator out fails verification through a new connection, is rolled back, and exits 6', async () => {
    const before = readFileSync(web1().sshdConfig, 'utf8')
    expect(login()).toBe(0)
    const r = await cli(lockoutArgs(), { env: lab.env })
    expect(r.code, r.stderr).toBe(6)
    const ev = events(r.stdout)
    const types = ev.map((e) => e.type)
    expect(types).toEqual(
      expect.arrayContaining([
        'lock.acquired',
        'fix.backup',
        'fix.revert_scheduled',
        'fix.applied',
        'fix.rolled_back',
        'fix.revert_cancelled',
        'lock.released',
      ]),
    )
    // The new login was refused: that is what failed verification.
    const freshLogin = ev.find((e) => e.type === 'command.finished' && e.phase === 'verify' && e.spec.command === 'true')
    expect(freshLogin?.type === 'command.finished' && freshLogin.error?.kind).toBe('auth-failed')
    expect(ev.find((e) => e.type === 'fix.verified')).toMatchObject({ ok: false })
    expect(ev.find((e) => e.type === 'fix.rolled_back')).toMatchObject({ ok: true })
    // The plan showed the exact diff, read from the host.
    const proposed = ev.find((e) => e.type === 'fix.proposed')
    expect(proposed?.type === 'fix.proposed' && proposed.plan.files[0]?.diff).toContain('+DenyUsers root')
    expect(readFileSync(web1().sshdConfig, 'utf8')).toBe(before)
    expect(login()).toBe(0)
  }, 60_000)

  it('an engine killed with SIGKILL right after applying: the host reverts by itself within the window', async () => {
    const before = readFileSync(web1().sshdConfig, 'utf8')
    const child = spawn('node', ['bin/runbook.js', ...lockoutArgs(30)], {
      env: { ...lab.env, RUNBOOK_STATE_DIR: join(ROOT, 'state-kill') },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let buffer = ''
    let scheduled: Extract<RunEvent, { type: 'fix.revert_scheduled' }> | undefined
    const killed = new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        buffer += d.toString()
        for (const line of buffer.split('\n').slice(0, -1)) {
          const e = JSON.parse(line) as RunEvent
          if (e.type === 'fix.revert_scheduled') scheduled = e
          // The reload has run; the engine now waits in `sleep 30`: kill it there.
          if (e.type === 'command.started' && e.phase === 'apply' && e.spec.command.startsWith('sleep')) {
            child.kill('SIGKILL')
            resolve()
          }
        }
        buffer = buffer.slice(buffer.lastIndexOf('\n') + 1)
      })
      child.on('exit', () => resolve())
      setTimeout(() => reject(new Error('the fix never reached its apply commands')), 30_000)
    })
    await killed
    expect(scheduled).toBeDefined()
    expect(scheduled!.mechanism).toBe('background')
    // The fix took effect: a new login is refused now.
    expect(readFileSync(web1().sshdConfig, 'utf8')).toContain('DenyUsers root')
    expect(login()).not.toBe(0)
    // Nobody confirms: within the window (8 s) the host puts itself back.
    const deadline = Date.now() + 8_000 + 12_000
    while (Date.now() < deadline && readFileSync(web1().sshdConfig, 'utf8') !== before) await new Promise((r) => setTimeout(r, 500))
    expect(readFileSync(web1().sshdConfig, 'utf8')).toBe(before)
    let ok = login()
    for (let i = 0; ok !== 0 && i < 10; i++) {
      await new Promise((r) => setTimeout(r, 500))
      ok = login()
    }
    expect(ok).toBe(0)
  }, 90_000)

  it('two concurrent --apply runs on one host: one applies, the other is refused naming the holder', async () => {
    const a = spawn(
      'node',
      ['bin/runbook.js', 'run', 'fixtures/runbooks/valid/slow-fix.yaml', '--host', 'web1', '-p', 'seconds=6', '--apply', '--yes', '--json'],
      { env: { ...lab.env, RUNBOOK_STATE_DIR: join(ROOT, 'state-a') }, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let out = ''
    const aExit = new Promise<number | null>((resolve) => a.on('exit', (code) => resolve(code)))
    await new Promise<void>((resolve, reject) => {
      a.stdout.on('data', (d: Buffer) => {
        out += d.toString()
        if (out.includes('"type":"lock.acquired"')) resolve()
      })
      setTimeout(() => reject(new Error(`run A never took the lock: ${out}`)), 30_000)
    })
    const aStarted = events(out.slice(0, out.lastIndexOf('\n'))).find((e) => e.type === 'run.started')
    const b = await cli(
      ['run', 'fixtures/runbooks/valid/slow-fix.yaml', '--host', 'web1', '-p', 'seconds=0', '--apply', '--yes', '--json'],
      { env: lab.env },
    )
    expect(b.code).toBe(9)
    const refused = events(b.stdout).find((e) => e.type === 'lock.refused')
    expect(refused?.type === 'lock.refused' && refused.holder).toMatch(
      new RegExp(`runbook slow-fix \\(fix hold, run ${aStarted?.type === 'run.started' ? aStarted.runId : '?'}\\) since \\d{4}-`),
    )
    expect(events(b.stdout).some((e) => e.type === 'fix.applied')).toBe(false)
    expect(await aExit).toBe(5)
  }, 60_000)

  it('a plan approved, then the host changed before apply: the engine re-plans and asks again', async () => {
    const file = join(web1().home, 'app.conf')
    writeFileSync(file, 'value = old\n')
    const io = {
      stdout: process.stdout,
      stderr: process.stderr,
      stdin: process.stdin,
      env: lab.env,
      cwd: process.cwd(),
      signal: new AbortController().signal,
    }
    const executors = chooseExecutors({ local: false }, io)
    const seen: RunEvent[] = []
    const asked: string[] = []
    try {
      const summary = await runRunbook(loadRunbook('fixtures/runbooks/valid/write-config.yaml'), {
        params: { host: 'web1', path: '/root/app.conf', value: 'on' },
        mode: 'apply',
        executors,
        approver: {
          approve: async (req) => {
            asked.push(req.plan.hash)
            // A colleague edits the file between our approval and our apply.
            if (asked.length === 1) writeFileSync(file, 'value = tampered\n')
            return { approved: true, by: 'test' }
          },
        },
        onEvent: (e) => seen.push(e),
      })
      expect(summary.exitCode).toBe(5)
    } finally {
      await executors.close()
    }
    expect(asked.length).toBe(2)
    expect(asked[0]).not.toBe(asked[1])
    const replanned = seen.find((e) => e.type === 'fix.replanned')
    expect(replanned).toMatchObject({ from: asked[0], to: asked[1] })
    expect(replanned?.type === 'fix.replanned' && replanned.plan.files[0]?.diff).toContain('-value = tampered')
    expect(seen.find((e) => e.type === 'fix.applied')).toMatchObject({ planHash: asked[1] })
    // The backup holds what the host had at apply time, not at plan time.
    const backup = seen.find((e) => e.type === 'fix.backup')
    const backupPath = backup?.type === 'fix.backup' ? backup.files[0]?.backup : null
    expect(backupPath).toMatch(/^\/root\/\.runbook\/backups\//)
    expect(readFileSync(join(web1().home, backupPath!.slice('/root/'.length)), 'utf8')).toBe('value = tampered\n')
    expect(readFileSync(file, 'utf8')).toBe('# managed by runbook\nvalue = on\n')
  }, 60_000)

  it('a failed pre-flight check refuses the fix (exit 9) and changes nothing', async () => {
    const file = join(web1().home, 'app.conf')
    writeFileSync(file, 'value = old\n')
    writeFileSync(`${file}.lock`, '')
    try {
      const r = await cli(
        ['run', 'fixtures/runbooks/valid/write-config.yaml', '--host', 'web1', '-p', 'path=/root/app.conf', '--apply', '--yes', '--json'],
        { env: lab.env },
      )
      expect(r.code).toBe(9)
      const ev = events(r.stdout)
      expect(ev.find((e) => e.type === 'fix.refused')).toMatchObject({ reason: '/root/app.conf.lock exists: someone is editing the file' })
      expect(ev.filter((e) => e.type === 'command.started' && e.spec.mutating)).toEqual([])
      expect(readFileSync(file, 'utf8')).toBe('value = old\n')
    } finally {
      rmSync(`${file}.lock`, { force: true })
    }
    expect(existsSync(join(web1().home, '.runbook', 'lock'))).toBe(false)
  }, 60_000)
})
