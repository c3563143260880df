/**
 * Actions and `uses:`: an action file is checked in its own file (errors at its line:col); a use
 * is checked where it is written (unknown action, version, input names and types, with "did you
 * mean"); the expansion renders exactly the commands the same body pasted into the step renders;
 * a team's own actions are found next to its runbooks and on RUNBOOK_PATH; a run action runs.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { actionDirs, createActionLibrary, inputRefs, SHIPPED_ACTIONS } from '../../../src/dsl/actions.ts'
import { validateFile } from '../../../src/dsl/validate.ts'
import { compileRunbook } from '../../../src/compile/compile.ts'
import type { RunbookError } from '../../../src/errors.ts'
import { parsers } from '../../../src/library.ts'
import { runFile } from '../../helpers/engine.ts'

const root = mkdtempSync(join(tmpdir(), 'runbook-actions-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

function write(rel: string, text: string): string {
  const file = join(root, rel)
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, text)
  return file
}

const GREET = `apiVersion: runbook-action/v1
name: team/greet
version: 2
summary: Print a greeting for a user on a port.
inputs:
  who: { type: user, required: true, description: The user to greet. }
  port: { type: port, default: 22, description: A port. }
outputs:
  description: The greeting, one line.
  fields: { lines: the greeting }
run:
  run: echo hello \${{ inputs.who }} on \${{ inputs.port }}
  sudo: false
`
write('team/actions/team/greet.yaml', GREET)

const runbook = (name: string, step: string) =>
  write(
    `team/runbooks/${name}.yaml`,
    `apiVersion: runbook/v1
name: ${name}
summary: test
params:
  user: { type: user, default: alice }
  ip: { type: ip, default: 192.0.2.1 }
steps:
  greet:
${step}
    next: done
outcomes:
  done: { severity: ok, summary: "\${{ steps.greet.result.lines[0] }}" }
`,
  )

const errorsOf = (file: string): RunbookError[] => {
  const v = validateFile(file, parsers())
  return v.ok ? [] : v.errors
}
const located = (file: string) => errorsOf(file).map((e) => `${e.code} ${e.pos?.line}:${e.pos?.col} ${e.message}`)

describe('uses: a run action', () => {
  it('expands to the same command as the body pasted into the step, and names the action', async () => {
    const used = runbook('used', '    uses: team/greet@2\n    with: { who: "${{ params.user }}" }')
    const pasted = runbook('pasted', '    run: echo hello ${{ (params.user) }} on ${{ 22 }}\n    sudo: false')
    const a = await runFile(used, { params: {} })
    const b = await runFile(pasted, { params: {} })
    expect(a.asked.map((s) => s.command)).toEqual(['echo hello alice on 22'])
    expect(a.asked.map((s) => s.command)).toEqual(b.asked.map((s) => s.command))
    expect(a.summary.outcome?.id).toBe('done')
    const v = validateFile(used, parsers())
    if (!v.ok) throw v.errors[0]
    const compiled = compileRunbook(v.value, parsers())
    expect(compiled.steps.get('greet')?.action).toBe('team/greet@2')
    const greet = compiled.steps.get('greet')
    expect(greet?.kind === 'run' && greet.command).toMatchObject({ kind: 'run', action: 'team/greet@2' })
  })

  it('an unknown action is reported at uses:, with did-you-mean', () => {
    expect(located(runbook('unknown', '    uses: team/greeet'))).toEqual([
      expect.stringMatching(/^RB_UNKNOWN_ACTION 9:11 action 'team\/greeet' does not exist: did you mean 'team\/greet'\?/),
    ])
  })

  it('a version the action is not is reported at uses:', () => {
    expect(located(runbook('version', '    uses: team/greet@1\n    with: { who: bob }'))).toEqual([
      expect.stringMatching(/^RB_UNKNOWN_ACTION 9:11 .*team\/greet is version 2/),
    ])
  })

  it('an unknown input is reported at its name, with did-you-mean', () => {
    expect(located(runbook('input-name', '    uses: team/greet\n    with: { whom: bob }'))).toEqual([
      expect.stringMatching(/^RB_ACTION_INPUT 10:13 team\/greet has no input 'whom': did you mean 'who'\?/),
      expect.stringMatching(/^RB_ACTION_INPUT 10:5 team\/greet needs input 'who'/),
    ])
  })

  it('a literal of the wrong type is reported at its value', () => {
    expect(located(runbook('input-type', '    uses: team/greet\n    with: { who: "bob; rm -rf /", port: 70000 }'))).toEqual([
      expect.stringMatching(/^RB_ACTION_INPUT 10:18 input 'who' of team\/greet must be a login name/),
      expect.stringMatching(/^RB_ACTION_INPUT 10:41 input 'port' of team\/greet must be a TCP\/UDP port/),
    ])
  })

  it('a param of another type is reported at its value', () => {
    expect(located(runbook('param-type', '    uses: team/greet\n    with: { who: "${{ params.ip }}" }'))).toEqual([
      expect.stringMatching(/^RB_ACTION_INPUT 10:18 .*params.ip is ip/),
    ])
  })

  it('a step cannot both use an action and run a command', () => {
    expect(located(runbook('both', '    uses: team/greet\n    with: { who: bob }\n    run: echo hi'))).toEqual([
      expect.stringMatching(/^RB_STEP_KIND 11:5 /),
    ])
  })
})

describe('an action file is checked in its own file', () => {
  const bad = write(
    'bad/actions/team/bad.yaml',
    `apiVersion: runbook-action/v1
name: team/bad
version: 1
summary: reads what it may not
inputs:
  ip: { type: ip, required: true, description: An address. }
outputs: { description: nothing }
run:
  run: echo \${{ params.host }} \${{ inputs.iq }}
`,
  )
  const user = write(
    'bad/runbooks/r.yaml',
    `apiVersion: runbook/v1
name: r
summary: test
steps:
  s:
    uses: team/bad
    with: { ip: 192.0.2.1 }
    next: done
outcomes:
  done: { severity: ok, summary: ok }
`,
  )

  it('each error at the action file line:col, and one at the uses: site', () => {
    const errors = errorsOf(user)
    expect(errors.map((e) => `${e.pos?.file.replace(root, '')}:${e.pos?.line}:${e.pos?.col} ${e.code}`)).toEqual([
      '/bad/actions/team/bad.yaml:9:17 RB_CEL_REFERENCE',
      '/bad/actions/team/bad.yaml:9:36 RB_CEL_REFERENCE',
      '/bad/runbooks/r.yaml:6:11 RB_UNKNOWN_ACTION',
    ])
    expect(errors[0]!.message).toMatch(/not 'params'/)
    expect(errors[1]!.message).toMatch(/input 'iq' is not declared: did you mean 'ip'\?/)
    expect(bad).toContain('bad.yaml')
  })

  it('a name that is not its place is refused', () => {
    write('misnamed/actions/team/x.yaml', GREET)
    const r = createActionLibrary([join(root, 'misnamed/actions')], parsers()).get('team/x')
    expect(r?.ok).toBe(false)
    expect(!r?.ok && r?.errors[0]?.message).toMatch(/name it 'team\/x'/)
  })

  it('a diagnostic command that changes the host is refused', () => {
    write(
      'mut/actions/team/mut.yaml',
      GREET.replace('name: team/greet', 'name: team/mut').replace('echo hello', 'systemctl restart nginx; echo hello'),
    )
    const r = createActionLibrary([join(root, 'mut/actions')], parsers()).get('team/mut')
    expect(!r?.ok && r?.errors.map((e) => e.code)).toEqual(['RB_MUTATING_OUTSIDE_FIX'])
  })
})

describe('where actions are found', () => {
  it('next to the runbook folder and on RUNBOOK_PATH, before the shipped ones', () => {
    const dirs = actionDirs([join(root, 'team/runbooks')], { RUNBOOK_PATH: join(root, 'bad/runbooks') })
    expect(dirs).toEqual([join(root, 'team/actions'), join(root, 'bad/actions'), SHIPPED_ACTIONS.replace(/\/$/, '')])
    const names = createActionLibrary(dirs, parsers()).names()
    expect(names).toContain('team/greet')
    expect(names).toContain('fail2ban/lift-ban')
  })
})

describe('inputRefs', () => {
  it('finds inputs.<name> outside string literals', () => {
    expect(inputRefs(`inputs.a + 'inputs.b' + x.inputs.c + inputs . d`).map((r) => r.name)).toEqual(['a', 'd'])
  })
})

describe('uses: in parallel commands and fix checks, list inputs', () => {
  write(
    'more/actions/team/words.yaml',
    `apiVersion: runbook-action/v1
name: team/words
version: 1
summary: Print words, one shell word each.
inputs:
  words: { type: list, required: true, description: The words. }
outputs: { description: the words, fields: { lines: one line } }
run:
  run: printf '%s\\n' \${{ inputs.words }}
  sudo: false
`,
  )
  write(
    'more/actions/team/touch.yaml',
    `apiVersion: runbook-action/v1
name: team/touch
version: 1
summary: A fix that touches a file.
inputs:
  path: { type: path, required: true, description: The file. }
outputs: { description: exit 0 when the file is missing }
fix:
  summary: "touch \${{ inputs.path }}"
  check: { run: "test ! -e \${{ inputs.path }}" }
  apply: ["touch \${{ inputs.path }}"]
`,
  )
  const rb = (name: string, steps: string) =>
    write(
      `more/runbooks/${name}.yaml`,
      `apiVersion: runbook/v1
name: ${name}
summary: test
params:
  file: { type: path, default: /tmp/runbook-actions-test-nonexistent }
steps:
${steps}
outcomes:
  done: { severity: ok, summary: "\${{ steps }}" }
`,
    )

  it('a parallel command and a fix check run run actions; a list input gives one quoted word per element', async () => {
    const file = rb(
      'mixed',
      `  both:
    parallel:
      a: { uses: team/words, with: { words: "\${{ ['x y', 'z'] }}" } }
      b: { run: echo b, sudo: false }
    next: fix
  fix:
    uses: team/touch
    with: { path: "\${{ params.file }}" }
    fix:
      check:
        uses: team/words
        with: { words: "\${{ [params.file] }}" }
        needed_if: "false"
    next: done`,
    )
    const { asked, summary } = await runFile(file, { params: {} })
    expect(summary.error?.message).toBeUndefined()
    expect(asked.map((s) => s.command).sort()).toEqual([
      'echo b',
      "printf '%s\\n' 'x y' z",
      "printf '%s\\n' /tmp/runbook-actions-test-nonexistent",
    ])
    const v = validateFile(file, parsers())
    if (!v.ok) throw v.errors[0]
    expect([...v.value.uses.keys()].sort()).toEqual(['both.a', 'fix', 'fix.check'])
  })

  it('a list input refuses a literal; a parallel command refuses a fix action', () => {
    const file = rb(
      'refused',
      `  both:
    parallel:
      a: { uses: team/words, with: { words: "x y" } }
      b: { uses: team/touch, with: { path: /tmp/x } }
    next: done`,
    )
    expect(located(file)).toEqual([
      expect.stringMatching(/^RB_ACTION_INPUT 9:45 input 'words' of team\/words must be a list of strings.*a list comes from one/),
      expect.stringMatching(/^RB_STEP_KIND 10:18 team\/touch is a fix action: a parallel command runs only read-only \(run\) actions/),
    ])
  })

  it('a check with neither run nor uses is refused', () => {
    const file = rb(
      'no-run',
      `  fix:\n    fix:\n      summary: s\n      check: { needed_if: "true" }\n      apply: ["true"]\n    next: done`,
    )
    expect(located(file)).toEqual([
      expect.stringMatching(/^RB_SCHEMA 10:14 the check of step 'fix' needs run \(a command\) or uses \(a run action\)/),
    ])
  })
})

describe('runbook validate and runbook actions', () => {
  it('validate checks an action file as an action, at its own line:col', async () => {
    const { cli } = await import('../../helpers/cli.ts')
    const r = await cli(['validate', join(root, 'bad/actions/team/bad.yaml'), join(root, 'team/actions')])
    expect(r.code).toBe(2)
    expect(r.stdout).toMatch(/FAIL .*bad\.yaml \(2 errors\)/)
    expect(r.stdout).toMatch(/ok .*greet\.yaml/)
    expect(r.stderr).toMatch(/bad\.yaml:9:17: an action reads inputs/)
  })

  it('actions --json lists the shipped and the team actions with inputs and outputs', async () => {
    const { cli } = await import('../../helpers/cli.ts')
    const r = await cli(['actions', '--json'], { cwd: join(root, 'team') })
    const list = JSON.parse(r.stdout) as Array<{
      name: string
      id: string
      kind: string
      inputs: Array<{ name: string; type: string; required: boolean }>
    }>
    expect(r.code).toBe(0)
    expect(list.find((a) => a.name === 'team/greet')).toMatchObject({
      id: 'team/greet@2',
      kind: 'run',
      inputs: [
        { name: 'who', type: 'user', required: true },
        { name: 'port', type: 'port', required: false },
      ],
    })
    expect(list.find((a) => a.name === 'fail2ban/lift-ban')).toMatchObject({ kind: 'fix', inputs: [{ name: 'ip', type: 'ip' }] })
  })
})

describe('show and graph name the actions; the hash covers them', () => {
  it('show --json gives each step its action, graph labels them', async () => {
    const { cli } = await import('../../helpers/cli.ts')
    const show = await cli(['show', 'stale-connections', '--json'])
    const steps = (
      JSON.parse(show.stdout) as {
        steps: Array<{ name: string; action: string | null; actions: Array<{ command: string; action: string }> }>
      }
    ).steps
    expect(steps.find((s) => s.name === 'restart_owner')?.action).toBe('process/restart-owner@1')
    expect(steps.find((s) => s.name === 'owner')?.actions).toEqual([
      { command: 'waiting', action: 'tcp/waiting-connections@1' },
      { command: 'process', action: 'process/owner@1' },
    ])
    const mermaid = await cli(['graph', 'stale-connections'])
    expect(mermaid.stdout).toContain('note left of restart_owner : uses process/restart-owner@1')
    expect(mermaid.stdout).toContain('owner (parallel, waiting uses tcp/waiting-connections@1, process uses process/owner@1)')
    const dot = await cli(['graph', 'unreachable-host', '--format', 'dot'])
    expect(dot.stdout).toContain('"fix_fail2ban" [label="fix_fail2ban\\nuses fail2ban/lift-ban@2"];')
  })

  it("a runbook's hash changes when an action it uses changes", () => {
    const file = runbook('hashed', '    uses: team/greet@2\n    with: { who: bob }')
    const hash = () => {
      const v = validateFile(file, parsers())
      if (!v.ok) throw v.errors[0]
      return compileRunbook(v.value, parsers()).hash
    }
    const before = hash()
    write('team/actions/team/greet.yaml', GREET.replace('echo hello', 'echo hi'))
    try {
      expect(hash()).not.toBe(before)
    } finally {
      write('team/actions/team/greet.yaml', GREET)
    }
    expect(hash()).toBe(before)
  })
})

describe('listing actions', () => {
  it('skips what is not a namespace folder (a file, a dangling link) instead of failing', async () => {
    const { symlinkSync } = await import('node:fs')
    write('odd/actions/README.md', 'not an action')
    symlinkSync(join(root, 'odd/nowhere'), join(root, 'odd/actions/dangling'))
    write('odd/actions/team/ok.yaml', GREET.replace('name: team/greet', 'name: team/ok'))
    expect(createActionLibrary([join(root, 'odd/actions')], parsers()).names()).toEqual(['team/ok'])
  })
})
