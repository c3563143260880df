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
import { STDIN_EOF_WATCHER, guardCommand, remoteCommand } from '../../../src/executors/remote-command.ts'

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
function start(shell: string, script: string): { done: Promise<Ran>; endStdin(): void; pid: number } {
  const child = spawn(shell, ['-c', script], { detached: true, stdio: ['pipe', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
  const done = new Promise<Ran>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })))
  return { done, endStdin: () => child.stdin.end(), pid: child.pid! }
}

async function run(shell: string, script: string): Promise<Ran> {
  const s = start(shell, script)
  const r = await s.done
  s.endStdin()
  return r
}

/** Processes on this machine whose command line is exactly `cmd`. */
function processes(cmd: string): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .flatMap((d) => {
      try {
        return readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ').trim() === cmd ? [Number(d)] : []
      } catch {
        return []
      }
    })
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
  it.each([
    'echo out; echo err >&2; exit 3',
    'kill -TERM $$',
    'sleep 0.05 & wait; echo "waited $?"; jobs',
    'nosuchcommand-x8',
    'ls /proc/self/fd | sort -n | tr "\\n" " "',
  ])('changes nothing the command sees: %s', async (cmd) => {
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
