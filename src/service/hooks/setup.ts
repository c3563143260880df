/**
 * Hooks wired for `runbook serve`: config (env + config file), triggers.yaml (validated against
 * the runbooks the server can run, reloaded when the file changes), notifiers and the dispatcher.
 */
import { statSync } from 'node:fs'
import { listRunbookFiles, loadRunbook } from '../../library.ts'
import { loadTriggers, type RunbookParamsLookup, type Triggers } from '../../dsl/triggers.ts'
import type { RunService } from '../service.ts'
import { loadHooksConfig, type HooksConfig } from './config.ts'
import { AlertDispatcher } from './dispatcher.ts'
import { Notifiers, PagerDutyNotifier, SlackNotifier, type Notifier } from './notify.ts'

/**
 * Runbook names and their declared params, as triggers.yaml validation needs them. Validates with
 * `loadRunbook`: in the server the grammar is loaded at start (service.ts); `runbook validate`
 * calls it inside `withReadOnlyVerdicts`.
 */
export function runbookLookup(dirs: readonly string[]): RunbookParamsLookup {
  return {
    names: () => [...listRunbookFiles(dirs).keys()],
    params: (name) => {
      const file = listRunbookFiles(dirs).get(name)
      return file ? (loadRunbook(file).params as Record<string, { required?: boolean; default?: unknown }>) : undefined
    },
  }
}

/** The triggers file, read again when it changes. A broken edit keeps the previous rules (and says so). */
export class TriggersFile {
  #signature = ''
  #triggers: Triggers | undefined
  constructor(
    readonly file: string,
    readonly lookup: RunbookParamsLookup,
    readonly log: (message: string) => void = () => undefined,
  ) {
    this.#triggers = loadTriggers(file, lookup)
    this.#signature = this.#sig()
  }

  #sig(): string {
    try {
      const st = statSync(this.file)
      return `${st.ino}:${st.size}:${st.mtimeMs}`
    } catch {
      return 'missing'
    }
  }

  get(): Triggers | undefined {
    const sig = this.#sig()
    if (sig !== this.#signature) {
      this.#signature = sig
      try {
        this.#triggers = loadTriggers(this.file, this.lookup)
      } catch (err) {
        this.log(`${this.file} changed but is not valid; the previous rules stay in force: ${(err as Error).message}`)
      }
    }
    return this.#triggers
  }
}

export interface Hooks {
  config: HooksConfig
  dispatcher: AlertDispatcher
  triggers?: TriggersFile
  /** One line for the start-up banner: what is on, never a secret. */
  describe(): string
}

export function setupHooks(o: {
  service: RunService
  env: NodeJS.ProcessEnv
  cwd: string
  configFile?: string
  runbookDirs: readonly string[]
  log(message: string): void
  notifier?: Notifier
}): Hooks {
  const config = loadHooksConfig(o.env, o.cwd, o.configFile)
  // Invalid rules stop the server from starting, with every error located.
  const triggers = config.triggersFile ? new TriggersFile(config.triggersFile, runbookLookup(o.runbookDirs), o.log) : undefined
  const notifiers: Notifier[] = o.notifier ? [o.notifier] : []
  if (!o.notifier && config.slack.token)
    notifiers.push(new SlackNotifier({ token: config.slack.token, ...(config.slack.apiUrl ? { apiUrl: config.slack.apiUrl } : {}) }))
  if (config.pagerDuty.token)
    notifiers.push(
      new PagerDutyNotifier({
        token: config.pagerDuty.token,
        from: config.pagerDuty.from!,
        ...(config.pagerDuty.apiUrl ? { apiUrl: config.pagerDuty.apiUrl } : {}),
      }),
    )
  const dispatcher = new AlertDispatcher({
    service: o.service,
    triggers: () => triggers?.get(),
    notifier: new Notifiers(notifiers),
    ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}),
    log: o.log,
  })
  return {
    config,
    dispatcher,
    ...(triggers ? { triggers } : {}),
    describe() {
      const on = [
        config.hookToken ? 'alertmanager' : '',
        config.pagerDutySecrets.length
          ? `pagerduty (${config.pagerDutySecrets.length} secret${config.pagerDutySecrets.length > 1 ? 's' : ''})`
          : '',
        config.webhookSecrets.length ? 'generic' : '',
      ].filter(Boolean)
      const rules = triggers?.get()?.rules.length ?? 0
      return `hooks ${on.join(', ') || 'off'}; ${triggers ? `${rules} trigger rule${rules === 1 ? '' : 's'} from ${triggers.file}` : 'no triggers file'}; results to ${[config.slack.token ? 'Slack' : '', config.pagerDuty.token ? 'PagerDuty' : ''].filter(Boolean).join(' and ') || 'nowhere'}`
    },
  }
}
