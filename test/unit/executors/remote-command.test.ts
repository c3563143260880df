/**
 * The host-side watcher of remote-command.ts, run by the local bash and dash the way sshd runs an
 * exec request: `<shell> -c <command>` as the leader of a new session (setsid), stdin a pipe the
 * client holds open. Ending stdin is what sshd does when the channel closes or the connection dies.
 */
import { spawn, spawnSync } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { sshDefaults } from '../../../src/executors/pool.ts'
import { withSudo } from '../../../src/shared/quote.ts'
import {
  KEEPER_SCRIPT,
  STDIN_EOF_WATCHER,
  guardCommand,
  keeperPid,
  registeredCommand,
  remoteCommand,
} from '../../../src/executors/remote-command.ts'

const SHELLS = ['bash', 'dash'].filter((s) => spawnSync('sh', ['-c', `command -v ${s}`]).status === 0)

interface Ran {
  code: number | null
  signal: string | null
  stdout: string
  stderr: string
}

/**
 * Start like sshd does. `detached` (setsid) matters: the watcher kills its whole process group,
 * which must be the command's own, never the test runner's.
 */
function start(
  shell: string,
  script: string,
): { done: Promise<Ran>; endStdin(): void; write(text: string): void; stdout(): string; pid: number } {
  const child = spawn(shell, ['-c', script], { detached: true, stdio: ['pipe', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
  const done = new Promise<Ran>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })))
  return { done, endStdin: () => child.stdin.end(), write: (t) => child.stdin.write(t), stdout: () => stdout, pid: child.pid! }
}

async function run(shell: string, script: string): Promise<Ran> {
  const s = start(shell, script)
  const r = await s.done
  s.endStdin()
  return r
}

/** The command lines of this machine's processes, by pid. */
function commandLines(): Array<[number, string]> {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .flatMap((d): Array<[number, string]> => {
      try {
        return [[Number(d), readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ').trim()]]
      } catch {
        return []
      }
    })
}

/** Processes on this machine whose command line is exactly `cmd`. */
function processes(cmd: string): number[] {
  return commandLines().flatMap(([pid, line]) => (line === cmd ? [pid] : []))
}

/** Processes of process group `pgid` that are not zombies (a zombie waits for its reaper only). */
async function liveMembers(pgid: number, ms = 3000): Promise<number[]> {
  const list = (): number[] =>
    readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .flatMap((d) => {
        try {
          // pid (comm) state ppid pgrp ...: comm may hold spaces, so read after its closing paren.
          const f = readFileSync(`/proc/${d}/stat`, 'utf8')
            .slice(readFileSync(`/proc/${d}/stat`, 'utf8').lastIndexOf(')') + 2)
            .split(' ')
          return f[0] !== 'Z' && Number(f[2]) === pgid ? [Number(d)] : []
        } catch {
          return []
        }
      })
  const deadline = Date.now() + ms
  while (list().length > 0 && Date.now() < deadline) await sleep(20)
  return list()
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

async function gone(cmd: string, ms = 3000): Promise<number[]> {
  const deadline = Date.now() + ms
  while (processes(cmd).length > 0 && Date.now() < deadline) await sleep(20)
  return processes(cmd)
}

let n = 0
const marker = (): string => `sleep 1003.${process.pid}${++n}`

/** Commands whose outputs, status and signal must be the same guarded as bare. */
const UNCHANGED = [
  'echo out; echo err >&2; exit 3',
  'kill -TERM $$',
  'sleep 0.05 & wait; echo "waited $?"; jobs',
  'nosuchcommand-x8',
  'ls /proc/self/fd | sort -n | tr "\\n" " "',
]

describe('remoteCommand', () => {
  it('puts the watcher before the command on the same line, and runs sudo commands as sh -c inside sudo', async () => {
    expect(remoteCommand('df -h', false)).toBe(`${STDIN_EOF_WATCHER}df -h`)
    expect(guardCommand('uptime')).toBe(`${STDIN_EOF_WATCHER}uptime`)
    expect(STDIN_EOF_WATCHER).not.toContain('\n') // line numbers in the shell's messages stay the same
    const sudo = remoteCommand('echo \'a b\'; echo "$0"', true)
    expect(sudo).toMatch(/^sudo -n -- env .* sh -c '\{ \(while read/)
    expect(sudo).toContain('kill -KILL 0')
    // What sudo runs, run here (in a session of its own, like sshd does: the watcher kills its
    // process group): the command arrives intact, in a shell of its own ($0 is sh).
    const r = await run('sh', sudo.replace(/^sudo -n -- /, ''))
    expect(r).toMatchObject({ code: 0, stdout: 'a b\nsh\n' })
  })

  it('sends the command as before when guarding is off (RUNBOOK_SSH_GUARD_COMMANDS=0)', () => {
    expect(remoteCommand('df -h', false, false)).toBe('df -h')
    expect(remoteCommand('df -h', true, false)).toBe(withSudo('df -h'))
    expect(sshDefaults({}).guardCommands).toBe(1)
    expect(sshDefaults({ RUNBOOK_SSH_GUARD_COMMANDS: '0' }).guardCommands).toBe(0)
  })
})

describe.skipIf(process.platform !== 'linux' || SHELLS.length === 0).each(SHELLS)('the watcher under %s', (shell) => {
  it.each(UNCHANGED)('changes nothing the command sees: %s', async (cmd) => {
    expect(await run(shell, guardCommand(cmd))).toEqual(await run(shell, cmd))
  })

  it('kills the command and everything it started when stdin reaches EOF', async () => {
    const a = marker()
    const b = marker()
    const s = start(shell, guardCommand(`${a} & (${b}) | cat; wait`))
    const deadline = Date.now() + 3000
    while ((processes(a).length === 0 || processes(b).length === 0) && Date.now() < deadline) await sleep(20)
    expect(processes(a)).toHaveLength(1)
    s.endStdin()
    const r = await s.done
    expect(r.signal).toBe('SIGKILL')
    expect(await gone(a)).toEqual([])
    expect(await gone(b)).toEqual([])
    // The watcher went with the group: nothing alive is left in it.
    expect(await liveMembers(s.pid)).toEqual([])
  })

  it('leaves a finished command alone: its deliberate background job survives the EOF', async () => {
    const bg = marker()
    const s = start(shell, guardCommand(`(${bg} >/dev/null 2>&1 &); echo started`))
    const r = await s.done
    expect(r).toMatchObject({ code: 0, stdout: 'started\n' })
    s.endStdin()
    await sleep(200)
    const left = processes(bg)
    expect(left).toHaveLength(1)
    for (const pid of left) process.kill(pid, 'SIGKILL')
  })
})

/**
 * The keeper of remote-command.ts, run here as sshd runs it (its own session, stdin a pipe this
 * test holds), and commands registered with it, each in a session of its own like an exec request.
 */
describe.skipIf(process.platform !== 'linux' || SHELLS.length === 0).each(SHELLS)('the keeper under %s', (shell) => {
  async function keeper(): Promise<ReturnType<typeof start> & { keeper: number; said(line: string): Promise<void> }> {
    // Node gives a child a socket as stdin, and Linux cannot reopen a socket through /proc; sshd
    // gives a pipe. cat relays ours into one.
    const k = start('sh', `cat | exec ${shell} -c '${KEEPER_SCRIPT.replace(/'/g, `'\\''`)}'`)
    const said = async (line: string): Promise<void> => {
      const deadline = Date.now() + 3000
      while (!k.stdout().split('\n').includes(line)) {
        if (Date.now() > deadline) throw new Error(`the keeper did not say '${line}' (it said: ${JSON.stringify(k.stdout())})`)
        await sleep(10)
      }
    }
    const deadline = Date.now() + 3000
    while (keeperPid(k.stdout().split('\n')[0] ?? '') === undefined) {
      if (Date.now() > deadline) throw new Error(`no keeper line: ${JSON.stringify(k.stdout())}`)
      await sleep(10)
    }
    const pid = keeperPid(k.stdout().split('\n')[0]!)!
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).toContain(': runbook keeper')
    return { ...k, keeper: pid, said }
  }

  async function until(what: string, check: () => boolean, ms = 3000): Promise<void> {
    const deadline = Date.now() + ms
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
      await sleep(10)
    }
  }

  it.each([...UNCHANGED, 'echo "$0 $?"'])('changes nothing the command sees: %s', async (cmd) => {
    const k = await keeper()
    try {
      expect(await run(shell, registeredCommand(cmd, k.keeper, 1))).toEqual(await run(shell, cmd))
    } finally {
      k.endStdin()
      await k.done
    }
  })

  it('kills a registered command and everything it started when asked (k TOKEN), and only that one', async () => {
    const k = await keeper()
    const [a, b, c] = [marker(), marker(), marker()]
    const s = start(shell, registeredCommand(`${a} & (${b}) | cat; wait`, k.keeper, 7))
    const other = start(shell, registeredCommand(c, k.keeper, 8))
    await until('both commands', () => processes(a).length + processes(b).length + processes(c).length === 3)
    k.write('k 7\n')
    await k.said('k 7 killed')
    expect((await s.done).signal).toBe('SIGKILL')
    expect(await gone(a)).toEqual([])
    expect(await gone(b)).toEqual([])
    expect(await liveMembers(s.pid)).toEqual([])
    expect(processes(c)).toHaveLength(1)
    k.write('k 8\n')
    await k.said('k 8 killed')
    expect(await gone(c)).toEqual([])
    k.write('k 8\n') // already done: nothing is registered as 8 any more
    await k.said('k 8 unknown')
    k.endStdin()
    expect(await k.done).toMatchObject({ code: 0, signal: null })
  })

  it('a kill asked before the command registered is carried out when it registers', async () => {
    const k = await keeper()
    k.write('k 3\n')
    await k.said('k 3 unknown')
    const a = marker()
    const s = start(shell, registeredCommand(a, k.keeper, 3))
    expect((await s.done).signal).toBe('SIGKILL')
    await k.said('k 3 killed')
    expect(await gone(a)).toEqual([])
    k.endStdin()
    await k.done
  })

  it('at EOF (the connection went) kills the commands still running, and leaves the background job of one that ended', async () => {
    const k = await keeper()
    const [a, bg] = [marker(), marker()]
    const finished = start(shell, registeredCommand(`(${bg} >/dev/null 2>&1 &); echo started`, k.keeper, 1))
    expect(await finished.done).toMatchObject({ code: 0, stdout: 'started\n' })
    const running = start(shell, registeredCommand(a, k.keeper, 2))
    await until(a, () => processes(a).length === 1)
    k.endStdin()
    expect((await running.done).signal).toBe('SIGKILL')
    expect(await gone(a)).toEqual([])
    const left = processes(bg)
    expect(left).toHaveLength(1)
    for (const pid of left) process.kill(pid, 'SIGKILL')
    expect(await k.done).toMatchObject({ code: 0 })
  })

  it("loses no registration that arrives while it reads another command's /proc entry", async () => {
    // The keeper reads /proc/PID/stat through its own stdin (a redirection of fd 0): a command
    // registering through /proc/KEEPER/fd/0 (as it used to) at that moment wrote into that stat
    // file instead (EINVAL, or EACCES for a user) and was left unguarded. Commands that start
    // together race just so.
    const k = await keeper()
    const count = 100
    const cmds = Array.from({ length: count }, () => marker())
    const started = cmds.map((cmd, i) => start(shell, registeredCommand(cmd, k.keeper, i + 1)))
    try {
      await until(
        `${count} commands`,
        () => {
          const running = new Set(commandLines().map(([, line]) => line))
          return cmds.every((cmd) => running.has(cmd))
        },
        15_000,
      )
      k.write(cmds.map((_, i) => `k ${i + 1}\n`).join(''))
      await k.said(`k ${count} killed`)
      const answers = k
        .stdout()
        .split('\n')
        .filter((l) => l.startsWith('k '))
      expect(answers.filter((l) => !l.endsWith(' killed'))).toEqual([])
      expect(answers).toHaveLength(count)
    } finally {
      for (const s of started) {
        try {
          process.kill(-s.pid, 'SIGKILL')
        } catch {
          // already gone
        }
      }
      k.endStdin()
      await k.done
    }
  })

  it('ignores lines it cannot read, and a pid that is not running', async () => {
    const k = await keeper()
    k.write('hello\n+ x 12\n+ 4 12abc\n; rm -rf /tmp/nothing\n+ 5 $(id)\nk\n\n')
    k.write(`+ 6 ${2 ** 22 + 1}\nk 6\n`) // above pid_max: no such process
    await k.said('k 6 gone')
    k.write('k 4\n')
    await k.said('k 4 unknown')
    k.endStdin()
    expect(await k.done).toMatchObject({ code: 0, stderr: '' })
  })

  it('forgets ended commands as it goes, so a long-lived connection does not grow it', async () => {
    const k = await keeper()
    for (let i = 1; i <= 130; i++) await run(shell, registeredCommand('true', k.keeper, i))
    const a = marker()
    const s = start(shell, registeredCommand(a, k.keeper, 131))
    await until(a, () => processes(a).length === 1)
    k.write('k 131\nk 2\n')
    await k.said('k 131 killed')
    await k.said('k 2 unknown') // pruned: it had ended
    expect((await s.done).signal).toBe('SIGKILL')
    k.endStdin()
    await k.done
  })

  it.each([
    ['a socket (sshds that use socketpairs)', 'pipe'],
    ['/dev/null', 'ignore'],
  ] as const)('does not start where its stdin is %s: it says so, and exits', (_, stdin) => {
    const r = spawnSync(shell, ['-c', KEEPER_SCRIPT], { stdio: [stdin, 'pipe', 'pipe'], encoding: 'utf8' })
    expect(r).toMatchObject({ status: 0, stdout: 'keeper unavailable\n', stderr: '' })
  })

  it('refuses a bad keeper pid or token in the command it writes', () => {
    expect(() => registeredCommand('true', 0, 1)).toThrow(/bad keeper/)
    expect(() => registeredCommand('true', 12, -1)).toThrow(/bad keeper/)
    expect(registeredCommand('df -h', 4242, 7)).toBe("{ printf '+ 7 %s\\n' $$ >/proc/4242/fd/3; } 2>/dev/null || :; df -h")
  })
})
