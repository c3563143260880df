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
  STDIN_EOF_WATCHER,
  findKeeper,
  guardCommand,
  keeperKill,
  keptCommand,
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
): { done: Promise<Ran>; endStdin(): void; write(text: string): void; stdout(): string; stderr(): string; pid: number } {
  const child = spawn(shell, ['-c', script], { detached: true, stdio: ['pipe', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
  const done = new Promise<Ran>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })))
  return {
    done,
    endStdin: () => child.stdin.end(),
    write: (t) => child.stdin.write(t),
    stdout: () => stdout,
    stderr: () => stderr,
    pid: child.pid!,
  }
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
 * The keeper of remote-command.ts. A `sh` stands in for sshd's process of the connection: it
 * starts the first command (keptCommand) as its child, the leader of a session of its own (setsid)
 * with a pipe as stdin (cat relays ours: Node gives a child a socket, which Linux cannot reopen
 * through /proc), then stays (`exec sleep`). Killing it is the connection going away. Later
 * commands run in sessions of their own, as exec requests do.
 */
describe.skipIf(process.platform !== 'linux' || !SHELLS.includes('bash'))('the keeper', () => {
  const q = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`

  /** A connection whose first command is `command`; resolves once its keeper said its pid. */
  async function connection(command: string): Promise<{
    first: ReturnType<typeof start>
    keeper: number
    /** The first command's stderr, without the keeper's line. */
    firstStderr(): string
    close(): void
  }> {
    const nonce = `t${process.pid}x${++n}`
    const first = start('sh', `cat | setsid bash -c ${q(keptCommand(command, nonce))}; exec sleep 600`)
    const deadline = Date.now() + 3000
    let found: ReturnType<typeof findKeeper>
    while (!(found = findKeeper(first.stderr(), nonce))) {
      if (Date.now() > deadline) throw new Error(`no keeper line: ${JSON.stringify(first.stderr())}`)
      await sleep(10)
    }
    const line = found.line
    const pid = found.pid
    // A fork of the first command's shell until it execs the keeper's own bash.
    await until('the keeper', () => /^\S*bash\0-c\0: runbook keeper/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8')))
    return {
      first,
      keeper: found.pid,
      firstStderr: () => first.stderr().replace(line, ''),
      close: () => {
        try {
          process.kill(first.pid, 'SIGKILL')
        } catch {
          // already gone
        }
      },
    }
  }

  async function until(what: string, check: () => boolean, ms = 3000): Promise<void> {
    const deadline = Date.now() + ms
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
      await sleep(10)
    }
  }

  const alive = (pid: number): boolean => {
    try {
      process.kill(pid, 0)
      return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ')
    } catch {
      return false
    }
  }

  it.each([...UNCHANGED, 'echo "$0 $?"'])('changes nothing the first command sees: %s', async (cmd) => {
    const c = await connection(cmd)
    try {
      c.first.endStdin()
      await until('the first command', () => !processes(cmd).length)
      const bare = start('sh', `cat | setsid bash -c ${q(cmd)}`)
      bare.endStdin()
      const expected = await bare.done
      await until('its output', () => c.first.stdout() === expected.stdout && c.firstStderr() === expected.stderr)
    } finally {
      c.close()
    }
  })

  it.each([...UNCHANGED, 'echo "$0 $?"'])('changes nothing a registered command sees: %s', async (cmd) => {
    const c = await connection('true')
    try {
      expect(await run('bash', registeredCommand(cmd, c.keeper, 1))).toEqual(await run('bash', cmd))
    } finally {
      c.close()
    }
  })

  it('outlives the first command in a process group of its own, and kills a registered command when asked, with all it started, and only that one', async () => {
    const c = await connection('true')
    try {
      const stat = readFileSync(`/proc/${c.keeper}/stat`, 'utf8')
      expect(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2])).toBe(c.keeper) // its own process group
      await sleep(300) // `true` has ended by now
      const [a, b, other] = [marker(), marker(), marker()]
      const s = start('bash', registeredCommand(`${a} & (${b}) | cat; wait`, c.keeper, 7))
      const o = start('bash', registeredCommand(other, c.keeper, 8))
      await until('the commands', () => processes(a).length + processes(b).length + processes(other).length === 3)
      expect((await run('bash', keeperKill(c.keeper, 7))).code).toBe(0)
      expect((await s.done).signal).toBe('SIGKILL')
      expect(await gone(a)).toEqual([])
      expect(await gone(b)).toEqual([])
      expect(await liveMembers(s.pid)).toEqual([])
      expect(processes(other)).toHaveLength(1)
      expect(alive(c.keeper)).toBe(true)
      await run('bash', keeperKill(c.keeper, 8))
      expect((await o.done).signal).toBe('SIGKILL')
    } finally {
      c.close()
    }
  })

  it('a kill asked before the command registered is carried out when it registers', async () => {
    const c = await connection('true')
    try {
      await run('bash', keeperKill(c.keeper, 3))
      const a = marker()
      const s = start('bash', registeredCommand(a, c.keeper, 3))
      expect((await s.done).signal).toBe('SIGKILL')
      expect(await gone(a)).toEqual([])
    } finally {
      c.close()
    }
  })

  it('the connection gone: kills the commands still running, leaves the background job of one that ended, and ends', async () => {
    const c = await connection('true')
    const [a, bg] = [marker(), marker()]
    try {
      const finished = start('bash', registeredCommand(`(${bg} >/dev/null 2>&1 &); echo started`, c.keeper, 1))
      expect(await finished.done).toMatchObject({ code: 0, stdout: 'started\n' })
      const running = start('bash', registeredCommand(a, c.keeper, 2))
      await until(a, () => processes(a).length === 1)
      c.close()
      expect((await running.done).signal).toBe('SIGKILL')
      expect(await gone(a)).toEqual([])
      await until('the keeper to end', () => !alive(c.keeper))
      expect(processes(bg)).toHaveLength(1)
    } finally {
      c.close()
      for (const pid of processes(bg)) process.kill(pid, 'SIGKILL')
    }
  })

  it('kills the first command, with all it started, when its stdin ends while it runs; then goes on guarding the others', async () => {
    const [a, b, later] = [marker(), marker(), marker()]
    const c = await connection(`${a} & (${b}) | cat; wait`)
    try {
      await until('the first command', () => processes(a).length + processes(b).length === 2)
      c.first.endStdin() // what sshd does when the client gives up on the command
      expect(await gone(a)).toEqual([])
      expect(await gone(b)).toEqual([])
      expect(alive(c.keeper)).toBe(true)
      const s = start('bash', registeredCommand(later, c.keeper, 1))
      await until(later, () => processes(later).length === 1)
      c.close()
      expect((await s.done).signal).toBe('SIGKILL')
    } finally {
      c.close()
    }
  })

  it('loses no registration among 100 commands that start at once', async () => {
    const c = await connection('true')
    const count = 100
    const cmds = Array.from({ length: count }, () => marker())
    const started = cmds.map((cmd, i) => start('bash', registeredCommand(cmd, c.keeper, i + 1)))
    try {
      await until(
        `${count} commands`,
        () => {
          const running = new Set(commandLines().map(([, line]) => line))
          return cmds.every((cmd) => running.has(cmd))
        },
        15_000,
      )
      await run('bash', cmds.map((_, i) => keeperKill(c.keeper, i + 1)).join('; '))
      const ends = await Promise.all(started.map((s) => s.done))
      expect(ends.filter((r) => r.signal !== 'SIGKILL')).toEqual([])
    } finally {
      for (const s of started) {
        try {
          process.kill(-s.pid, 'SIGKILL')
        } catch {
          // already gone
        }
      }
      c.close()
    }
  })

  it('ignores lines it cannot read and pids that are not running, and goes on', async () => {
    const c = await connection('true')
    try {
      const junk = ['hello', '+ x 12', '+ 4 12abc', '; rm -rf /tmp/nothing', '+ 5 $(id)', 'k', '', `+ 6 ${2 ** 22 + 1}`, 'k 6', 'k 4']
      expect((await run('bash', `printf '%s\\n' ${junk.map(q).join(' ')} >/proc/${c.keeper}/fd/4`)).code).toBe(0)
      const a = marker()
      const s = start('bash', registeredCommand(a, c.keeper, 9))
      await until(a, () => processes(a).length === 1)
      await run('bash', keeperKill(c.keeper, 9))
      expect((await s.done).signal).toBe('SIGKILL')
    } finally {
      c.close()
    }
  })

  it('a command that cannot register (its keeper is gone) starts a watcher of its own', async () => {
    const c = await connection('true')
    c.close()
    await until('the keeper to end', () => !alive(c.keeper))
    const a = marker()
    const s = start('sh', `cat | setsid bash -c ${q(registeredCommand(a, c.keeper, 1))}`)
    try {
      await until(a, () => processes(a).length === 1)
      s.endStdin()
      expect(await gone(a)).toEqual([])
    } finally {
      s.endStdin()
    }
  })

  it.each([
    ['dash, not bash', (cmd: string) => start('sh', `cat | setsid dash -c ${q(cmd)}`)],
    // Node gives the child a socket as stdin.
    ['a stdin that is a socket (sshds that use socketpairs)', (cmd: string) => start('bash', cmd)],
  ] as const)('starts no keeper under %s: no line, and the first command has its own watcher', async (_, startIt) => {
    if (!SHELLS.includes('dash')) return
    const a = marker()
    const s = startIt(keptCommand(`echo ok; ${a}`, 'nonce1'))
    try {
      await until(a, () => processes(a).length === 1)
      expect(s.stderr()).toBe('')
      s.endStdin()
      expect(await gone(a)).toEqual([])
      expect((await s.done).stdout).toBe('ok\n')
    } finally {
      s.endStdin()
    }
  })

  it('refuses a bad keeper pid, token or nonce in the commands it writes', () => {
    expect(() => registeredCommand('true', 0, 1)).toThrow(/bad keeper/)
    expect(() => registeredCommand('true', 12, -1)).toThrow(/bad keeper/)
    expect(() => keeperKill(12.5, 1)).toThrow(/bad keeper/)
    expect(() => keptCommand('true', "x'; rm -rf /")).toThrow(/bad nonce/)
    expect(registeredCommand('df -h', 4242, 7)).toMatch(
      /^\{ printf '\+ 7 %s\\n' \$\$ >\/proc\/4242\/fd\/4; \} 2>\/dev\/null \|\| \{ .* \}; df -h$/,
    )
    expect(findKeeper('motd\n\x1erunbook-keeper abc 123\nerr', 'abc')).toEqual({ pid: 123, line: '\x1erunbook-keeper abc 123\n' })
    expect(findKeeper('\x1erunbook-keeper abc 123\n', 'abd')).toBeUndefined()
  })
})
