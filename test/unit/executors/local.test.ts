import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ExecError } from '../../../src/errors.ts'
import { createLocalExecutorFactory, LocalExecutor } from '../../../src/executors/local.ts'
import { LocalProber } from '../../../src/executors/probe.ts'
import { quote } from '../../../src/shared/quote.ts'
import type { CommandSpec } from '../../../src/types.ts'

const dir = mkdtempSync(join(tmpdir(), 'runbook-local-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function spec(command: string, over: Partial<CommandSpec> = {}): CommandSpec {
  return { host: 'local', command, sudo: false, timeoutMs: 10_000, mutating: false, ...over }
}

/** Alive = signal 0 succeeds and the process is not a zombie waiting for a reaper that may not exist. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z'
  } catch {
    return false
  }
}

/** Signal delivery and reaping are asynchronous: give the kernel a moment before judging. */
async function waitDead(pid: number, withinMs = 2000): Promise<boolean> {
  const end = Date.now() + withinMs
  while (Date.now() < end) {
    if (!isAlive(pid)) return true
    await new Promise((r) => setTimeout(r, 25))
  }
  return !isAlive(pid)
}

function readPid(file: string): number {
  const pid = Number(readFileSync(file, 'utf8').trim())
  expect(Number.isInteger(pid) && pid > 1).toBe(true)
  return pid
}

describe('LocalExecutor', () => {
  const local = new LocalExecutor()

  it('returns stdout, stderr and the exit code of a failing command as a result', async () => {
    const r = await local.exec(spec('echo out; echo err >&2; exit 3'))
    expect(r).toMatchObject({ exitCode: 3, signal: null, stdout: 'out\n', stderr: 'err\n', timedOut: false, truncated: false })
    expect(r.durationMs).toBeGreaterThanOrEqual(0)
    expect(r.durationMs).toBeLessThan(5000)
  })

  it('reports 127 for a command that does not exist', async () => {
    const r = await local.exec(spec('definitely-not-a-command-xyz'))
    expect(r.exitCode).toBe(127)
    // The wording varies ("not found", or "Permission denied" when PATH has an unreadable dir).
    expect(r.stderr).toContain('definitely-not-a-command-xyz')
  })

  it('forces LC_ALL=C and inherits the rest of the environment', async () => {
    process.env.RUNBOOK_TEST_INHERIT = 'yes'
    try {
      const r = await local.exec(spec('printf "%s %s" "$LC_ALL" "$RUNBOOK_TEST_INHERIT"'))
      expect(r.stdout).toBe('C yes')
    } finally {
      delete process.env.RUNBOOK_TEST_INHERIT
    }
  })

  it('closes stdin, so a command reading it ends at once', async () => {
    const r = await local.exec(spec('cat; echo "rc=$?"', { timeoutMs: 2000 }))
    expect(r.timedOut).toBe(false)
    expect(r.stdout).toBe('rc=0\n')
  })

  it('passes shell syntax through as is (quoting is done by the engine)', async () => {
    const r = await local.exec(spec(`printf '%s' ${quote("it's; rm -rf /")} | wc -c`))
    expect(r.stdout.trim()).toBe(String("it's; rm -rf /".length))
  })

  it('runs sudo commands directly as root (sudo may not even be installed)', async (ctx) => {
    if (process.getuid?.() !== 0) {
      console.warn('SKIPPED: LocalExecutor root sudo path needs root')
      ctx.skip()
    }
    const r = await local.exec(spec('id -u', { sudo: true }))
    expect(r.exitCode).toBe(0)
    expect(r.stdout.trim()).toBe('0')
  })

  it('kills the whole process group on timeout: the shell and its children', async () => {
    const childPid = join(dir, 'timeout-child.pid')
    const shellPid = join(dir, 'timeout-shell.pid')
    const r = await local.exec(spec(`echo $$ > ${shellPid}; sleep 5 & echo $! > ${childPid}; wait`, { timeoutMs: 200 }))
    expect(r.timedOut).toBe(true)
    expect(r.exitCode).toBeNull()
    expect(r.signal).toBe('TERM')
    expect(r.durationMs).toBeGreaterThanOrEqual(190)
    expect(r.durationMs).toBeLessThan(2000)
    expect(await waitDead(readPid(shellPid))).toBe(true)
    expect(await waitDead(readPid(childPid))).toBe(true)
  })

  it('escalates to SIGKILL when the command ignores SIGTERM', async () => {
    const exec = new LocalExecutor({ killGraceMs: 200 })
    const childPid = join(dir, 'stubborn.pid')
    // An ignored signal stays ignored across exec, so sleep ignores SIGTERM too.
    const r = await exec.exec(spec(`trap '' TERM; sleep 5 & echo $! > ${childPid}; wait`, { timeoutMs: 200 }))
    expect(r.timedOut).toBe(true)
    expect(r.exitCode).toBeNull()
    expect(r.signal).toBe('KILL')
    expect(r.durationMs).toBeGreaterThanOrEqual(380)
    expect(r.durationMs).toBeLessThan(2500)
    expect(await waitDead(readPid(childPid))).toBe(true)
  })

  it('caps stdout at 8 MiB by default and says it truncated', async () => {
    const r = await local.exec(spec('yes | head -c 20000000'))
    expect(r.exitCode).toBe(0)
    expect(r.timedOut).toBe(false)
    expect(r.truncated).toBe(true)
    expect(Buffer.byteLength(r.stdout)).toBe(8 * 1024 * 1024)
    expect(r.stdout.startsWith('y\ny\n')).toBe(true)
  })

  it('honours a smaller cap, per stream', async () => {
    const exec = new LocalExecutor({ maxOutputBytes: 1000 })
    const r = await exec.exec(spec('yes | head -c 5000; echo short >&2'))
    expect(r.stdout.length).toBe(1000)
    expect(r.stderr).toBe('short\n')
    expect(r.truncated).toBe(true)
    const small = await exec.exec(spec('printf 12345'))
    expect(small.truncated).toBe(false)
  })

  it('rejects with ExecError aborted on abort, and the command is gone', async () => {
    const childPid = join(dir, 'abort.pid')
    const controller = new AbortController()
    const started = Date.now()
    const pending = local.exec(spec(`sleep 5 & echo $! > ${childPid}; wait`), controller.signal)
    setTimeout(() => controller.abort(), 150)
    const err = await pending.then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(ExecError)
    expect((err as ExecError).kind).toBe('aborted')
    expect((err as ExecError).host).toBe('local')
    expect(Date.now() - started).toBeLessThan(2000)
    expect(await waitDead(readPid(childPid))).toBe(true)
  })

  it('refuses to start when the signal is already aborted', async () => {
    const marker = join(dir, 'must-not-exist')
    const err = await local.exec(spec(`touch ${marker}`), AbortSignal.abort()).catch((e: unknown) => e)
    expect((err as ExecError).kind).toBe('aborted')
    await new Promise((r) => setTimeout(r, 100))
    expect(() => readFileSync(marker)).toThrow()
  })

  it('rejects with spawn-failed when the shell cannot be started', async () => {
    const exec = new LocalExecutor({ shell: join(dir, 'no-such-shell') })
    const err = await exec.exec(spec('true')).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ExecError)
    expect((err as ExecError).kind).toBe('spawn-failed')
    expect((err as ExecError).detail.code).toBe('ENOENT')
  })

  it('does not wait for a background process that keeps the output pipe open', async () => {
    const r = await local.exec(spec('sleep 3 & echo $!', { timeoutMs: 2500 }))
    const pid = Number(r.stdout.trim())
    try {
      expect(r.exitCode).toBe(0)
      expect(r.timedOut).toBe(false)
      expect(r.durationMs).toBeLessThan(1500)
      // Finished in time, so the group is left alone: the background job keeps running.
      expect(isAlive(pid)).toBe(true)
    } finally {
      if (isAlive(pid)) process.kill(pid, 'SIGKILL')
    }
  })

  it('close() stops commands still running', async () => {
    const exec = new LocalExecutor({ killGraceMs: 200 })
    const childPid = join(dir, 'close.pid')
    const pending = exec.exec(spec(`sleep 5 & echo $! > ${childPid}; wait`))
    await new Promise((r) => setTimeout(r, 150))
    const started = Date.now()
    await exec.close()
    const r = await pending
    expect(Date.now() - started).toBeLessThan(1500)
    expect(r.exitCode).toBeNull()
    expect(r.signal).toBe('TERM')
    expect(await waitDead(readPid(childPid))).toBe(true)
  })
})

describe('createLocalExecutorFactory', () => {
  it('runs every host here, and probes with the LocalProber', async () => {
    const factory = createLocalExecutorFactory({ maxOutputBytes: 10 })
    try {
      expect(factory.executor('web1')).toBe(factory.executor('db1'))
      expect(factory.prober).toBeInstanceOf(LocalProber)
      const r = await factory.executor('web1').exec(spec('printf 0123456789abcdef', { host: 'web1' }))
      expect(r.stdout).toBe('0123456789')
      expect(r.truncated).toBe(true)
    } finally {
      await factory.close()
    }
  })
})
