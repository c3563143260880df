/** Hook settings: variables win over the config file; the file's mistakes are located; modes checked. */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadHooksConfig } from '../../../../src/service/hooks/config.ts'

const dir = mkdtempSync(join(tmpdir(), 'rb-hooks-config-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const file = (name: string, text: string, mode = 0o600) => {
  const f = join(dir, name)
  writeFileSync(f, text)
  chmodSync(f, mode)
  return f
}

describe('hooks config', () => {
  it('reads the file; a RUNBOOK_* variable wins; lists from YAML lists or commas; triggers relative to the file', () => {
    const f = file(
      'a.yaml',
      'hooks:\n  token: file-token\n  pagerduty_secrets: [a, b]\n  webhook_secret: x, y\ntriggers: t.yaml\npagerduty: { token: p, from: me@example.com }\n',
    )
    expect(loadHooksConfig({}, '/', f)).toMatchObject({
      hookToken: 'file-token',
      pagerDutySecrets: ['a', 'b'],
      webhookSecrets: ['x', 'y'],
      triggersFile: join(dir, 't.yaml'),
      pagerDuty: { token: 'p', from: 'me@example.com' },
    })
    expect(
      loadHooksConfig({ RUNBOOK_HOOK_TOKEN: 'env-token', RUNBOOK_PAGERDUTY_SECRETS: 'c,d', RUNBOOK_TRIGGERS: 'other.yaml' }, '/srv', f),
    ).toMatchObject({ hookToken: 'env-token', pagerDutySecrets: ['c', 'd'], triggersFile: '/srv/other.yaml' })
    expect(loadHooksConfig({}, '/')).toEqual({ pagerDutySecrets: [], webhookSecrets: [], slack: {}, pagerDuty: {} })
  })

  it('locates a mistake in the file, and names no secret', () => {
    const f = file('b.yaml', 'hooks:\n  token: sekrit-1\n  tokne: sekrit-2\n')
    try {
      loadHooksConfig({}, '/', f)
      expect.unreachable()
    } catch (err) {
      const e = (err as { errors: Array<{ code: string; located: string; message: string }> }).errors[0]!
      expect(e.code).toBe('RB_CONFIG_FILE')
      expect(e.located).toMatch(/b\.yaml:3:3: unknown key 'hooks\.tokne'/)
      expect(e.message).not.toContain('sekrit')
    }
  })

  it('refuses a file others can read when it holds secrets, and a PagerDuty token without From', () => {
    expect(() => loadHooksConfig({}, '/', file('c.yaml', 'hooks: { token: t }\n', 0o640))).toThrow(
      /can be read by other users \(mode 640\): chmod 600/,
    )
    expect(() => loadHooksConfig({}, '/', file('d.yaml', 'public_url: https://x\n', 0o644))).not.toThrow()
    expect(() => loadHooksConfig({ RUNBOOK_PAGERDUTY_TOKEN: 't' }, '/')).toThrow(/RUNBOOK_PAGERDUTY_FROM/)
  })
})
