/**
 * The host lease lock, run for real by /bin/sh on this machine, many contenders at once: exactly
 * one wins every round, for a free host and for a lease that has run out. A loser must never read
 * a half-written lock as expired (the race that let two --apply runs both take a host).
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  LOCK_HELD,
  LOCK_NOT_OURS,
  cancelRevert,
  lockHolder,
  lockAcquire,
  lockRelease,
  lockRenew,
  scheduleRevert,
} from '../../../src/engine/host-ops.ts'

let root: string
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'rb-lock-'))
})
afterAll(() => {
  rmSync(root, { recursive: true, force: true })
})

function sh(script: string, hostDir: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn('/bin/sh', ['-c', script], {
      env: { ...process.env, RUNBOOK_HOST_DIR: hostDir, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let stdout = ''
    p.stdout.on('data', (d: Buffer) => {
      stdout += d.toString()
    })
    p.on('error', reject)
    p.on('close', (code) => resolve({ code, stdout }))
  })
}

/** Start every contender before awaiting any, so their scripts overlap on the host. */
async function race(hostDir: string, contenders: number, ttl = 30): Promise<number[]> {
  const runs = Array.from({ length: contenders }, (_, i) => sh(lockAcquire(`tok${i}`, `run ${i}`, ttl), hostDir))
  return (await Promise.all(runs)).map((r) => r.code ?? -1)
}

/** Rounds run ten at a time (each on its own host dir), which keeps the suite fast on two cores. */
async function rounds(n: number, round: (i: number) => Promise<number>): Promise<number[]> {
  const winners: number[] = []
  for (let i = 0; i < n; i += 10) winners.push(...(await Promise.all(Array.from({ length: Math.min(10, n - i) }, (_, j) => round(i + j)))))
  return winners
}

describe('host lease lock (real /bin/sh)', () => {
  it('300 rounds of concurrent acquisitions on a free host: exactly one holder each time', async () => {
    const winners = await rounds(300, async (round) => {
      const dir = join(root, `free-${round}`)
      const codes = await race(dir, 3)
      expect(
        codes.every((c) => c === 0 || c === LOCK_HELD),
        `exit codes ${codes.join(',')}`,
      ).toBe(true)
      // The lock on disk names a winner.
      const token = readFileSync(join(dir, 'lock', 'token'), 'utf8').trim()
      expect(codes[Number(token.slice(3))]).toBe(0)
      rmSync(dir, { recursive: true, force: true })
      return codes.filter((c) => c === 0).length
    })
    expect(winners.filter((w) => w !== 1)).toEqual([])
  }, 120_000)

  it('300 rounds of concurrent take-overs of an expired lease: exactly one new holder each time', async () => {
    const winners = await rounds(300, async (round) => {
      const dir = join(root, `expired-${round}`)
      expect((await sh(lockAcquire('dead', 'a run that died', -5), dir)).code).toBe(0)
      const codes = await race(dir, 3)
      // Nothing of the dead lease or of the losers' attempts is left beside the lock.
      expect(readdirSync(dir).sort()).toEqual(['lock'])
      rmSync(dir, { recursive: true, force: true })
      return codes.filter((c) => c === 0).length
    })
    expect(winners.filter((w) => w !== 1)).toEqual([])
  }, 120_000)

  it("a take-over whose removal of the dead lease fails once (a contender's busy mark landed in it) removes it on the next try", async () => {
    // A contender that looked up lock/ just before the take-over renamed it still creates busy/ in
    // the renamed lease, and the first rm -rf fails with "Directory not empty" (seen once in CI).
    // An rm that does exactly that on its first call, then runs the real rm.
    const dir = join(root, 'late-busy')
    const bin = join(root, 'late-busy-bin')
    mkdirSync(bin, { recursive: true })
    writeFileSync(
      join(bin, 'rm'),
      `#!/bin/sh\nif [ ! -e "${bin}/called" ]; then : > "${bin}/called"; mkdir -p "$2/busy"; exit 1; fi\nexec /bin/rm "$@"\n`,
      { mode: 0o755 },
    )
    expect((await sh(lockAcquire('dead', 'a run that died', -5), dir)).code).toBe(0)
    expect((await sh(lockAcquire('new', 'me', 30), dir, { PATH: `${bin}:${process.env.PATH}` })).code).toBe(0)
    expect(existsSync(join(bin, 'called'))).toBe(true)
    expect(readdirSync(dir)).toEqual(['lock'])
    expect(readFileSync(join(dir, 'lock', 'token'), 'utf8')).toBe('new\n')
  })

  it('a lock without an expiry is held, not expired', async () => {
    const dir = join(root, 'no-expiry')
    mkdirSync(join(dir, 'lock'), { recursive: true })
    writeFileSync(join(dir, 'lock', 'owner'), 'someone since 2026-01-01T00:00:00Z\n')
    const r = await sh(lockAcquire('me', 'me', 30), dir)
    expect(r.code).toBe(LOCK_HELD)
    expect(r.stdout).toContain('someone since')
    expect(lockHolder(r.stdout)).toBe('someone since 2026-01-01T00:00:00Z')
  })

  it('a refusal names the holder and when its lease ends', async () => {
    const dir = join(root, 'held')
    expect((await sh(lockAcquire('other', 'bob, runbook x (fix f, run r2)', 30), dir)).code).toBe(0)
    const r = await sh(lockAcquire('me', 'me', 30), dir)
    expect(r.code).toBe(LOCK_HELD)
    const m = /^bob, runbook x \(fix f, run r2\) since \S+Z; its lease ends at (\S+Z) unless renewed$/.exec(lockHolder(r.stdout))
    expect(m, lockHolder(r.stdout)).not.toBeNull()
    expect(Math.abs(Date.parse(m![1]!) - (Date.now() + 30_000))).toBeLessThan(3000)
    // What recordings made before the expiry was printed hold: the owner line alone.
    expect(lockHolder('bob since 2026-01-01T00:00:00Z\n')).toBe('bob since 2026-01-01T00:00:00Z')
  })

  it('renew and release act only on our own lease', async () => {
    const dir = join(root, 'own')
    expect((await sh(lockAcquire('mine', 'me', 30), dir)).code).toBe(0)
    expect((await sh(lockRenew('other', 30), dir)).code).toBe(LOCK_NOT_OURS)
    expect((await sh(lockRenew('mine', 300), dir)).code).toBe(0)
    const expires = Number(readFileSync(join(dir, 'lock', 'expires'), 'utf8'))
    expect(expires).toBeGreaterThan(Date.now() / 1000 + 200)
    // An ordinary renewal never shortens a lease stretched further (over a revert window).
    expect((await sh(lockRenew('mine', 30), dir)).code).toBe(0)
    expect(Number(readFileSync(join(dir, 'lock', 'expires'), 'utf8'))).toBe(expires)
    expect((await sh(lockRenew('mine', 600), dir)).code).toBe(0)
    expect(Number(readFileSync(join(dir, 'lock', 'expires'), 'utf8'))).toBeGreaterThan(expires + 200)
    await sh(lockRelease('other'), dir)
    expect(existsSync(join(dir, 'lock', 'token'))).toBe(true)
    await sh(lockRelease('mine'), dir)
    expect(readdirSync(dir)).toEqual([])
  })

  it("two runs of one plan schedule and cancel their own reverts, never each other's", async () => {
    const dir = join(root, 'reverts')
    mkdirSync(dir, { recursive: true })
    const marker = (id: string) => join(dir, `reverted-${id}`)
    // Background reverts (no systemd here) with a 2 s window; run A cancels only its own.
    for (const id of ['plan-runA', 'plan-runB']) {
      const r = await sh(scheduleRevert(id, 2, `touch ${marker(id)}`), dir)
      expect(r.stdout.trim()).toMatch(/background|systemd-run/)
    }
    await sh(cancelRevert('plan-runA'), dir)
    await new Promise((r) => setTimeout(r, 3000))
    expect(existsSync(marker('plan-runA'))).toBe(false)
    expect(existsSync(marker('plan-runB'))).toBe(true)
  })
})
