/**
 * Safety invariant 1 (DESIGN.md): a dry-run of every shipped runbook leaves its lab host byte for
 * byte unchanged: firewall rules (iptables-save without counters, nft ruleset), every file under
 * /etc, and no engine state (locks, backups) on the host. One lab per scenario.
 */
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, lstatSync, readlinkSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { listRunbookFiles } from '../../src/library.ts'
import { cli } from '../helpers/cli.ts'
import { announceSkip, startLab, type TestLab } from '../helpers/lab.ts'

interface Case {
  scenario: string
  params(lab: TestLab): string[]
  /** The exit code the dry-run must end with (a diagnosis: 0, 3 or 4). */
  exit?: number
}

/** How each shipped runbook is tried in the lab. A new shipped runbook must be added here. */
const CASES: Record<string, Case | 'local'> = {
  'log-dir-full': 'local',
  // No client_ip: it defaults to our own address as web1 sees it, which is the one sshguard blocked.
  'unreachable-host': { scenario: 'sshguard-block', params: () => ['--host', 'web1'], exit: 4 },
  'open-proxy-probes': { scenario: 'proxy-probes', params: () => ['--host', 'web1', '-p', 'log=/var/log/flask/access.log'] },
  'host-triage': { scenario: 'healthy', params: () => ['--host', 'web1'] },
  'hung-unit': { scenario: 'hung-unit', params: () => ['--host', 'web1'] },
  'stale-connections': { scenario: 'stale-connections', params: () => ['--host', 'web1'] },
  'ssh-hardening': { scenario: 'brute-force', params: () => ['--host', 'web1'] },
}

const shipped = [...listRunbookFiles(['runbooks']).keys()]
const skip = announceSkip('dry-run-unchanged.int.test.ts', [
  ...new Set(Object.values(CASES).flatMap((c) => (c === 'local' ? [] : [c.scenario]))),
])
const ROOT = '/run/runbook-lab-test-dryrun'

function hashTree(dir: string, out: Record<string, string> = {}): Record<string, string> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    try {
      const st = lstatSync(p, { throwIfNoEntry: false })
      if (!st) continue
      // A symlink is compared by where it points: /etc/mtab -> /proc/self/mounts changes whenever
      // anything on the machine mounts (other labs do), which is not a change to /etc.
      if (st.isSymbolicLink()) out[p] = `-> ${readlinkSync(p)}`
      else if (st.isDirectory()) hashTree(p, out)
      else if (st.isFile()) out[p] = createHash('sha256').update(readFileSync(p)).digest('hex')
    } catch {
      // unreadable: not ours to compare
    }
  }
  return out
}

function snapshot(lab: TestLab): Record<string, unknown> {
  const ns = lab.netns('web1')
  const inNs = (cmd: string[]) => spawnSync('ip', ['netns', 'exec', ns, ...cmd], { encoding: 'utf8' }).stdout
  return {
    iptables: inNs(['iptables-save'])
      .split('\n')
      .filter((l) => !l.startsWith('#'))
      .map((l) => l.replace(/\[\d+:\d+\]/g, ''))
      .join('\n'),
    nft: inNs(['nft', 'list', 'ruleset']).replace(/packets \d+ bytes \d+/g, ''),
    etc: hashTree('/etc'),
    engineState: existsSync(join(lab.dir, 'hosts', 'web1', 'home', '.runbook')),
  }
}

describe.skipIf(skip)('dry-run changes nothing', () => {
  const labs = new Map<string, TestLab>()
  afterAll(async () => {
    for (const lab of labs.values()) await lab.down()
  }, 120_000)

  it('every shipped runbook has a case here', () => {
    expect(shipped.filter((r) => !(r in CASES))).toEqual([])
  })

  it.each(shipped.filter((r) => CASES[r] && CASES[r] !== 'local'))(
    '%s: a dry-run leaves web1 byte for byte unchanged',
    async (runbook) => {
      const c = CASES[runbook] as Case
      let lab = labs.get(c.scenario)
      if (!lab) {
        for (const l of labs.values()) await l.down()
        labs.clear()
        lab = await startLab(ROOT, c.scenario)
        labs.set(c.scenario, lab)
      }
      const before = snapshot(lab)
      const r = await cli(['run', runbook, ...c.params(lab), '--json'], { env: lab.env })
      expect(r.stderr).not.toMatch(/internal error/)
      expect([0, 3, 4]).toContain(r.code)
      if (c.exit !== undefined) expect(r.code, r.stdout.slice(-1500)).toBe(c.exit)
      const events = r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { type: string; spec?: { mutating: boolean } })
      expect(events.filter((e) => e.type === 'command.started' && e.spec?.mutating)).toEqual([])
      const after = snapshot(lab)
      const etcBefore = before.etc as Record<string, string>
      const etcAfter = after.etc as Record<string, string>
      const changed = [...new Set([...Object.keys(etcBefore), ...Object.keys(etcAfter)])].filter((f) => etcBefore[f] !== etcAfter[f])
      expect(changed, 'files under /etc changed').toEqual([])
      expect({ ...after, etc: null }).toEqual({ ...before, etc: null })
    },
    120_000,
  )
})
