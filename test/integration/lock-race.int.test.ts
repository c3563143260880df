/**
 * Two operators start the same commit-confirmed --apply on one real lab host at the same moment,
 * round after round: each round exactly one applies (exit 5) and the other is refused naming the
 * holder (exit 9). After the winner reports verified, no revert may stay armed: once every
 * confirm window has passed, the marker file holds one "applied" per round and no "reverted".
 * (Before the lock was atomic, both could win, and both revert ids were the plan hash, so one
 * revert stayed armed and re-blocked the operator a minute after "verified".)
 */
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hostFiles } from '../../src/lab/host.ts'
import { cli, type CliEvent } from '../helpers/cli.ts'
import { announceSkip, startLab, type TestLab } from '../helpers/lab.ts'

const skip = announceSkip('lock-race.int.test.ts', ['healthy'])
const ROOT = '/run/runbook-lab-test-lock-race'
const RUNBOOK = 'fixtures/runbooks/valid/confirm-marker.yaml'
/** 50 in a full proof run (RUNBOOK_LOCK_ROUNDS=50); fewer by default to keep CI short. */
const ROUNDS = Number(process.env.RUNBOOK_LOCK_ROUNDS ?? 20)
const WINDOW_MS = 4000

describe.skipIf(skip)('two concurrent --apply runs on a real host', () => {
  let lab: TestLab
  beforeAll(async () => {
    lab = await startLab(ROOT, 'healthy', 'x8lock')
  }, 120_000)
  afterAll(async () => {
    await lab?.down()
    rmSync(ROOT, { recursive: true, force: true })
  }, 60_000)

  const events = (stdout: string) =>
    stdout
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as CliEvent & Record<string, unknown>)

  it(`${ROUNDS} rounds: one apply and one refusal each time, and no revert armed after verified`, async () => {
    const marker = join(hostFiles(lab.dir, 'web1').home, 'confirm-marker')
    const outcomes: string[] = []
    for (let round = 0; round < ROUNDS; round++) {
      const run = (who: string) =>
        cli(['run', RUNBOOK, '--host', 'web1', '--inventory', lab.inventory, '--apply', '--yes', '--json'], {
          env: { ...lab.env, RUNBOOK_STATE_DIR: join(ROOT, `state-${who}`), USER: who },
        })
      const [a, b] = await Promise.all([run('alice'), run('bob')])
      const codes = [a.code, b.code].sort()
      outcomes.push(codes.join('+'))
      expect(codes, `round ${round}: ${a.stderr} ${b.stderr}`).toEqual([5, 9])
      const loser = a.code === 9 ? a : b
      const winner = a.code === 5 ? a : b
      const refused = events(loser.stdout).find((e) => e.type === 'lock.refused')
      expect(String(refused?.holder)).toMatch(/runbook confirm-marker \(fix mark, run \w+\) since /)
      const ev = events(winner.stdout)
      expect(ev.filter((e) => e.type === 'fix.revert_scheduled')).toHaveLength(1)
      expect(ev.filter((e) => e.type === 'fix.revert_cancelled')).toHaveLength(1)
      expect(events(loser.stdout).some((e) => e.type === 'fix.revert_scheduled' || e.type === 'fix.applied')).toBe(false)
    }
    // Wait out every confirm window: an armed revert would append "reverted" now.
    await new Promise((r) => setTimeout(r, WINDOW_MS + 3000))
    const lines = readFileSync(marker, 'utf8').trim().split('\n')
    expect(lines.filter((l) => l === 'reverted')).toEqual([])
    expect(lines.filter((l) => l === 'applied')).toHaveLength(ROUNDS)
    console.log(
      `lock race: ${ROUNDS} rounds, outcomes ${JSON.stringify(Object.fromEntries([...new Set(outcomes)].map((o) => [o, outcomes.filter((x) => x === o).length])))}`,
    )
  }, 600_000)
})
