/**
 * Timed-out commands must not keep running on the host (issue 8, item 5). Closing the channel does
 * not stop a command on an OpenSSH server, and its 'signal' request is refused for root logins, so
 * before the fix every timed-out `sleep` stayed on web1. Each case looks at the processes of web1's
 * own PID namespace for a unique command line, after the executor gave up on it.
 */
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SshExecutorFactory } from '../../src/executors/pool.ts'
import { SshConfigFile } from '../../src/executors/ssh-config.ts'
import { withSudo } from '../../src/shared/quote.ts'
import { loadInventory } from '../../src/inventory/load.ts'
import type { CommandSpec } from '../../src/types.ts'
import { announceSkip, startLab, type TestLab } from '../helpers/lab.ts'
import { hostProcesses, type HostProcess } from '../helpers/lab-procs.ts'

const skip = announceSkip('remote-timeout.int.test.ts')
const ROOT = '/run/runbook-lab-test-x8exec-kill'

let seq = 0
/** A `sleep` no other test or run could start: its argument is unique (sleep takes fractions). */
const marker = (): string => `sleep 1002.${process.pid}${++seq}`

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

describe.skipIf(skip)('timed-out and abandoned commands end on the host', () => {
  let lab: TestLab
  let factory: SshExecutorFactory
  const spec = (command: string, timeoutMs: number, sudo = false): CommandSpec => ({
    host: 'web1',
    command,
    sudo,
    timeoutMs,
    mutating: false,
  })

  beforeAll(async () => {
    lab = await startLab(ROOT, 'healthy', 'x8exec-kill')
    factory = new SshExecutorFactory({ inventory: loadInventory(lab.inventory), agent: null, sshConfig: new SshConfigFile('') })
  })

  afterAll(async () => {
    await factory?.close()
    await lab?.down()
    rmSync(ROOT, { recursive: true, force: true })
  })

  /**
   * web1's processes whose command line contains `text`: the command itself, and the shells and
   * watcher forked from the script that holds it (a fork keeps its parent's command line).
   */
  const running = (text: string): HostProcess[] => hostProcesses(lab, 'web1').filter((p) => p.cmdline.includes(text))
  /** Only the command itself. */
  const exactly = (cmd: string): HostProcess[] => hostProcesses(lab, 'web1').filter((p) => p.cmdline === cmd)

  /** Wait up to `ms` for every web1 process matching `text` to end; returns those still there. */
  async function left(text: string, ms = 3000): Promise<HostProcess[]> {
    const deadline = Date.now() + ms
    for (;;) {
      const procs = running(text)
      if (procs.length === 0 || Date.now() > deadline) return procs
      await sleep(50)
    }
  }

  async function until(what: string, check: () => boolean, ms = 5000): Promise<void> {
    const deadline = Date.now() + ms
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
      await sleep(25)
    }
  }

  it('runbook exec --timeout: returns in time, and the command is gone from web1', async () => {
    const cmd = marker()
    const t0 = performance.now()
    const r = spawnSync('node', ['bin/runbook.js', 'exec', 'web1', '--inventory', lab.inventory, '--timeout', '1s', '--json', '--', cmd], {
      env: lab.env,
      encoding: 'utf8',
      timeout: 30_000,
    })
    expect(r.status).toBe(3)
    expect(performance.now() - t0).toBeLessThan(6000)
    const doc = JSON.parse(r.stdout) as { hosts: { result?: { timedOut: boolean } }[] }
    expect(doc.hosts[0]?.result?.timedOut).toBe(true)
    expect(await left(cmd)).toEqual([])
  })

  it.each([false, true])('a timed-out command and every process it started end (sudo: %s)', async (sudo) => {
    // A background job, a subshell and a pipeline: the whole process group must go.
    const a = marker()
    const b = marker()
    const timed = await factory.executor('web1').exec(spec(`${a} & (${b}) | cat; wait`, 700, sudo))
    expect(timed.timedOut).toBe(true)
    expect(await left(a)).toEqual([])
    expect(await left(b)).toEqual([])
  })

  it('the kill is per command: a slow neighbour on the same connection keeps running', async () => {
    const slow = marker()
    const ac = new AbortController()
    const neighbour = factory.executor('web1').exec(spec(slow, 60_000), ac.signal)
    try {
      await until(`${slow} on web1`, () => exactly(slow).length > 0)
      const quick = marker()
      expect((await factory.executor('web1').exec(spec(quick, 300))).timedOut).toBe(true)
      expect(await left(quick)).toEqual([])
      expect(exactly(slow)).toHaveLength(1)
    } finally {
      ac.abort()
      await neighbour.catch(() => {})
    }
    expect(await left(slow)).toEqual([])
  })

  it('control: with guarding off (RUNBOOK_SSH_GUARD_COMMANDS=0) the timed-out command stays, as it did before', async () => {
    const bare = new SshExecutorFactory({
      inventory: loadInventory(lab.inventory),
      agent: null,
      sshConfig: new SshConfigFile(''),
      guardCommands: 0,
    })
    const cmd = marker()
    try {
      expect((await bare.executor('web1').exec(spec(cmd, 300))).timedOut).toBe(true)
      await sleep(500)
      expect(exactly(cmd)).toHaveLength(1) // what this file's other checks would see without the fix
    } finally {
      for (const p of running(cmd)) process.kill(p.pid, 'SIGKILL')
      await bare.close()
    }
  })

  it('an aborted command ends on the host', async () => {
    const cmd = marker()
    const ac = new AbortController()
    const p = factory.executor('web1').exec(spec(cmd, 60_000), ac.signal)
    await until(`${cmd} on web1`, () => running(cmd).length > 0)
    ac.abort()
    await expect(p).rejects.toMatchObject({ kind: 'aborted' })
    expect(await left(cmd)).toEqual([])
  })

  it('a command whose runbook process dies (SIGKILL) ends on the host', async () => {
    const cmd = marker()
    const child = spawn('node', ['bin/runbook.js', 'exec', 'web1', '--inventory', lab.inventory, '--timeout', '60s', '--', cmd], {
      env: lab.env,
      stdio: 'ignore',
    })
    try {
      await until(`${cmd} on web1`, () => running(cmd).length > 0, 15_000)
      child.kill('SIGKILL')
      // The kernel closes our TCP connection; the bastion's sshd then closes the forwarded one.
      expect(await left(cmd, 5000)).toEqual([])
    } finally {
      child.kill('SIGKILL')
    }
  })

  it('a command that ended normally keeps its deliberate background job', async () => {
    const bg = marker()
    const r = await factory.executor('web1').exec(spec(`(${bg} >/dev/null 2>&1 &); echo started`, 5000))
    expect(r).toMatchObject({ exitCode: 0, stdout: 'started\n', timedOut: false })
    await sleep(300)
    const procs = exactly(bg)
    expect(procs).toHaveLength(1)
    for (const p of procs) process.kill(p.pid, 'SIGKILL')
  })

  // What the command sees and what we read back must not change: the same commands through the
  // bare transport of before (login shell, or `sudo ... sh -c`) and through the executor.
  const SAME = [
    'echo out; echo err >&2; exit 3',
    'kill -TERM $$',
    'sh -c "kill -SEGV \\$\\$"',
    'sleep 0.1 & wait; echo "waited $?"; jobs',
    'echo "$0"; nosuchcommand',
    'printf "a\\0b\\n" | od -c',
    'cat </dev/null; echo "cat=$?"',
    'set -- $SSH_CONNECTION; echo "$3"; echo "$RUNBOOK_HOST_DIR"',
    'ls /proc/self/fd | sort -n | tr "\\n" " "',
  ]
  it.each(
    SAME.flatMap(
      (c) =>
        [
          [c, false],
          [c, true],
        ] as const,
    ),
  )('unchanged for the command: %s (sudo: %s)', async (command, sudo) => {
    const conn = await factory.connection(factory.resolve('web1'))
    const before = await conn.exec(sudo ? withSudo(command) : command, { timeoutMs: 1500, maxOutputBytes: 1 << 20 })
    const after = await factory.executor('web1').exec(spec(command, 1500, sudo))
    const pick = (r: typeof before) => ({
      exitCode: r.exitCode,
      signal: r.signal,
      stdout: r.stdout,
      stderr: r.stderr,
      timedOut: r.timedOut,
    })
    expect(pick(after)).toEqual(pick(before))
  })

  // The keeper (remote-command.ts): the first guarded command of a connection starts it, in the
  // background, and the later ones (not through sudo) register with it instead of forking a
  // watcher each. A watcher or the keeper is a fork of a command's shell: it has that shell's
  // command line, but it is not the leader of the session sshd made for the command.
  const forks = (text: string): HostProcess[] => running(text).filter((p) => p.pid !== p.sid)
  const keepers = (): HostProcess[] => forks(': runbook keeper')
  const watchers = (): HostProcess[] => forks('while read -r _').filter((p) => !p.cmdline.includes(': runbook keeper'))
  /** The watcher forked for the command `cmd`, if it has one. */
  const watcherOf = (cmd: string): HostProcess[] => forks(cmd).filter((p) => p.cmdline.includes('while read'))

  it('a connection runs one keeper; its later commands have no watcher, and one that times out ends with all it started', async () => {
    const own = new SshExecutorFactory({ inventory: loadInventory(lab.inventory), agent: null, sshConfig: new SshConfigFile('') })
    const before = keepers().length
    try {
      expect((await own.executor('web1').exec(spec('true', 5000))).exitCode).toBe(0)
      await until('the keeper on web1', () => keepers().length === before + 1)
      const [a, b] = [marker(), marker()]
      const p = own.executor('web1').exec(spec(`${a} & (${b}) | cat; wait`, 1500))
      await until(`${a} and ${b} on web1`, () => running(a).length > 0 && running(b).length > 0)
      // Registered: no watcher process of its own (a fork keeps the command line it was forked with).
      expect(watcherOf(a)).toEqual([])
      expect((await p).timedOut).toBe(true)
      expect(await left(a)).toEqual([])
      expect(await left(b)).toEqual([])
      expect(keepers()).toHaveLength(before + 1)
    } finally {
      await own.close()
    }
    // The connection closed: its keeper saw it go (within a second), swept (nothing was running)
    // and ended.
    await until('the keeper to end', () => keepers().length === before)
  })

  it('a closed connection ends the commands registered with its keeper that still run', async () => {
    const own = new SshExecutorFactory({ inventory: loadInventory(lab.inventory), agent: null, sshConfig: new SshConfigFile('') })
    const before = keepers().length
    const cmd = marker()
    try {
      await own.executor('web1').exec(spec('true', 5000))
      await until('the keeper on web1', () => keepers().length === before + 1)
      void own
        .executor('web1')
        .exec(spec(cmd, 60_000))
        .catch(() => {})
      await until(`${cmd} on web1`, () => exactly(cmd).length === 1)
    } finally {
      await own.close()
    }
    expect(await left(cmd)).toEqual([])
    await until('the keeper to end', () => keepers().length === before)
  })

  it('with RUNBOOK_SSH_KEEPER=0 every command has its own watcher, and is still ended', async () => {
    const own = new SshExecutorFactory({
      inventory: loadInventory(lab.inventory),
      agent: null,
      sshConfig: new SshConfigFile(''),
      keeper: 0,
    })
    const before = keepers().length
    try {
      await own.executor('web1').exec(spec('true', 5000))
      const cmd = marker()
      const p = own.executor('web1').exec(spec(cmd, 1000))
      await until(`${cmd} on web1`, () => exactly(cmd).length === 1)
      expect(watcherOf(cmd)).toHaveLength(1)
      expect(keepers()).toHaveLength(before)
      expect((await p).timedOut).toBe(true)
      expect(await left(cmd)).toEqual([])
    } finally {
      await own.close()
    }
  })

  it('a runbook process SIGKILLed while its keeper runs: the command it ran ends on the host', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runbook-keeper-kill-'))
    const cmd = marker()
    const file = join(dir, 'keeper-kill.yaml')
    writeFileSync(
      file,
      [
        'apiVersion: runbook/v1',
        'name: keeper-kill',
        'summary: (test) a quick command, then one that outlives the process',
        'params:',
        '  host: { type: host, required: true }',
        'steps:',
        "  first: { run: 'true', next: long }",
        `  long: { run: '${cmd}', timeout: 60s, next: done }`,
        'outcomes:',
        '  done: { severity: ok, summary: finished }',
        '',
      ].join('\n'),
    )
    const child = spawn('node', ['bin/runbook.js', 'run', file, '--host', 'web1', '--inventory', lab.inventory], {
      env: { ...lab.env, RUNBOOK_STATE_DIR: join(dir, 'state') },
      stdio: 'ignore',
    })
    try {
      await until(`${cmd} on web1`, () => exactly(cmd).length === 1, 15_000)
      expect(watcherOf(cmd)).toEqual([]) // registered with the keeper
      child.kill('SIGKILL')
      expect(await left(cmd, 5000)).toEqual([])
    } finally {
      child.kill('SIGKILL')
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('nothing of this file is left on web1', async () => {
    expect(await left(`sleep 1002.${process.pid}`)).toEqual([])
    // No watcher either: each ended with its command.
    expect(watchers()).toEqual([])
  })
})
