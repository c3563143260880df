/**
 * Secrets never reach an output, in any form: a real `runbook run --apply --yes --local` of a
 * runbook that uses its secret every way a runbook can (fixtures/runbooks/valid/secret-renderings.yaml),
 * then every sink is read back: the JSONL transcript, the pino log file, `--json` stdout, the plain
 * view (with command output), stderr, and `runbook replay`. The recorded transcript still replays.
 */
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadRunbook } from '../../../src/library.ts'
import { testRunbook } from '../../../src/testing/replay.ts'
import { runCli } from '../../helpers/cli.ts'
import { leaksIn, SECRET_CASES } from '../../helpers/secrets.ts'
import { useHostDir } from '../../helpers/host-dir.ts'

const RUNBOOK = 'fixtures/runbooks/valid/secret-renderings.yaml'
let dir: string
useHostDir('rb-secrets-', (d) => {
  dir = d
})

/** One real apply run; `view` picks --json or the plain view. Returns every output it produced. */
async function runWith(secret: string, view: 'json' | 'plain') {
  const state = join(dir, `state-${view}`)
  const transcript = join(dir, `${view}.jsonl`)
  const out = join(dir, `${view}.out`)
  const conf = join(dir, `${view}.conf`)
  const env = { ...process.env, RUNBOOK_STATE_DIR: state, NO_COLOR: '1' }
  const argv = [
    'run',
    RUNBOOK,
    '--local',
    '--host',
    'local',
    '--apply',
    '--yes',
    '--log-level',
    'debug',
    '--transcript',
    transcript,
    '-p',
    `token=${secret}`,
    '-p',
    `out=${out}`,
    '-p',
    `conf=${conf}`,
    ...(view === 'json' ? ['--json'] : ['--verbose']),
  ]
  const r = await runCli(argv, env)
  return {
    ...r,
    transcript,
    transcriptText: readFileSync(transcript, 'utf8'),
    log: readFileSync(join(state, 'runbook.log'), 'utf8'),
    out: readFileSync(out, 'utf8'),
    conf: readFileSync(conf, 'utf8'),
  }
}

describe.each(SECRET_CASES)('a secret with %s', (_name, secret) => {
  const fileContent = `token = ${secret}\n`

  it('is used as it is, and no sink shows it in any form', async () => {
    const json = await runWith(secret, 'json')
    const plain = await runWith(secret, 'plain')
    for (const r of [json, plain]) {
      expect(r.code, r.stderr).toBe(5) // fix applied and verified
      // The value reached the host exactly, through a command and through a written file.
      expect(r.out).toBe(secret)
      expect(r.conf).toBe(fileContent)
    }
    const sinks = {
      'transcript (--json run)': json.transcriptText,
      'transcript (plain run)': plain.transcriptText,
      'pino log': json.log + plain.log,
      '--json stdout': json.stdout,
      'plain view stdout': plain.stdout,
      stderr: json.stderr + plain.stderr,
    }
    for (const [sink, text] of Object.entries(sinks)) expect(leaksIn(text, secret, fileContent), sink).toEqual([])
    // The secret was there to leak: it is shown redacted in commands, outputs, the plan and the diff.
    expect(json.transcriptText).toContain('[redacted]')
    expect(plain.stdout).toContain('+token = [redacted]')
    expect(json.log).toContain('[redacted]')
  })

  it('is recorded in a transcript that still replays (runbook test and runbook replay)', async () => {
    const run = await runWith(secret, 'json')
    expect(run.code).toBe(5)
    const tested = await testRunbook(loadRunbook(RUNBOOK), [run.transcript])
    expect(tested.fixtures.map((f) => f.error?.message ?? 'ok')).toEqual(['ok'])
    // The replay asked for the recorded backup and write commands, which name the plan: same id.
    expect(tested.fixtures[0]!.result!.summary.status).toBe('fix-applied')
    // The same through the CLI, as CI runs it: the transcript as a fixture of the runbook.
    mkdirSync(join(dir, 'fixtures', 'secret-renderings'), { recursive: true })
    copyFileSync(run.transcript, join(dir, 'fixtures', 'secret-renderings', 'case.jsonl'))
    const cliTest = await runCli(['test', RUNBOOK, '--fixtures', relative(process.cwd(), join(dir, 'fixtures'))], {
      ...process.env,
      NO_COLOR: '1',
    })
    expect(cliTest.stdout).toContain('1/1 fixtures pass')
    expect(cliTest.code, cliTest.stdout).toBe(0)
    const shown = await runCli(['replay', run.transcript, '--verbose'], { ...process.env, NO_COLOR: '1' })
    expect(shown.stdout).toContain('[redacted]')
    expect(leaksIn(shown.stdout, secret, fileContent)).toEqual([])
  })
})
