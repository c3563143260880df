/**
 * A silent sshd (issue 8, item 2): it accepts TCP (the kernel does, from the listen backlog) but
 * never answers, like a hung, overloaded, SIGSTOPped or tarpit daemon. ssh2 then reports the ready
 * timeout and, once the socket is gone, a second error; with no listener the second one killed the
 * CLI (exit 1, no outcome, no run.finished). The CLI runs as a child process here, so such a crash
 * shows as its exit code instead of taking the test runner down.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { announceSkip, startLab, type TestLab } from '../helpers/lab.ts'
import { sshdPid } from '../helpers/lab-procs.ts'

const skip = announceSkip('silent-sshd.int.test.ts')
const ROOT = '/run/runbook-lab-test-x8exec-silent'

const RUNBOOK = `apiVersion: runbook/v1
name: silent-sshd
summary: The target's sshd never answers; the run must end on the step's on_error path
params:
  host: { type: host, required: true }
  neighbour: { type: host, required: true }
steps:
  target:
    run: uname -n
    on_error: neighbour
    next: answered
  neighbour:
    host: \${{ params.neighbour }}
    run: echo neighbour-answers
    next: target_silent
outcomes:
  answered: { severity: ok, summary: "\${{ params.host }} answered" }
  target_silent: { severity: critical, summary: "no session on \${{ params.host }}; \${{ params.neighbour }} answers" }
`

interface ExecDoc {
  exitCode: number
  hosts: { host: string; ok: boolean; result?: { stdout: string }; error?: { kind: string; message: string } }[]
}
interface Event {
  type: string
  id?: string
  step?: string
  to?: string
  via?: string
  exitCode?: number
  result?: { exitCode: number; stdout: string }
  error?: { kind: string }
}

describe.skipIf(skip)('a silent sshd (accepts TCP, never answers)', () => {
  let lab: TestLab
  let tmp: string
  let inventory: string

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'rb-x8exec-silent-'))
    lab = await startLab(ROOT, 'healthy', 'x8exec-silent')
    // The lab inventory allows 5 s per handshake; 1 s keeps the test short and is still far
    // above a handshake on this machine (a few ms).
    inventory = join(lab.dir, 'inventory-fast.yaml')
    writeFileSync(inventory, readFileSync(lab.inventory, 'utf8').replace(/connectTimeoutMs: \d+/, 'connectTimeoutMs: 1000'))
    writeFileSync(join(tmp, 'silent.yaml'), RUNBOOK)
  })

  afterAll(async () => {
    await lab?.down()
    rmSync(tmp, { recursive: true, force: true })
    rmSync(ROOT, { recursive: true, force: true })
  })

  /** Run `fn` while the host's listening sshd is stopped (SIGSTOP), and always wake it again. */
  async function whileStopped<T>(host: string, fn: () => T | Promise<T>): Promise<T> {
    const pid = sshdPid(lab, host)
    process.kill(pid, 'SIGSTOP')
    try {
      return await fn()
    } finally {
      process.kill(pid, 'SIGCONT')
    }
  }

  function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
    const r = spawnSync('node', ['bin/runbook.js', ...args], {
      env: { ...lab.env, RUNBOOK_STATE_DIR: join(tmp, 'state'), NO_COLOR: '1' },
      encoding: 'utf8',
      timeout: 60_000,
    })
    return { code: r.status, stdout: r.stdout, stderr: r.stderr }
  }

  function execJson(hosts: string): { code: number | null; doc: ExecDoc; stderr: string } {
    const r = cli(['exec', hosts, '--inventory', inventory, '--json', '--', 'uname', '-n'])
    expect(r.stderr, 'the CLI must not crash').not.toMatch(/Unhandled 'error' event|node:events/)
    return { code: r.code, doc: JSON.parse(r.stdout) as ExecDoc, stderr: r.stderr }
  }

  const byHost = (doc: ExecDoc, host: string): ExecDoc['hosts'][number] => {
    const h = doc.hosts.find((x) => x.host === host)
    if (!h) throw new Error(`no result for ${host} in ${JSON.stringify(doc)}`)
    return h
  }

  it('exec: web1 silent → web1 is reported unreachable (timeout), exit 7, web2 still answers', async () => {
    const { code, doc } = await whileStopped('web1', () => execJson('web1,web2'))
    expect(code).toBe(7)
    expect(byHost(doc, 'web1').error).toMatchObject({ kind: 'timeout' })
    expect(byHost(doc, 'web1').error?.message).toContain(lab.address('web1'))
    expect(byHost(doc, 'web2').ok).toBe(true)
    expect(byHost(doc, 'web2').result?.stdout).toMatch(/\S/)
  })

  it('exec: the bastion silent → it and the hosts behind it are unreachable, exit 7, a direct host still answers', async () => {
    const web2 = `root@${lab.address('web2')}`
    const { code, doc } = await whileStopped('bastion', () => execJson(`bastion,web1,${web2}`))
    expect(code).toBe(7)
    expect(byHost(doc, 'bastion').error).toMatchObject({ kind: 'timeout' })
    expect(byHost(doc, 'web1').error).toMatchObject({ kind: 'timeout' })
    expect(byHost(doc, 'web1').error?.message).toMatch(
      /^web1 is reached through bastion, which failed: SSH handshake with .*did not finish/,
    )
    expect(byHost(doc, web2).ok).toBe(true)
    expect(byHost(doc, web2).error).toBeUndefined()
  })

  it.each([
    ['web1', 'web2'],
    ['bastion', 'direct web2'],
  ])(
    'run: %s silent → the step takes on_error, the neighbour (%s) runs, the run finishes with its outcome',
    async (stopped, neighbourName) => {
      const neighbour = neighbourName === 'web2' ? 'web2' : `root@${lab.address('web2')}`
      const r = await whileStopped(stopped, () =>
        cli(['run', join(tmp, 'silent.yaml'), '--host', 'web1', '-p', `neighbour=${neighbour}`, '--inventory', inventory, '--json']),
      )
      expect(r.stderr).not.toMatch(/Unhandled 'error' event|node:events/)
      const events = r.stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Event)
      const failed = events.find((e) => e.type === 'step.finished' && e.step === 'target')
      expect(failed).toMatchObject({ error: { kind: 'timeout' } })
      expect(events).toContainEqual(expect.objectContaining({ type: 'transition', from: 'target', to: 'neighbour', via: 'on_error' }))
      const other = events.find((e) => e.type === 'command.finished' && e.step === 'neighbour')
      expect(other?.result).toMatchObject({ exitCode: 0, stdout: 'neighbour-answers\n' })
      expect(events).toContainEqual(expect.objectContaining({ type: 'outcome', id: 'target_silent' }))
      expect(events.at(-1)).toMatchObject({ type: 'run.finished', exitCode: 3 })
      expect(r.code).toBe(3)
    },
  )

  it('the hosts answer again once sshd runs again (the stop was the only cause)', () => {
    const { code, doc } = execJson('bastion,web1,web2')
    expect(code).toBe(0)
    expect(doc.hosts.every((h) => h.ok)).toBe(true)
  })
})
