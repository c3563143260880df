/** `runbook run` fleet flags: every misuse is a usage error (exit 2) that says what to do, before anything connects. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { cli } from '../../helpers/cli.ts'
import { useLoopbackServers } from '../../helpers/loopback-server.ts'

const dir = mkdtempSync(join(tmpdir(), 'rb-fleet-flags-'))
const inventory = join(dir, 'inventory.yaml')
writeFileSync(
  inventory,
  'apiVersion: runbook/v1\nkind: Inventory\nhosts:\n  web1: { address: 198.18.250.11, vars: { role: web } }\n  web2: { address: 198.18.250.12 }\ngroups:\n  web: { hosts: [web1, web2] }\n',
)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('run: fleet flags', () => {
  const cases: Array<[string[], RegExp]> = [
    [['--host', 'web1', '--canary', '1'], /--canary is for fleet runs: add --hosts/],
    [['--host', 'web1', '--hosts', 'web'], /--host runs one host, --hosts \/ --select a fleet/],
    [['--hosts', 'web', '--max-failures', '0'], /a budget of 0 failures would stop before the first host/],
    [['--hosts', 'web', '--waves', '10%,50%'], /last wave must be 100%/],
    [['--hosts', 'web', '--select', 'rol=web'], /no selected host has a var 'rol'/],
    [['--hosts', 'web,wbe3'], /'wbe3' is neither a host nor a group/],
    [['--hosts', 'web', '--param', 'host=web1'], /do not pass --param host too/],
    [['--hosts', 'web', '--yes'], /--yes only makes sense with --apply/],
    // Checked once for the fleet, before any host runs (not a failure on every host).
    [['--hosts', 'web', '--param', 'client_ip=1.2.3.4; rm -rf /'], /param 'client_ip': "1.2.3.4; rm -rf \/" is not/],
    [['--hosts', 'web', '--param', 'nope=1'], /unknown param 'nope'/],
  ]
  it.each(cases)('%j', async (args, message) => {
    const r = await cli(['run', 'unreachable-host', '--inventory', inventory, ...args])
    expect(r.code, r.stdout).toBe(2)
    expect(r.stderr).toMatch(message)
  })

  it('a runbook without a host param cannot run on --hosts', async () => {
    const r = await cli(['run', 'fixtures/runbooks/valid/cel-eval-error.yaml', '--inventory', inventory, '--hosts', 'web'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/takes no host, so it cannot run on --hosts/)
  })

  it('--help documents the fleet flags and the fleet exit codes', async () => {
    const r = await cli(['run', '--help'])
    for (const flag of ['--hosts', '--select', '--concurrency', '--canary', '--waves', '--max-failures']) expect(r.stdout).toContain(flag)
    expect(r.stdout).toMatch(/else 10 if the fleet stopped early/)
  })
})

describe("run: the first hosts (a fleet's, or --host) connect while the engine loads, never before the input is checked", () => {
  const serve = useLoopbackServers()
  /** Two inventory hosts on a loopback server that counts connections and drops each one at once (a dead sshd). */
  async function droppingFleet(): Promise<{ inventory: string; connections: () => number }> {
    const server = await serve((s) => s.destroy())
    const file = join(dir, `dropping-${server.port}.yaml`)
    writeFileSync(
      file,
      [
        'apiVersion: runbook/v1',
        'kind: Inventory',
        `defaults: { port: ${server.port}, identityFiles: [${join(dir, 'no-key')}], knownHostsFiles: [${join(dir, 'no-known-hosts')}] }`,
        'hosts:',
        '  web1: { address: 127.0.0.1 }',
        '  web2: { address: 127.0.0.1, user: other } # same server, another connection (user@host:port)',
        'groups:',
        '  web: { hosts: [web1, web2] }',
        '',
      ].join('\n'),
    )
    return { inventory: file, connections: server.connections }
  }

  it('a param that fails its type: exit 2 and no host was connected to', async () => {
    const fleet = await droppingFleet()
    const r = await cli(
      ['run', 'fleet-bench-triage', '--inventory', fleet.inventory, '--hosts', 'web', '--param', 'max_use_percent=lots'],
      {
        env: { RUNBOOK_PATH: 'fixtures/runbooks/valid' },
      },
    )
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toMatch(/param 'max_use_percent'/)
    await new Promise((res) => setTimeout(res, 200))
    expect(fleet.connections()).toBe(0)
  })

  it('hosts that drop the connection: each is tried once (the warm-up and the first command share it) and reported unreachable', async () => {
    const fleet = await droppingFleet()
    const r = await cli(['run', 'fleet-bench-triage', '--inventory', fleet.inventory, '--hosts', 'web', '--json'], {
      env: { RUNBOOK_PATH: 'fixtures/runbooks/valid', SSH_AUTH_SOCK: '' },
    })
    expect(r.code).not.toBe(0)
    const finished = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('{"type":"fleet.finished"'))
      .map((l) => JSON.parse(l) as { counts: Record<string, number> })[0]
    expect(Object.values(finished?.counts ?? {}).reduce((a, b) => a + b, 0)).toBe(2)
    expect(r.stdout).toMatch(/unreachable|closed the connection|Connection lost/i)
    expect(fleet.connections()).toBe(2)
  })

  it('--host with a param that fails its type: exit 2 and the host was not connected to', async () => {
    const fleet = await droppingFleet()
    const r = await cli(
      ['run', 'fleet-bench-triage', '--inventory', fleet.inventory, '--host', 'web1', '--param', 'max_use_percent=lots'],
      {
        env: { RUNBOOK_PATH: 'fixtures/runbooks/valid' },
      },
    )
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toMatch(/param 'max_use_percent'/)
    await new Promise((res) => setTimeout(res, 200))
    expect(fleet.connections()).toBe(0)
  })

  it('--host: the warm-up and the first command share one connection attempt', async () => {
    const fleet = await droppingFleet()
    const r = await cli(['run', 'fleet-bench-triage', '--inventory', fleet.inventory, '--host', 'web1', '--json'], {
      env: { RUNBOOK_PATH: 'fixtures/runbooks/valid', SSH_AUTH_SOCK: '' },
    })
    expect(r.code).toBe(7)
    expect(r.stdout).toMatch(/unreachable|closed the connection|Connection lost/i)
    expect(fleet.connections()).toBe(1)
  })
})
