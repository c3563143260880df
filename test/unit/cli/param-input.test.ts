/**
 * Secret params can come from a file, stdin or the environment instead of argv (where `ps` shows
 * them), and `-p` with a secret warns. Real `runbook run --apply --yes --local` runs; the value that
 * reached the host is read back from the file the runbook's fix writes.
 */
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PassThrough, Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { main } from '../../../src/cli/main.ts'
import { useHostDir } from '../../helpers/host-dir.ts'

const RUNBOOK = 'fixtures/runbooks/valid/secret-renderings.yaml'
let dir: string
useHostDir('rb-param-input-', (d) => {
  dir = d
})

/** The CLI in-process with this stdin and extra environment. */
async function cli(argv: string[], options: { stdin?: string; env?: NodeJS.ProcessEnv } = {}) {
  const out = new PassThrough()
  const err = new PassThrough()
  let stdout = ''
  let stderr = ''
  out.on('data', (d: Buffer) => (stdout += d.toString()))
  err.on('data', (d: Buffer) => (stderr += d.toString()))
  const stdin = Object.assign(Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]), { isTTY: false })
  const env = { ...process.env, RUNBOOK_STATE_DIR: join(dir, 'state'), NO_COLOR: '1', ...options.env }
  const code = await main(argv, { stdout: out, stderr: err, stdin, env, cwd: dir, signal: new AbortController().signal })
  return { code, stdout, stderr }
}

/** Apply the runbook with these token flags; the token as the host got it (null: the run did not write it). */
async function apply(tokenFlags: string[], options: { stdin?: string; env?: NodeJS.ProcessEnv } = {}) {
  const out = join(dir, 'out')
  rmSync(out, { force: true })
  const r = await cli(
    [
      'run',
      join(process.cwd(), RUNBOOK),
      '--local',
      '--host',
      'local',
      '--apply',
      '--yes',
      '--json',
      '-t',
      join(dir, 't.jsonl'),
      '-p',
      `out=${out}`,
      '-p',
      `conf=${join(dir, 'conf')}`,
      ...tokenFlags,
    ],
    options,
  )
  let arrived: string | null = null
  try {
    arrived = readFileSync(out, 'utf8')
  } catch {
    arrived = null
  }
  return { ...r, arrived }
}

describe('secret params from a file, stdin or the environment', () => {
  it('--param-file reads the file, stripping exactly one trailing newline', async () => {
    writeFileSync(join(dir, 'token'), "it's a\nmulti-line token\n\n", { mode: 0o600 })
    const r = await apply(['--param-file', 'token=token'])
    expect(r.code, r.stderr).toBe(5)
    expect(r.arrived).toBe("it's a\nmulti-line token\n")
    expect(r.stderr).not.toContain('warning')
  })

  it('--param-file with a secret in a file other users can read warns, saying how to fix it', async () => {
    writeFileSync(join(dir, 'token'), 'world-readable\n')
    chmodSync(join(dir, 'token'), 0o644)
    const r = await apply(['--param-file', 'token=token'])
    expect(r.code, r.stderr).toBe(5)
    expect(r.stderr).toContain("warning: param 'token' is secret, but token can be read by other users (mode 644); chmod 600 token")
  })

  it('--param-file NAME=- reads stdin', async () => {
    const r = await apply(['--param-file', 'token=-'], { stdin: 'from stdin ✓ $x\n' })
    expect(r.code, r.stderr).toBe(5)
    expect(r.arrived).toBe('from stdin ✓ $x')
  })

  it('--param-env reads an environment variable, as it is', async () => {
    const r = await apply(['--param-env', 'token=RB_TEST_TOKEN'], { env: { RB_TEST_TOKEN: 'env "token"\n' } })
    expect(r.code, r.stderr).toBe(5)
    expect(r.arrived).toBe('env "token"\n')
  })

  it('-p with a secret param works but warns that argv shows in ps, naming the alternatives', async () => {
    const r = await apply(['-p', 'token=on-the-command-line'])
    expect(r.code, r.stderr).toBe(5)
    expect(r.arrived).toBe('on-the-command-line')
    expect(r.stderr).toMatch(/warning: param 'token' is secret.*`ps`.*--param-file token=PATH.*--param-env token=VAR/)
    expect(r.stderr).not.toContain('on-the-command-line')
  })

  it.each([
    ['a missing file', ['--param-file', 'token=nope'], {}, /--param-file token=nope: cannot read \S+\/nope \(ENOENT\)/],
    ['an unset variable', ['--param-env', 'token=RB_TEST_UNSET_VAR'], {}, /environment variable RB_TEST_UNSET_VAR is not set/],
    [
      'a param given twice',
      ['-p', 'token=x', '--param-env', 'token=HOME'],
      {},
      /param 'token' is given by both --param and --param-env: give it once/,
    ],
    ['no name', ['--param-file', '=token'], {}, /--param-file "=token": expected name=PATH/],
  ] as const)('%s is a usage error (exit 2) that says what to do, and nothing runs', async (_case, flags, env, message) => {
    const r = await apply([...flags], { env })
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(message)
    expect(r.arrived).toBeNull()
  })

  it('runbook show says how to give a secret param', async () => {
    const r = await cli(['show', join(process.cwd(), RUNBOOK)])
    expect(r.stdout).toContain('token (string, required, secret: give it with --param-file token=PATH or --param-env token=VAR)')
  })

  it('run --help teaches the secret flags', async () => {
    const r = await cli(['run', '--help'])
    expect(r.code).toBe(0)
    for (const text of ['--param-file k=PATH', '--param-env k=VAR', '--param-file token=-', 'ps']) expect(r.stdout).toContain(text)
  })
})
