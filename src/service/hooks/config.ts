/**
 * Hook settings: secrets, the triggers file, where results go. Each comes from a `RUNBOOK_*`
 * variable or from the serve config file (`--config`, YAML); the variable wins. The file holds
 * secrets, so it must be readable by its owner only (chmod 600), as ssh insists for its keys.
 *
 * @example
 * # /etc/runbook/serve.yaml
 * hooks:
 *   token: 3f0c…                     # RUNBOOK_HOOK_TOKEN: Alertmanager's bearer token
 *   pagerduty_secrets: [old…, new…]  # RUNBOOK_PAGERDUTY_SECRETS (comma-separated)
 *   webhook_secret: 9a1e…            # RUNBOOK_WEBHOOK_SECRET (comma-separated while rotating)
 * triggers: /etc/runbook/triggers.yaml   # RUNBOOK_TRIGGERS
 * public_url: https://runbook.example.com # RUNBOOK_PUBLIC_URL
 * slack: { bot_token: xoxb-…, api_url: https://slack.com/api/ }   # RUNBOOK_SLACK_BOT_TOKEN, RUNBOOK_SLACK_API_URL
 * pagerduty: { token: …, from: oncall@example.com, api_url: https://api.pagerduty.com }  # RUNBOOK_PAGERDUTY_TOKEN, _FROM, _API_URL
 */
import { statSync } from 'node:fs'
import { resolve } from 'node:path'
import { RunbookError, RunbookErrors } from '../../errors.ts'
import { checkRegularFile, readRegularFile } from '../../input.ts'
import { loadSource, type SourceDoc } from '../../dsl/load.ts'

export interface HookSecrets {
  hookToken?: string
  pagerDutySecrets: string[]
  webhookSecrets: string[]
}

export interface HooksConfig extends HookSecrets {
  triggersFile?: string
  publicUrl?: string
  slack: { token?: string; apiUrl?: string }
  pagerDuty: { token?: string; apiUrl?: string; from?: string }
}

const list = (text: string | undefined) =>
  (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')

const SHAPE: Record<string, Record<string, 'string' | 'list'> | 'string'> = {
  hooks: { token: 'string', pagerduty_secrets: 'list', webhook_secret: 'list' },
  triggers: 'string',
  public_url: 'string',
  slack: { bot_token: 'string', api_url: 'string' },
  pagerduty: { token: 'string', from: 'string', api_url: 'string' },
}

/** The config file's values, checked against SHAPE; every mistake located. */
function readConfigFile(file: string): Record<string, Record<string, string | string[]> | string> {
  const input = { what: 'serve config file', missing: 'RB_CONFIG_FILE' } as const
  const notRegular = checkRegularFile(file, input)
  if (notRegular) throw notRegular
  const doc: SourceDoc = loadSource(file, readRegularFile(file, 256 * 1024, input))
  if (doc.errors.length > 0) throw new RunbookErrors(doc.errors)
  const errors: RunbookError[] = []
  const data = (doc.data ?? {}) as Record<string, unknown>
  const out: Record<string, Record<string, string | string[]> | string> = {}
  if (typeof data !== 'object' || Array.isArray(data))
    throw doc.error('RB_CONFIG_FILE', [], 'the serve config file is a mapping (hooks, triggers, public_url, slack, pagerduty)')
  for (const [k, v] of Object.entries(data)) {
    const shape = SHAPE[k]
    if (!shape) {
      errors.push(doc.error('RB_CONFIG_FILE', [k], `unknown key '${k}' (known: ${Object.keys(SHAPE).join(', ')})`, { key: true }))
      continue
    }
    if (shape === 'string') {
      if (typeof v !== 'string') errors.push(doc.error('RB_CONFIG_FILE', [k], `${k} must be a string`))
      else out[k] = v
      continue
    }
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      errors.push(doc.error('RB_CONFIG_FILE', [k], `${k} must be a mapping (${Object.keys(shape).join(', ')})`))
      continue
    }
    const section: Record<string, string | string[]> = {}
    for (const [kk, vv] of Object.entries(v as Record<string, unknown>)) {
      const want = shape[kk]
      if (!want)
        errors.push(
          doc.error('RB_CONFIG_FILE', [k, kk], `unknown key '${k}.${kk}' (known: ${Object.keys(shape).join(', ')})`, { key: true }),
        )
      else if (want === 'string' && typeof vv !== 'string') errors.push(doc.error('RB_CONFIG_FILE', [k, kk], `${k}.${kk} must be a string`))
      else if (want === 'list' && typeof vv !== 'string' && !(Array.isArray(vv) && vv.every((s) => typeof s === 'string')))
        errors.push(doc.error('RB_CONFIG_FILE', [k, kk], `${k}.${kk} must be a string or a list of strings`))
      else section[kk] = vv as string | string[]
    }
    out[k] = section
  }
  if (errors.length > 0) throw new RunbookErrors(errors)
  const secret = ['hooks', 'slack', 'pagerduty'].some((k) => k in out)
  const mode = statSync(file).mode
  if (secret && (mode & 0o077) !== 0)
    throw new RunbookError(
      'RB_CONFIG_FILE',
      `${file} holds secrets but can be read by other users (mode ${(mode & 0o777).toString(8)}): chmod 600 ${file}`,
    )
  return out
}

/** Env first, then the config file (relative paths in it are relative to the file). */
export function loadHooksConfig(env: NodeJS.ProcessEnv, cwd: string, configFile?: string): HooksConfig {
  const file = configFile ? resolve(cwd, configFile) : undefined
  const f = file ? readConfigFile(file) : {}
  const section = (k: string) => (typeof f[k] === 'object' ? (f[k] as Record<string, string | string[]>) : {})
  const str = (v: string | string[] | undefined) => (typeof v === 'string' && v !== '' ? v : undefined)
  const strs = (v: string | string[] | undefined) => (Array.isArray(v) ? v.filter((s) => s !== '') : list(v))
  const hooks = section('hooks')
  const slack = section('slack')
  const pd = section('pagerduty')
  const triggers =
    env.RUNBOOK_TRIGGERS || (typeof f.triggers === 'string' ? resolve(file ? resolve(file, '..') : cwd, f.triggers) : undefined)
  const out: HooksConfig = {
    pagerDutySecrets: env.RUNBOOK_PAGERDUTY_SECRETS ? list(env.RUNBOOK_PAGERDUTY_SECRETS) : strs(hooks.pagerduty_secrets),
    webhookSecrets: env.RUNBOOK_WEBHOOK_SECRET ? list(env.RUNBOOK_WEBHOOK_SECRET) : strs(hooks.webhook_secret),
    slack: {},
    pagerDuty: {},
  }
  const set = <T extends object>(o: T, k: keyof T, v: string | undefined) => {
    if (v !== undefined) (o as Record<keyof T, string>)[k] = v
  }
  set(out, 'hookToken', env.RUNBOOK_HOOK_TOKEN || str(hooks.token))
  set(out, 'triggersFile', triggers ? resolve(cwd, triggers) : undefined)
  set(out, 'publicUrl', env.RUNBOOK_PUBLIC_URL || (typeof f.public_url === 'string' ? f.public_url : undefined))
  set(out.slack, 'token', env.RUNBOOK_SLACK_BOT_TOKEN || str(slack.bot_token))
  set(out.slack, 'apiUrl', env.RUNBOOK_SLACK_API_URL || str(slack.api_url))
  set(out.pagerDuty, 'token', env.RUNBOOK_PAGERDUTY_TOKEN || str(pd.token))
  set(out.pagerDuty, 'apiUrl', env.RUNBOOK_PAGERDUTY_API_URL || str(pd.api_url))
  set(out.pagerDuty, 'from', env.RUNBOOK_PAGERDUTY_FROM || str(pd.from))
  // PagerDuty refuses a note without the email of one of its users in `From`.
  if (out.pagerDuty.token && !out.pagerDuty.from)
    throw new RunbookError(
      'RB_CONFIG_FILE',
      'a PagerDuty API token is set but no From address: set RUNBOOK_PAGERDUTY_FROM (or pagerduty.from) to the email of a PagerDuty user',
    )
  return out
}
