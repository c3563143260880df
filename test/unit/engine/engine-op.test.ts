/**
 * The engine's own host operations (lock, revert, backup) are matched by name, not by script, when
 * a recording is replayed or a served run resumes from its journal: a version of runbook that
 * changes one of those scripts still replays what an older one recorded, and a resumed run does not
 * take, again, a lock the journal shows it already holds.
 */
import { describe, expect, it } from 'vitest'
import { backupFiles, cancelRevert, lockAcquire, lockRelease, lockRenew, readFile, scheduleRevert } from '../../../src/engine/host-ops.ts'
import { ReplayExecutors } from '../../../src/executors/replay.ts'
import { Journal } from '../../../src/service/journal.ts'
import { commandKey, scriptEngineOp } from '../../../src/shared/lock-upkeep.ts'
import type { CommandSpec, EngineOp, RunEvent } from '../../../src/types.ts'

const scripts: Array<[EngineOp, string]> = [
  ['lock.acquire', lockAcquire('tok1', 'alice, runbook x (fix f, run r1)', 30)],
  ['lock.renew', lockRenew('tok1', 30)],
  ['lock.release', lockRelease('tok1')],
  ['revert.schedule', scheduleRevert('plan-r1', 120, `cp -p /x /y\n${lockRelease('tok1')}`)],
  ['revert.cancel', cancelRevert('plan-r1')],
  ['files.backup', backupFiles('abc123', ['/etc/ssh/sshd_config'])],
]

const spec = (command: string, engine?: EngineOp): CommandSpec => ({
  host: 'web1',
  command,
  sudo: true,
  timeoutMs: 10_000,
  mutating: true,
  ...(engine ? { engine } : {}),
})
const ok = (stdout: string) => ({ exitCode: 0, signal: null, stdout, stderr: '', durationMs: 3, timedOut: false })
const finished = (s: CommandSpec, stdout: string): RunEvent =>
  ({ type: 'command.finished', step: 'fix', spec: s, result: ok(stdout), seq: 1, ts: '2026-11-27T00:00:00Z' }) as unknown as RunEvent

describe('engine operations in recordings', () => {
  it.each(scripts)('%s is told from its script, as recordings without the engine name need', (op, script) => {
    expect(scriptEngineOp(script)).toBe(op)
  })

  it("a runbook's own commands are no engine operation, and keep matching by their text", () => {
    for (const c of [readFile('/etc/ssh/sshd_config'), 'systemctl restart nginx', 'h=/tmp; d="$h/lock"; now=$(date +%s); echo']) {
      expect(scriptEngineOp(c)).toBeUndefined()
    }
    expect(commandKey(spec('systemctl restart nginx'))).not.toBe(commandKey(spec('systemctl restart  nginx')))
  })

  it('a replay answers the engine operation an older version recorded with another script', async () => {
    // What an older runbook recorded: the same operations, other scripts after their first line.
    const old = (s: string) => {
      const [first, ...rest] = s.split('\n')
      return [first, ...rest.map((l) => l.replaceAll('2>/dev/null', '2> /dev/null')), ': an older version'].join('\n')
    }
    const events = scripts.map(([, s], i) => finished(spec(old(s)), `answer ${i}`))
    const exec = new ReplayExecutors(events).executor('web1')
    for (const [i, [op, s]] of scripts.entries()) expect((await exec.exec(spec(s, op))).stdout).toBe(`answer ${i}`)
  })

  it('a replay still refuses a runbook command the recording does not have', async () => {
    const exec = new ReplayExecutors([finished(spec('systemctl restart nginx'), '')]).executor('web1')
    await expect(exec.exec(spec('systemctl reload nginx'))).rejects.toMatchObject({ code: 'RB_REPLAY_DIVERGED' })
  })

  it("a resumed run takes the journal's answer for a lock it took under an older script, instead of taking the lock again", () => {
    const journal = new Journal([
      finished(spec(lockAcquire('tok1', 'alice', 30).replace('mktemp -d', 'mktemp -d -q'), 'lock.acquire'), '/var/lib/runbook/lock\n'),
    ])
    const answer = journal.takeCommand(spec(lockAcquire('tok1', 'alice', 30), 'lock.acquire'))
    expect(answer).toMatchObject({ kind: 'done', answer: { result: { stdout: '/var/lib/runbook/lock\n' } } })
    expect(journal.takeCommand(spec(lockAcquire('tok1', 'alice', 30), 'lock.acquire'))).toBeUndefined()
  })
})
