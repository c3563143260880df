/**
 * `open-proxy-probes` end to end against the lab scenario `proxy-probes`: a real Flask dev server on
 * web1 that received real CONNECT / absolute-URI requests from two bot addresses of the lab. A dry
 * run names the bots and quotes the CONNECT lines, and leaves web1 exactly as it was (its access
 * log, listeners, firewall, mounts); web2 (visitors only) has no probes; once a bot's absolute-URI
 * request is answered 200, the server is suspected of being an open proxy. The CLI runs in-process
 * through main(argv, io). Own lab root; torn down in afterAll even when a test fails. Skipped with
 * a banner when not root.
 */
import { createHash } from 'node:crypto'
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../../src/cli/main.ts'
import { labDown } from '../../src/lab/lab.ts'
import { accessLogOnDisk, botAddresses, PROXY_PROBES_LOG, request, sendRequests } from '../../src/lab/scenario-proxy-probes.ts'
import { announceSkip, hostState, startLab, type TestLab } from '../helpers/lab.ts'
import { runCli as cli, type CliEvent as Event } from '../helpers/cli.ts'

const skip = announceSkip('open-proxy-probes.int.test.ts', ['proxy-probes'])
const ROOT = '/run/runbook-lab-test-open-proxy-probes'
const LAB = 'opp'

const sha = (text: string | Buffer): string => createHash('sha256').update(text).digest('hex')

/** What a diagnosis must not change on web1. */
function web1State(lab: TestLab): Record<string, string> {
  return {
    ...hostState(lab, 'web1'),
    accessLog: sha(readFileSync(accessLogOnDisk(lab.up.state))),
    site: sha(readFileSync(join(lab.dir, 'hosts', 'web1', 'site.py'))),
  }
}

function text(e: Event | undefined): string {
  return (e?.evidence ?? []).map((x) => x.text).join('\n')
}

describe.skipIf(skip)('open-proxy-probes on the lab (scenario proxy-probes)', () => {
  const env = { ...process.env, RUNBOOK_LAB_DIR: ROOT, RUNBOOK_STATE_DIR: join(ROOT, '.state') }
  let lab: TestLab

  beforeAll(async () => {
    lab = await startLab(ROOT, 'proxy-probes', LAB)
  }, 120_000)

  afterAll(async () => {
    await labDown({ name: LAB, env })
    rmSync(ROOT, { recursive: true, force: true }) // the run state (.state) of the CLI runs
  }, 60_000)

  const run = (host: string): Promise<{ code: number; events: Event[]; stderr: string }> =>
    cli(['run', 'open-proxy-probes', '--host', host, '--inventory', lab.inventory, '--param', `log=${PROXY_PROBES_LOG}`, '--json'], env)

  it('web1: the probes are found, their senders named, the CONNECT lines quoted; nothing on web1 changes', async () => {
    const [bot1, bot2] = botAddresses(lab.up.state)
    const before = web1State(lab)
    const r = await run('web1')
    expect(r.code, r.stderr).toBe(3)
    expect(r.events.find((e) => e.type === 'run.started')?.mode).toBe('dry-run')
    const outcome = r.events.find((e) => e.type === 'outcome')
    expect(outcome?.id).toBe('probes_refused')
    expect(outcome?.severity).toBe('warning')
    expect(outcome?.summary).toMatch(/^5 proxy probe\(s\) from 2 client\(s\)/)
    const evidence = text(outcome)
    // Top clients, counted by the host's own tools: bot1 sent 3, bot2 sent 2.
    expect(evidence).toMatch(new RegExp(`^\\s+3 ${bot1!.replaceAll('.', '\\.')}$`, 'm'))
    expect(evidence).toMatch(new RegExp(`^\\s+2 ${bot2!.replaceAll('.', '\\.')}$`, 'm'))
    expect(evidence).toContain(`${bot1} - - [`)
    expect(evidence).toContain('"CONNECT google.com:443 HTTP/1.1" 404 -')
    expect(evidence).toContain('"CONNECT api.ipify.org:443 HTTP/1.1" 404 -')
    expect(evidence).toContain('"GET http://azenv.net/azenv.php HTTP/1.1" 404 -')
    expect(evidence).toContain('Advice:')
    expect(evidence).not.toContain(lab.address('bastion') + ' - - [') // visitors are not quoted as probes
    expect(web1State(lab)).toEqual(before)
  }, 60_000)

  it('web2 (visitors only): no probes, exit 0', async () => {
    const r = await run('web2')
    expect(r.code, r.stderr).toBe(0)
    const outcome = r.events.find((e) => e.type === 'outcome')
    expect(outcome?.id).toBe('no_probes')
    expect(text(outcome)).toContain(`clients: {"${lab.address('bastion')}":2}`)
  }, 60_000)

  it('web1 after a bot got 200 for GET http://example.com/: open proxy suspected (critical), the 2xx line as evidence', async () => {
    const [bot1] = botAddresses(lab.up.state)
    expect(sendRequests(lab.up.state, 'bastion', bot1, 'web1', [request('GET http://example.com/ HTTP/1.1', 'example.com')])[0]).toMatch(
      / 200 /,
    )
    // The dev server writes its log line right after answering.
    const deadline = Date.now() + 5000
    while (!readFileSync(accessLogOnDisk(lab.up.state), 'utf8').includes('"GET http://example.com/') && Date.now() < deadline)
      await new Promise((res) => setTimeout(res, 50))
    const before = web1State(lab)
    const r = await run('web1')
    expect(r.code, r.stderr).toBe(3)
    const outcome = r.events.find((e) => e.type === 'outcome')
    expect(outcome?.id).toBe('open_proxy_suspected')
    expect(outcome?.severity).toBe('critical')
    expect(outcome?.summary).toMatch(/^1 of 6 proxy probe\(s\) .* were answered 2xx/)
    const evidence = text(outcome)
    expect(evidence).toContain(`answered 2xx: ${bot1} GET http://example.com/ HTTP/1.1 200`)
    expect(evidence).toContain('"CONNECT google.com:443 HTTP/1.1" 404 -')
    expect(web1State(lab)).toEqual(before)
  }, 60_000)

  it("a log that is not there: unreadable, with tail's own message", async () => {
    const r = await cli(['run', 'open-proxy-probes', '--host', 'web1', '--inventory', lab.inventory, '--json'], env)
    expect(r.code, r.stderr).toBe(3)
    const outcome = r.events.find((e) => e.type === 'outcome')
    expect(outcome?.id).toBe('unreadable')
    expect(text(outcome)).toContain("tail: cannot open '/var/log/nginx/access.log'")
  }, 60_000)
})
