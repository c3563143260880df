/**
 * Issue 10's lab test: `runbook serve` with the embedded default (SQLite) against the real
 * `sshguard-block` lab. An unreachable-host dry-run goes through the API and changes nothing; an
 * apply is requested by alice, alice's own approval is refused (four-eyes), bob approves the plan
 * hash, the block is lifted (a new TCP connection from the operator's address reaches web1:22),
 * and both exported transcripts replay with `runbook test`. Own lab (x10srv), torn down in afterAll.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { PassThrough } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../../src/cli/main.ts'
import { LocalProber } from '../../src/executors/probe.ts'
import { labDown } from '../../src/lab/lab.ts'
import { announceSkip, startLab, type TestLab } from '../helpers/lab.ts'
import { ACCESS_YAML, TOKENS } from '../unit/service/fixture.ts'

const skip = announceSkip('serve-lab.int.test.ts', ['sshguard-block'])
const ROOT = '/run/runbook-lab-test-x10srv'
const LAB = 'x10srv'

async function reaches(address: string): Promise<boolean> {
  return (await new LocalProber().probe({ kind: 'tcp', host: address, port: 22, timeoutMs: 2000 })).ok
}

function capture() {
  const s = new PassThrough()
  const c = { text: '' }
  s.on('data', (d: Buffer) => (c.text += d.toString()))
  return { stream: s, c }
}

describe.skipIf(skip)('runbook serve on the sshguard-block lab', () => {
  const env = { ...process.env, RUNBOOK_LAB_DIR: ROOT, RUNBOOK_STATE_DIR: join(ROOT, '.state'), RUNBOOK_SERVER: '', NO_COLOR: '1' }
  let lab: TestLab | undefined
  let stop: AbortController | undefined
  let served: Promise<number> | undefined
  let server = ''
  let operator = ''
  const transcripts: Record<string, string> = {}

  const api = async (method: string, path: string, who: keyof typeof TOKENS, body?: unknown, accept = 'application/json') => {
    const res = await fetch(`${server}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKENS[who]}`, accept, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    })
    const text = await res.text()
    return { status: res.status, text, json: () => JSON.parse(text) }
  }
  const until = async (id: string, statuses: string[], ms = 90_000) => {
    const end = Date.now() + ms
    for (;;) {
      const run = (await api('GET', `/api/runs/${id}`, 'vic')).json()
      if (statuses.includes(run.status)) return run
      if (Date.now() > end) throw new Error(`run ${id} stays ${run.status}`)
      await new Promise((r) => setTimeout(r, 200))
    }
  }

  beforeAll(async () => {
    lab = await startLab(ROOT, 'sshguard-block', LAB)
    operator = lab.up.state.operatorAddress
    const dir = mkdtempSync(join(ROOT, 'serve-'))
    writeFileSync(join(dir, 'access.yaml'), ACCESS_YAML)
    stop = new AbortController()
    const err = capture()
    served = main(
      [
        'serve',
        '--listen',
        '127.0.0.1:0',
        '--state-dir',
        join(dir, 'state'),
        '--access',
        join(dir, 'access.yaml'),
        '--inventory',
        lab.inventory,
      ],
      { stdout: new PassThrough(), stderr: err.stream, stdin: new PassThrough(), env, cwd: dir, signal: stop.signal },
    )
    const end = Date.now() + 15_000
    while (!/listening on (http:\S+)/.test(err.c.text)) {
      if (Date.now() > end) throw new Error(`serve did not start: ${err.c.text}`)
      await new Promise((r) => setTimeout(r, 50))
    }
    server = err.c.text.match(/listening on (http:\S+)/)![1]!
  }, 120_000)

  afterAll(async () => {
    stop?.abort()
    await served?.catch(() => undefined)
    await labDown({ name: LAB, env })
    // The fix's backups live in this machine's /var/tmp (the lab hosts share it).
    for (const f of ['iptables-save', 'iptables-legacy-save', 'nft'])
      if (operator) rmSync(`/var/tmp/runbook-unreachable-host.${operator}.${f}`, { force: true })
    rmSync(ROOT, { recursive: true, force: true })
  }, 60_000)

  it('a dry-run through the API diagnoses the block and changes nothing', async () => {
    const web1 = lab!.address('web1')
    expect(await reaches(web1)).toBe(false)
    const res = await api('POST', '/api/runs', 'alice', { runbook: 'unreachable-host', host: 'web1', params: { client_ip: operator } })
    expect(res.status, res.text).toBe(202)
    const run = await until(res.json().id, ['fix-proposed', 'problem', 'healthy', 'incomplete'])
    expect(run.status, JSON.stringify(run.outcome)).toBe('fix-proposed')
    expect(run.exitCode).toBe(4)
    expect(run.outcome.summary).toContain('sshguard')
    expect(run.outcome.summary).toContain(operator)
    expect(await reaches(web1)).toBe(false)
    transcripts.dry = (await api('GET', `/api/runs/${run.id}/events`, 'vic', undefined, 'application/x-ndjson')).text
  }, 120_000)

  it('a fleet through the server (run --hosts --server): params checked once, one server run per host, grouped summary', async () => {
    const cli = async (args: string[], token: string) => {
      const out = capture()
      const err = capture()
      const code = await main(args, {
        stdout: out.stream,
        stderr: err.stream,
        stdin: new PassThrough(),
        env: { ...env, RUNBOOK_TOKEN: token },
        cwd: ROOT,
        signal: new AbortController().signal,
      })
      return { code, out: out.c.text, err: err.c.text }
    }
    const count = async () => (await api('GET', '/api/runs?runbook=unreachable-host&limit=500', 'vic')).json().runs.length as number
    // run --hosts web1,web2 --server, as alice (her token in RUNBOOK_TOKEN)
    const fleet = (extra: string[]) =>
      cli(['run', 'unreachable-host', '--hosts', 'web1,web2', '--server', server, '--inventory', lab!.inventory, ...extra], TOKENS.alice)
    const before = await count()
    // Refused before any host's run is submitted: a param that fails its type, and --apply.
    const bad = await fleet(['--param', 'client_ip=not-an-ip'])
    expect(bad.code, bad.err).toBe(2)
    expect(bad.err).toMatch(/client_ip/)
    const apply = await fleet(['--param', `client_ip=${operator}`, '--apply'])
    expect(apply.code, apply.err).toBe(2)
    expect(await count()).toBe(before)

    const transcriptDir = join(ROOT, 'server-fleet')
    const r = await fleet(['--param', `client_ip=${operator}`, '--canary', '1', '--transcript', transcriptDir])
    expect(r.code, r.out + r.err).toBe(4) // web1: fix proposed (the sshguard block); web2 healthy
    expect(r.out).toMatch(/sshguard[^\n]*web1|web1[^\n]*sshguard/i)
    expect(await count()).toBe(before + 2)
    const listed = (await api('GET', '/api/runs?runbook=unreachable-host&limit=2', 'vic')).json().runs as {
      host: string
      status: string
      requestedBy: string
    }[]
    expect(listed.map((x) => `${x.host} ${x.status} ${x.requestedBy}`).sort()).toEqual(['web1 fix-proposed alice', 'web2 healthy alice'])
    const index = JSON.parse(readFileSync(join(transcriptDir, 'fleet.json'), 'utf8')) as {
      hosts: string[]
      transcripts: Record<string, { path: string }[]>
    }
    expect(index.hosts).toEqual(['web1', 'web2'])
    const web1Events = readFileSync(resolve(transcriptDir, index.transcripts.web1![0]!.path), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string })
    expect(web1Events[0]!.type).toBe('run.started')
    expect(web1Events.at(-1)!.type).toBe('run.finished')
    // Nothing changed: still blocked.
    expect(await reaches(lab!.address('web1'))).toBe(false)
  }, 180_000)

  it('an apply requested by alice: her own approval is refused, bob approves, the block is lifted', async () => {
    const web1 = lab!.address('web1')
    const res = await api('POST', '/api/runs', 'alice', {
      runbook: 'unreachable-host',
      host: 'web1',
      params: { client_ip: operator },
      mode: 'apply',
    })
    expect(res.status, res.text).toBe(202)
    const id = res.json().id as string
    const waiting = await until(id, ['waiting-approval', 'fix-proposed', 'incomplete', 'refused'])
    expect(waiting.status, JSON.stringify(waiting)).toBe('waiting-approval')
    const hash = waiting.approvalRequest.planHash as string
    expect(waiting.plan.hash).toBe(hash)

    const self = await api('POST', `/api/runs/${id}/approvals`, 'alice', { planHash: hash, decision: 'approve' })
    expect(self.status).toBe(409)
    expect(self.json().error).toMatchObject({ code: 'RB_APPROVAL_REFUSED', message: expect.stringMatching(/four-eyes: 'alice' requested/) })
    expect(await reaches(web1)).toBe(false)

    const ok = await api('POST', `/api/runs/${id}/approvals`, 'bob', { planHash: hash, decision: 'approve' })
    expect(ok.status, ok.text).toBe(200)
    expect(ok.json().state).toBe('approved')
    const done = await until(id, ['fix-applied', 'fix-rolled-back', 'rollback-failed', 'refused', 'incomplete', 'fix-proposed'])
    expect(done.status, JSON.stringify(done.outcome)).toBe('fix-applied')
    expect(done.exitCode).toBe(5)
    expect(done.approvals).toEqual([expect.objectContaining({ identity: 'bob', decision: 'approve', planHash: hash })])
    // A new connection from the operator's address, outside the engine.
    expect(await reaches(web1)).toBe(true)
    transcripts.apply = (await api('GET', `/api/runs/${id}/events`, 'vic', undefined, 'application/x-ndjson')).text
    const events = transcripts.apply
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; by?: string; planHash?: string })
    expect(events.find((e) => e.type === 'fix.approved')).toMatchObject({ by: 'bob', planHash: hash })
  }, 180_000)

  it('the exported transcripts replay with runbook test', async () => {
    expect(Object.keys(transcripts).sort()).toEqual(['apply', 'dry'])
    const fixtures = join(ROOT, 'fixtures')
    mkdirSync(join(fixtures, 'unreachable-host'), { recursive: true })
    for (const [name, text] of Object.entries(transcripts)) writeFileSync(join(fixtures, 'unreachable-host', `served-${name}.jsonl`), text)
    const out = capture()
    const code = await main(['test', 'unreachable-host', '--fixtures', fixtures], {
      stdout: out.stream,
      stderr: new PassThrough(),
      stdin: new PassThrough(),
      env,
      cwd: '/',
      signal: new AbortController().signal,
    })
    expect(out.c.text).toMatch(/2\/2 fixtures pass/)
    expect(code, out.c.text).toBe(0)
  }, 60_000)
})
