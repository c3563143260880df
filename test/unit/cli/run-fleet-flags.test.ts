/** `runbook run` fleet flags: every misuse is a usage error (exit 2) that says what to do, before anything connects. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { cli } from '../../helpers/cli.ts'

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
