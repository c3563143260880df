/**
 * `stale-connections` end to end against the lab scenario of the same name (seed 002): `app` on
 * web1, under `app-supervisor`, holds 111 ESTABLISHED connections to a hung CRL server on web2.
 * A dry-run names the app and the remote (summary and evidence) and leaves web1 as it was: same
 * app PID, same supervisor, same 111 connections. Then `--apply --yes` restarts the app through
 * its supervisor's pid file (exit 5): a new app PID, and the connections to the remote are gone.
 * The CLI runs in-process through main(argv, io). Own lab root; torn down in afterAll even when a
 * test fails. Skipped with a banner when not root.
 */
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../../src/cli/main.ts'
import { labDown } from '../../src/lab/lab.ts'
import { CRL_PORT, STALE_REQUESTS, crawl, establishedTo, staleConnectionsFiles } from '../../src/lab/scenario-stale-connections.ts'
import { sleep } from '../../src/lab/sys.ts'
import { announceSkip, startLab, type TestLab } from '../helpers/lab.ts'
import { runCli, type CliEvent as Event } from '../helpers/cli.ts'

const skip = announceSkip('stale-connections.int.test.ts', ['stale-connections'])
const ROOT = '/run/runbook-lab-test-stale-connections'
const LAB = 'sc'
const env = { ...process.env, RUNBOOK_LAB_DIR: ROOT, RUNBOOK_STATE_DIR: join(ROOT, '.state') }

const cli = (argv: string[]) => runCli(argv, env)

/**
 * A fix run is refused (exit 9, nothing changed) while another run holds the engine's host lock,
 * and lab hosts share this machine's /var/lib/runbook: another lab's fix elsewhere on the machine
 * holds it for a while. Run again until it is free.
 */
async function cliUnlocked(argv: string[]): Promise<Awaited<ReturnType<typeof cli>>> {
  let r = await cli(argv)
  for (let i = 0; i < 12 && r.code === 9; i++) {
    await sleep(5000)
    r = await cli(argv)
  }
  return r
}

/** What the fix changes on web1: the app's and the supervisor's PIDs, the connections to the remote. */
function web1State(lab: TestLab): { app: string; supervisor: string; connections: number } {
  const files = staleConnectionsFiles(lab.dir)
  return {
    app: readFileSync(files.appPid, 'utf8').trim(),
    supervisor: readFileSync(files.supervisorPid, 'utf8').trim(),
    connections: establishedTo(lab.netns('web1'), lab.address('web2'), CRL_PORT).count,
  }
}

describe.skipIf(skip)('stale-connections on the lab', () => {
  let lab: TestLab
  const args = (): string[] => ['run', 'stale-connections', '--host', 'web1', '--inventory', lab.inventory, '--json']

  beforeAll(async () => {
    lab = await startLab(ROOT, 'stale-connections', LAB)
  }, 120_000)

  afterAll(async () => {
    // Torn down even when a test failed.
    await labDown({ name: LAB, env })
    rmSync(ROOT, { recursive: true, force: true })
  }, 60_000)

  it('dry-run names the app and the remote, proposes the restart, and changes nothing', async () => {
    const remote = `${lab.address('web2')}:${CRL_PORT}`
    const before = web1State(lab)
    expect(before.connections).toBe(STALE_REQUESTS)

    const dry = await cli(args())
    expect(dry.code, dry.stderr).toBe(4)
    const outcome = dry.events.find((e) => e.type === 'outcome')!
    expect(outcome.id).toBe('_proposed')
    expect(outcome.summary).toContain(`app holds ${STALE_REQUESTS} ESTABLISHED connections to ${remote}`)
    expect(outcome.summary).toMatch(/SIGHUP to its supervisor, pid \d+ \(pid file .*supervise\.pid\)/)
    expect(outcome.summary).toContain('No rollback')
    const evidence = outcome.evidence!.map((e) => e.text).join('\n')
    expect(evidence).toContain(
      `${STALE_REQUESTS} of ${STALE_REQUESTS} ESTABLISHED connections from app to ${lab.address('web2')} wait for an answer`,
    )
    expect(dry.events.some((e) => e.type === 'fix.applied')).toBe(false)

    expect(web1State(lab)).toEqual(before)
  }, 120_000)

  it('--apply --yes restarts the app through its supervisor: new app PID, connections released (exit 5)', async () => {
    const before = web1State(lab)
    const applied = await cliUnlocked([...args(), '--apply', '--yes'])
    expect(applied.code, applied.stderr).toBe(5)
    const outcome = applied.events.find((e) => e.type === 'outcome')!
    expect(outcome.id).toBe('stale_connections')
    expect(outcome.summary).toContain(`app holds ${STALE_REQUESTS} ESTABLISHED connections to ${lab.address('web2')}:${CRL_PORT}`)
    const evidence = outcome.evidence!.map((e) => e.text).join('\n')
    expect(evidence).toMatch(new RegExp(`SIGHUP sent to pid ${before.supervisor} `))
    expect(evidence).toMatch(/\n?0 ESTABLISHED connections to /)

    const after = web1State(lab)
    expect(after.supervisor).toBe(before.supervisor)
    expect(after.app).not.toBe(before.app)
    expect(after.connections).toBeLessThan(10)
    // The new app serves again (and, its fetch still without a timeout, opens one more connection).
    expect(crawl(lab.up.state, 'bastion', 1)).toContain('sent 1')
  }, 180_000)
})
