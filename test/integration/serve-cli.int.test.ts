/**
 * The CLI end to end, in-process: `runbook serve` listening on 127.0.0.1, `runbook run --server`
 * submitting and following a run (same exit code, and a local transcript byte-for-byte the one the
 * server exports), `runbook runs` listing it. No lab needed: log-dir-full with --local.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../../src/cli/main.ts'
import { makeLogDir, type LogDir } from '../helpers/logdir.ts'
import { ACCESS_YAML, TOKENS } from '../unit/service/fixture.ts'

interface Cli {
  code: number
  stdout: string
  stderr: string
}

function io(env: NodeJS.ProcessEnv, signal = new AbortController().signal) {
  const out = new PassThrough()
  const err = new PassThrough()
  const captured = { stdout: '', stderr: '' }
  out.on('data', (c: Buffer) => (captured.stdout += c.toString()))
  err.on('data', (c: Buffer) => (captured.stderr += c.toString()))
  return { io: { stdout: out, stderr: err, stdin: new PassThrough(), env, cwd: root, signal }, captured }
}
async function cli(argv: string[], env: NodeJS.ProcessEnv): Promise<Cli> {
  const { io: i, captured } = io(env)
  const code = await main(argv, i)
  return { code, ...captured }
}

let root: string
let server: string
let stopServe: AbortController
let served: Promise<number>
let serveErr: { stderr: string }
let logs: LogDir
let env: NodeJS.ProcessEnv
let savedHostDir: string | undefined

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'rb-serve-cli-'))
  writeFileSync(join(root, 'access.yaml'), ACCESS_YAML)
  env = {
    ...process.env,
    RUNBOOK_STATE_DIR: join(root, 'client-state'),
    RUNBOOK_HOST_DIR: join(root, 'host-state'),
    RUNBOOK_SERVER: '',
    RUNBOOK_TOKEN: '',
    NO_COLOR: '1',
  }
  // The engine's host-side lock for local commands: in the test's dir, not this machine's /var/lib/runbook.
  savedHostDir = process.env.RUNBOOK_HOST_DIR
  process.env.RUNBOOK_HOST_DIR = env.RUNBOOK_HOST_DIR
  stopServe = new AbortController()
  const { io: i, captured } = io({ ...env, RUNBOOK_ADMIN_TOKEN: TOKENS.admin }, stopServe.signal)
  serveErr = captured
  served = main(['serve', '--listen', '127.0.0.1:0', '--state-dir', join(root, 'state'), '--access', 'access.yaml', '--local'], i)
  const end = Date.now() + 10_000
  while (!/listening on (http:\S+)/.test(captured.stderr)) {
    if (Date.now() > end) throw new Error(`serve did not start: ${captured.stderr}`)
    await new Promise((r) => setTimeout(r, 20))
  }
  server = captured.stderr.match(/listening on (http:\S+)/)![1]!
  logs = makeLogDir('rotated', mkdtempSync(join(root, 'logs-')))
})

afterAll(async () => {
  stopServe?.abort()
  if (served) expect(await served).toBe(0)
  if (savedHostDir === undefined) delete process.env.RUNBOOK_HOST_DIR
  else process.env.RUNBOOK_HOST_DIR = savedHostDir
  rmSync(root, { recursive: true, force: true })
})

describe('runbook serve + runbook run --server + runbook runs', () => {
  it('serve --help is generated from its definition', async () => {
    const help = await cli(['serve', '--help'], env)
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/--listen HOST:PORT/)
    expect(help.stdout).toMatch(/--state-dir DIR/)
  })

  it('runs: no token is refused with the server’s reason; with a token, an empty list', async () => {
    const refused = await cli(['runs', '--server', server], env)
    expect(refused.code).toBe(2)
    expect(refused.stderr).toMatch(/RB_UNAUTHENTICATED.*no Authorization header/)
    const empty = await cli(['runs', '--server', server], { ...env, RUNBOOK_TOKEN: TOKENS.vic })
    expect([empty.code, empty.stdout]).toEqual([0, 'no runs\n'])
    const unreachable = await cli(['runs', '--server', 'http://127.0.0.1:9'], { ...env, RUNBOOK_TOKEN: TOKENS.vic })
    expect(unreachable.stderr).toMatch(/RB_SERVER_UNREACHABLE.*cannot reach http:\/\/127\.0\.0\.1:9/)
  })

  it('run --server: a bad param is refused by the server with the CLI’s message, and nothing runs', async () => {
    const r = await cli(['run', 'log-dir-full', '--server', server, '--host', 'local', '-p', `dir=${logs.dir}`, '-p', 'max_dir_mb=lots'], {
      ...env,
      RUNBOOK_TOKEN: TOKENS.alice,
    })
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/RB_PARAM_TYPE.*server: param 'max_dir_mb': "lots" is not/)
  })

  it('run --server follows the run to its exit code; its local transcript is the server’s export; runs lists it', async () => {
    const transcript = join(root, 'remote.jsonl')
    const before = logs.snapshot()
    const r = await cli(
      [
        'run',
        'log-dir-full',
        '--server',
        server,
        '--host',
        'local',
        '-p',
        `dir=${logs.dir}`,
        '-p',
        'max_dir_mb=2',
        '-p',
        `archive=${logs.archive}`,
        '--transcript',
        transcript,
      ],
      { ...env, RUNBOOK_TOKEN: TOKENS.alice },
    )
    expect(r.stderr).toMatch(/run \S+ queued on/)
    expect(r.code).toBe(4)
    expect(logs.snapshot()).toEqual(before)
    const id = r.stderr.match(/run (\S+) queued/)![1]!
    const exported = await fetch(`${server}/api/runs/${id}/events`, {
      headers: { authorization: `Bearer ${TOKENS.vic}`, accept: 'application/x-ndjson' },
    })
    expect(readFileSync(transcript, 'utf8')).toBe(await exported.text())

    const list = await cli(['runs', '--server', server, '--status', 'fix-proposed'], { ...env, RUNBOOK_TOKEN: TOKENS.vic })
    expect(list.code).toBe(0)
    const lines = list.stdout.trim().split('\n')
    expect(lines[0]).toMatch(/^ID\s+STATUS\s+EXIT\s+RUNBOOK/)
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(new RegExp(`^${id}\\s+fix-proposed\\s+4\\s+log-dir-full\\s+local\\s+dry-run\\s+alice`)),
    ])
    const json = await cli(['runs', '--json'], { ...env, RUNBOOK_SERVER: server, RUNBOOK_TOKEN: TOKENS.vic })
    expect(JSON.parse(json.stdout)).toEqual([expect.objectContaining({ id, status: 'fix-proposed', exitCode: 4 })])
  })

  it('run --server --apply waits for another identity to approve, then exits 5 with the fix applied', async () => {
    const before = logs.snapshot()
    const running = cli(
      [
        'run',
        'log-dir-full',
        '--server',
        server,
        '--apply',
        '--host',
        'local',
        '-p',
        `dir=${logs.dir}`,
        '-p',
        'max_dir_mb=2',
        '-p',
        `archive=${logs.archive}`,
        '--json',
        '--transcript',
        join(root, 'apply.jsonl'),
      ],
      { ...env, RUNBOOK_TOKEN: TOKENS.alice },
    )
    const headers = { authorization: `Bearer ${TOKENS.bob}` }
    let run: { id: string; status: string; approvalRequest: { planHash: string } | null } | undefined
    const end = Date.now() + 20_000
    while (run?.status !== 'waiting-approval') {
      if (Date.now() > end) throw new Error(`no run waits for approval: ${JSON.stringify(run)}`)
      await new Promise((r) => setTimeout(r, 50))
      const { runs } = (await (await fetch(`${server}/api/runs?runbook=log-dir-full&limit=1`, { headers })).json()) as {
        runs: Array<{ id: string }>
      }
      run = (await (await fetch(`${server}/api/runs/${runs[0]!.id}`, { headers })).json()) as typeof run
    }
    const approved = await fetch(`${server}/api/runs/${run.id}/approvals`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ planHash: run.approvalRequest!.planHash, decision: 'approve' }),
    })
    expect(approved.status).toBe(200)
    const r = await running
    expect(r.stderr).toMatch(/waiting for another identity to approve plan/)
    expect(r.code, r.stderr).toBe(5)
    const events = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; by?: string })
    expect(events.find((e) => e.type === 'fix.approved')).toMatchObject({ by: 'bob' })
    expect(events.at(-1)).toMatchObject({ type: 'run.finished', status: 'fix-applied', exitCode: 5 })
    expect(logs.snapshot()).not.toEqual(before)
    expect(Object.keys(logs.snapshot()).some((f) => f.endsWith('.gz'))).toBe(false)
  })

  it('serve logs where it listens and what it serves', () => {
    expect(serveErr.stderr).toMatch(/state .*state, access .*access\.yaml, local commands, 4 at once/)
  })
})
