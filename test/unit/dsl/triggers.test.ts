/**
 * triggers.yaml: the shipped example parses and its CEL maps real alerts to params; each mistake
 * is reported with its code at file:line:col (one mistake per case, as the invalid corpus does).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { main } from '../../../src/cli/main.ts'
import { describe, expect, it } from 'vitest'
import { RunbookErrors } from '../../../src/errors.ts'
import { parseTriggers, type Alert, type RunbookParamsLookup } from '../../../src/dsl/triggers.ts'

const runbooks: RunbookParamsLookup = {
  names: () => ['unreachable-host', 'log-dir-full'],
  params: (name) =>
    (
      ({
        'unreachable-host': { host: { required: true }, client_ip: { required: true, default: '${{ facts.operator_ip }}' }, port: {} },
        'log-dir-full': { dir: { required: true }, max_dir_mb: {} },
      }) as Record<string, Record<string, { required?: boolean; default?: unknown }>>
    )[name],
}

export const alert = (over: Partial<Alert> = {}): Alert => ({
  source: 'alertmanager',
  status: 'firing',
  name: 'HostUnreachable',
  labels: { alertname: 'HostUnreachable', instance: 'web1:9100', severity: 'page' },
  annotations: { summary: 'web1 does not answer' },
  fingerprint: 'c0ffee',
  startsAt: '2026-11-27T07:00:00Z',
  endsAt: '0001-01-01T00:00:00Z',
  generatorURL: '',
  receiver: 'runbook',
  groupKey: '{}:{alertname="HostUnreachable"}',
  externalURL: '',
  incident: {
    id: '',
    number: 0,
    title: '',
    status: '',
    urgency: '',
    html_url: '',
    service: '',
    priority: '',
    incident_key: '',
    event_type: '',
  },
  ...over,
})

const HEAD = 'apiVersion: runbook/v1\nkind: Triggers\nrules:\n'
const rule = (lines: string) => HEAD + lines

function errorsOf(text: string): Array<{ code: string; at: string; message: string }> {
  try {
    parseTriggers('t.yaml', text, runbooks)
  } catch (err) {
    if (err instanceof RunbookErrors)
      return err.errors.map((e) => ({ code: e.code, at: `${e.pos?.line}:${e.pos?.col}`, message: e.message }))
    throw err
  }
  return []
}

describe('triggers.yaml', () => {
  it('the shipped example parses; its CEL maps an Alertmanager alert and a PagerDuty incident to params', () => {
    const t = parseTriggers('fixtures/triggers/triggers.yaml', readFileSync('fixtures/triggers/triggers.yaml', 'utf8'), runbooks)
    expect(t.rules.map((r) => [r.name, r.runbook, r.onceWithinMs, r.slackChannel])).toEqual([
      ['web-unreachable', 'unreachable-host', 30 * 60_000, '#ops'],
      ['pd-web', 'unreachable-host', 3_600_000, null],
    ])
    const [am, pd] = t.rules as [(typeof t.rules)[0], (typeof t.rules)[0]]
    const a = alert()
    expect(am.when.evaluate({ alert: a })).toBe(true)
    expect(pd.when.evaluate({ alert: a })).toBe(false)
    expect((am.params.host as { evaluate(v: unknown): unknown }).evaluate({ alert: a })).toBe('web1')
    expect(am.when.evaluate({ alert: alert({ labels: { alertname: 'HostUnreachable', instance: 'db1:9100' } }) })).toBe(false)
    const incident = alert({
      source: 'pagerduty',
      labels: {},
      incident: { ...a.incident, id: 'Q1', number: 7, title: 'web2 unreachable', service: 'Web' },
    })
    expect(pd.when.evaluate({ alert: incident })).toBe(true)
    expect((pd.params.host as { evaluate(v: unknown): unknown }).evaluate({ alert: incident })).toBe('web2')
  })

  it('a missing label is an evaluation error, not a match', () => {
    const t = parseTriggers(
      't.yaml',
      rule('  - { name: r, when: alert.labels.team == "web", runbook: log-dir-full, params: { dir: "\'/var/log\'", max_dir_mb: 5 } }\n'),
      runbooks,
    )
    expect(() => t.rules[0]!.when.evaluate({ alert: alert() })).toThrow(expect.objectContaining({ code: 'RB_CEL_EVAL' }))
    expect(t.rules[0]!.params).toMatchObject({ max_dir_mb: 5 })
    expect((t.rules[0]!.params.dir as { evaluate(v: unknown): unknown }).evaluate({ alert: alert() })).toBe('/var/log')
  })

  it.each([
    [
      'unknown alert field, with a suggestion',
      rule('  - name: r\n    when: alert.lables.x == "y"\n    runbook: log-dir-full\n    params: { dir: alert.labels.dir }\n'),
      'RB_CEL_REFERENCE',
      '5:17',
      /unknown field 'lables'.*did you mean 'labels'/,
    ],
    [
      'CEL syntax',
      rule('  - name: r\n    when: alert.status ==\n    runbook: log-dir-full\n    params: { dir: alert.labels.dir }\n'),
      'RB_CEL_SYNTAX',
      '5:26',
      /CEL syntax error/,
    ],
    [
      'a condition that is not a bool',
      rule('  - name: r\n    when: alert.labels.instance\n    runbook: log-dir-full\n    params: { dir: alert.labels.dir }\n'),
      'RB_CEL_TYPE',
      '5:11',
      /when must be true or false.*string/,
    ],
    [
      'int compared with a string',
      rule('  - name: r\n    when: alert.incident.number == "2"\n    runbook: log-dir-full\n    params: { dir: alert.labels.dir }\n'),
      'RB_CEL_TYPE',
      '5:11',
      /is an int and "2" is a string: compare with 2/,
    ],
    [
      'another variable than alert',
      rule('  - name: r\n    when: params.x == "y"\n    runbook: log-dir-full\n    params: { dir: alert.labels.dir }\n'),
      'RB_CEL_REFERENCE',
      '5:11',
      /params/,
    ],
    [
      'unknown runbook',
      rule('  - name: r\n    when: "true"\n    runbook: unreachable-hots\n'),
      'RB_RUNBOOK_NOT_FOUND',
      '6:14',
      /did you mean 'unreachable-host'/,
    ],
    [
      'unknown param',
      rule(
        '  - name: r\n    when: "true"\n    runbook: unreachable-host\n    params:\n      host: alert.labels.instance\n      hots: alert.labels.instance\n',
      ),
      'RB_PARAM_UNKNOWN',
      '9:7',
      /no param 'hots'.*did you mean 'host'/,
    ],
    [
      'required param not mapped',
      rule('  - name: r\n    when: "true"\n    runbook: unreachable-host\n    params:\n      port: "22"\n'),
      'RB_PARAM_MISSING',
      '7:5',
      /needs param 'host'/,
    ],
    [
      'bad once_within',
      rule('  - name: r\n    when: "true"\n    runbook: log-dir-full\n    params: { dir: alert.labels.dir }\n    once_within: soon\n'),
      'RB_SCHEMA',
      '8:18',
      /once_within must be a duration/,
    ],
    [
      'unknown key, with a suggestion',
      rule('  - name: r\n    when: "true"\n    runbook: log-dir-full\n    params: { dir: alert.labels.dir }\n    slack_chanel: "#ops"\n'),
      'RB_SCHEMA',
      '8:5',
      /unknown key 'slack_chanel': did you mean 'slack_channel'/,
    ],
    [
      'duplicate rule name',
      rule(
        '  - { name: r, when: "true", runbook: log-dir-full, params: { dir: alert.labels.dir } }\n  - { name: r, when: "true", runbook: log-dir-full, params: { dir: alert.labels.dir } }\n',
      ),
      'RB_SCHEMA',
      '5:13',
      /duplicate rule name 'r' \(first defined at line 4\)/,
    ],
    [
      'a rule without when',
      rule('  - name: r\n    runbook: log-dir-full\n    params: { dir: alert.labels.dir }\n'),
      'RB_SCHEMA',
      '4:5',
      /the rule has no 'when'/,
    ],
    ['wrong kind', 'apiVersion: runbook/v1\nkind: Runbook\nrules: []\n', 'RB_SCHEMA', '2:7', /kind must be Triggers/],
    ['YAML syntax', rule('  - name: [r\n'), 'RB_YAML_SYNTAX', '', /./],
  ])('%s', (_, text, code, at, message) => {
    const errors = errorsOf(text)
    expect(errors.length, JSON.stringify(errors)).toBe(1)
    expect(errors[0]!.code).toBe(code)
    if (at) expect(errors[0]!.at).toBe(at)
    expect(errors[0]!.message).toMatch(message)
  })

  it('errors carry a code frame pointing at the column', () => {
    try {
      parseTriggers(
        't.yaml',
        rule('  - name: r\n    when: alert.lables.x == "y"\n    runbook: log-dir-full\n    params: { dir: alert.labels.dir }\n'),
        runbooks,
      )
      expect.unreachable()
    } catch (err) {
      const e = (err as RunbookErrors).errors[0]!
      expect(e.located).toBe('t.yaml:5:17: unknown field \'lables\' in "alert.lables.x == \\"y\\"": did you mean \'labels\'?')
      expect(e.frame).toContain('> 5 |     when: alert.lables.x == "y"')
      expect(e.frame).toMatch(/\n\s+\|\s{17}\^/)
    }
  })
})

describe('runbook validate on a triggers file', () => {
  it('validates it as triggers (against the runbooks it can find), each error at file:line:col; exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rb-triggers-'))
    try {
      writeFileSync(join(dir, 'bad.yaml'), rule('  - name: r\n    when: alert.lables.x == "y"\n    runbook: unreachable-hots\n'))
      const run = async (...argv: string[]) => {
        const out = new PassThrough()
        const err = new PassThrough()
        let text = ''
        out.on('data', (d: Buffer) => (text += d.toString()))
        err.on('data', (d: Buffer) => (text += d.toString()))
        const code = await main(['validate', ...argv], {
          stdout: out,
          stderr: err,
          stdin: new PassThrough(),
          env: { ...process.env, NO_COLOR: '1', RUNBOOK_PATH: '' },
          cwd: dir,
          signal: new AbortController().signal,
        })
        return { code, text }
      }
      const good = await run(join(process.cwd(), 'fixtures/triggers/triggers.yaml'))
      expect(good.text).toMatch(/ok\s+.*triggers\.yaml/)
      expect(good.code).toBe(0)
      const bad = await run('bad.yaml')
      expect(bad.code).toBe(2)
      expect(bad.text).toContain("bad.yaml:5:17: unknown field 'lables'")
      expect(bad.text).toContain("bad.yaml:6:14: no runbook named 'unreachable-hots': did you mean 'unreachable-host'?")
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
