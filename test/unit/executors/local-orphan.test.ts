/**
 * A command the local executor started dies with the process that started it: a SIGKILLed
 * `runbook serve` must not leave an apply running behind the run it resumes (service/journal.ts).
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'

let dir: string | undefined
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
  dir = undefined
})

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('local executor: commands die with their process', () => {
  it('SIGKILL of the process that ran the command kills its whole process group; a finished command leaves its background job alone', async () => {
    dir = mkdtempSync(join(tmpdir(), 'rb-orphan-'))
    const pidFile = join(dir, 'pid')
    const late = join(dir, 'late')
    const kept = join(dir, 'kept')
    const script = `
      import { createLocalExecutorFactory } from ${JSON.stringify(resolve('src/executors/local.ts'))}
      const e = createLocalExecutorFactory().executor('local')
      // A finished command's deliberate background job (setsid: own session) must survive.
      await e.exec({ host: 'local', command: 'setsid sh -c "sleep 1; echo kept > ${kept}" </dev/null >/dev/null 2>&1 &', sudo: false, timeoutMs: 10000, mutating: true })
      e.exec({ host: 'local', command: 'echo $$ > ${pidFile}; sleep 30; echo late > ${late}', sudo: false, timeoutMs: 60000, mutating: true })
    `
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: 'ignore' })
    const end = Date.now() + 15_000
    while (!existsSync(pidFile) || readFileSync(pidFile, 'utf8').trim() === '') {
      if (Date.now() > end) throw new Error('the command never started')
      await new Promise((r) => setTimeout(r, 20))
    }
    const shell = Number(readFileSync(pidFile, 'utf8').trim())
    expect(alive(shell)).toBe(true)
    const gone = new Promise((r) => child.once('exit', r))
    process.kill(child.pid!, 'SIGKILL')
    await gone
    const until = Date.now() + 3000
    while (alive(shell) && Date.now() < until) await new Promise((r) => setTimeout(r, 20))
    expect(alive(shell)).toBe(false)
    await new Promise((r) => setTimeout(r, 1200))
    expect(existsSync(late)).toBe(false)
    expect(readFileSync(kept, 'utf8')).toBe('kept\n')
  })
})
