/**
 * Who may do what: `access.yaml` (kept in Git) names identities (API tokens by their sha256, Slack
 * user ids for the chat issue), roles, and rules over verbs × runbook globs × host globs.
 * `RUNBOOK_ADMIN_TOKEN` adds a bootstrap `admin` allowed everything (still under four-eyes).
 *
 * @example
 * # access.yaml
 * identities:
 *   alice: { token_sha256: 9f86d0…, roles: [operator] }
 *   bob:   { token_sha256: 60303a…, roles: [approver], slack: U024BE7LH }
 * roles:
 *   operator: [{ verbs: [view, run, apply], runbooks: ["*"], hosts: ["web*"] }]
 *   approver: [{ verbs: [view, approve], runbooks: ["*"], hosts: ["*"] },
 *              { verbs: [approve], runbooks: [unreachable-host], hosts: ["db*"], approvals: 2 }]
 * slack:
 *   channels: [C0ABCDE12]   # commands and buttons only in these channels (default: any)
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { loadSource, type PathSegment } from '../dsl/load.ts'
import { RunbookError } from '../errors.ts'

export const VERBS = ['view', 'run', 'approve', 'apply'] as const
export type Verb = (typeof VERBS)[number]

export interface Identity {
  name: string
  roles: string[]
  tokenSha256?: string
  slack?: string
}

export interface Rule {
  verbs: Verb[]
  runbooks: string[]
  hosts: string[]
  /** Approvals a matching run's fix needs (default 1). */
  approvals?: number
}

export interface AccessPolicy {
  identities: Identity[]
  roles: Record<string, Rule[]>
  /** The requester cannot approve their own run (default true). */
  fourEyes: boolean
  /** Slack: the channels where commands and buttons are accepted (none given: any channel). */
  slack?: { channels?: string[] }
}

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

/** `*` any run of characters, `?` one; everything else literal. */
export function globMatch(glob: string, text: string): boolean {
  const re = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.')
  return new RegExp(`^${re}$`).test(text)
}

const ALL: Rule = { verbs: [...VERBS], runbooks: ['*'], hosts: ['*'] }
/** The built-in role of alert-started runs: dry-runs only (never apply, never approve). */
export const ALERTS_ROLE = '__alerts'
const ALERTS: Rule = { verbs: ['view', 'run'], runbooks: ['*'], hosts: ['*'] }

export class AccessControl {
  readonly #byToken: Array<{ hash: Buffer; identity: Identity }>
  constructor(
    readonly policy: AccessPolicy,
    adminToken?: string,
  ) {
    const ids = [...policy.identities]
    if (adminToken) ids.push({ name: 'admin', roles: ['__admin'], tokenSha256: sha256(adminToken) })
    this.#byToken = ids.filter((i) => i.tokenSha256).map((identity) => ({ hash: Buffer.from(identity.tokenSha256!, 'hex'), identity }))
  }

  /** The identity a Slack user id belongs to: users not named in access.yaml are nobody. */
  bySlackUser(userId: string): Identity | undefined {
    return this.policy.identities.find((i) => i.slack === userId)
  }

  /** Why a Slack channel may not be used, or undefined when it may. */
  slackChannelRefusal(channel: string): string | undefined {
    const allowed = this.policy.slack?.channels
    if (!allowed || allowed.includes(channel)) return undefined
    return `runbook does not take commands in this channel (${channel}); use ${allowed.map((c) => `<#${c}>`).join(', ')} or add it under slack.channels in access.yaml`
  }

  /** The identity a bearer token belongs to, compared by hash in constant time. */
  authenticate(token: string): Identity | undefined {
    const hash = Buffer.from(sha256(token), 'hex')
    let found: Identity | undefined
    for (const t of this.#byToken) if (t.hash.length === hash.length && timingSafeEqual(t.hash, hash)) found = t.identity
    return found
  }

  #rules(identity: Identity): Rule[] {
    return identity.roles.flatMap((r) => (r === '__admin' ? [ALL] : r === ALERTS_ROLE ? [ALERTS] : (this.policy.roles[r] ?? [])))
  }

  /** True when a rule of one of the identity's roles grants the verb on this runbook and host. */
  can(identity: Identity, verb: Verb, runbook: string, host: string | null): boolean {
    return this.#rules(identity).some((r) => matches(r, verb, runbook, host))
  }

  /** True when a rule grants the verb on this runbook on some host (what the runbook takes is no secret to them). */
  canAnywhere(identity: Identity, verb: Verb, runbook: string): boolean {
    return this.#rules(identity).some((r) => r.verbs.includes(verb) && r.runbooks.some((g) => globMatch(g, runbook)))
  }

  /** The refusal, said as what is missing. */
  why(identity: Identity, verb: Verb, runbook: string, host: string | null): string {
    return `'${identity.name}' may not ${verb} runbook '${runbook}'${host ? ` on host '${host}'` : ''}: no rule of its roles (${identity.roles.filter((r) => r !== '__admin').join(', ') || 'none'}) grants it; add one in access.yaml`
  }

  /** How many approvals a fix of this runbook on this host needs: the most any matching rule asks. */
  approvalsRequired(runbook: string, host: string | null): number {
    const asks = Object.values(this.policy.roles)
      .flat()
      .filter((r) => r.approvals !== undefined && matchesTarget(r, runbook, host))
    return Math.max(1, ...asks.map((r) => r.approvals!))
  }
}

function matchesTarget(r: Rule, runbook: string, host: string | null): boolean {
  return r.runbooks.some((g) => globMatch(g, runbook)) && r.hosts.some((g) => globMatch(g, host ?? 'local'))
}
function matches(r: Rule, verb: Verb, runbook: string, host: string | null): boolean {
  return r.verbs.includes(verb) && matchesTarget(r, runbook, host)
}

/** Reads access.yaml; every mistake is RB_ACCESS_FILE naming the entry. No file: nobody but admin. */
export function loadAccess(file: string | undefined, env: NodeJS.ProcessEnv): AccessControl {
  const admin = env.RUNBOOK_ADMIN_TOKEN || undefined
  if (!file) return new AccessControl({ identities: [], roles: {}, fourEyes: true }, admin)
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw new RunbookError('RB_ACCESS_FILE', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
  return new AccessControl(parseAccess(text, file), admin)
}

export function parseAccess(text: string, file = 'access.yaml'): AccessPolicy {
  // Every mistake points at its place in the file (`access.yaml:7:14`), with a code frame.
  const source = loadSource(file, text)
  const yamlError = source.errors[0]
  if (yamlError) throw yamlError.as('RB_ACCESS_FILE', `YAML: ${yamlError.message}`)
  // `at`: where to point, when it is an item of `path` (the unknown verb in a list of verbs).
  const bad = (path: PathSegment[], what: string, key = false, at: PathSegment[] = path) =>
    source.error('RB_ACCESS_FILE', at, `${path.length === 0 ? 'top level' : pathLabel(path)}: ${what}`, { key })
  const obj = (v: unknown, path: PathSegment[]): Record<string, unknown> => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw bad(path, 'must be a mapping')
    return v as Record<string, unknown>
  }
  const strings = (v: unknown, path: PathSegment[]): string[] => {
    if (!Array.isArray(v) || v.length === 0 || !v.every((s) => typeof s === 'string' && s !== ''))
      throw bad(path, 'must be a non-empty list of strings')
    return v as string[]
  }
  const top = obj(source.data ?? {}, [])
  for (const k of Object.keys(top))
    if (!['identities', 'roles', 'four_eyes', 'slack'].includes(k))
      throw bad([k], 'unknown key (known: identities, roles, four_eyes, slack)', true)
  const roles: Record<string, Rule[]> = {}
  for (const [name, list] of Object.entries(obj(top.roles ?? {}, ['roles']))) {
    if (name.startsWith('__')) throw bad(['roles', name], 'role names starting with __ are reserved for built-in roles', true)
    if (!Array.isArray(list)) throw bad(['roles', name], 'must be a list of rules')
    roles[name] = list.map((raw, i) => {
      const where = ['roles', name, i]
      const r = obj(raw, where)
      for (const k of Object.keys(r))
        if (!['verbs', 'runbooks', 'hosts', 'approvals'].includes(k))
          throw bad([...where, k], 'unknown key (known: verbs, runbooks, hosts, approvals)', true)
      const verbs = strings(r.verbs, [...where, 'verbs'])
      verbs.forEach((v, j) => {
        if (!(VERBS as readonly string[]).includes(v))
          throw bad([...where, 'verbs'], `unknown verb '${v}' (known: ${VERBS.join(', ')})`, false, [...where, 'verbs', j])
      })
      const approvals = r.approvals
      if (approvals !== undefined && (!Number.isInteger(approvals) || (approvals as number) < 1))
        throw bad([...where, 'approvals'], 'must be an integer ≥ 1')
      return {
        verbs: verbs as Verb[],
        runbooks: strings(r.runbooks ?? ['*'], [...where, 'runbooks']),
        hosts: strings(r.hosts ?? ['*'], [...where, 'hosts']),
        ...(approvals !== undefined ? { approvals: approvals as number } : {}),
      }
    })
  }
  const identities = Object.entries(obj(top.identities ?? {}, ['identities'])).map(([name, raw]): Identity => {
    const where = ['identities', name]
    const i = obj(raw, where)
    for (const k of Object.keys(i))
      if (!['token_sha256', 'slack', 'roles'].includes(k)) throw bad([...where, k], 'unknown key (known: token_sha256, slack, roles)', true)
    if (name === 'admin') throw bad(where, "'admin' is the RUNBOOK_ADMIN_TOKEN identity; choose another name", true)
    const token = i.token_sha256
    if (token !== undefined && (typeof token !== 'string' || !/^[0-9a-f]{64}$/.test(token)))
      throw bad([...where, 'token_sha256'], 'must be the hex sha256 of the token (`printf %s "$TOKEN" | sha256sum`), never the token')
    const idRoles = strings(i.roles, [...where, 'roles'])
    idRoles.forEach((r, j) => {
      if (!(r in roles))
        throw bad([...where, 'roles'], `unknown role '${r}' (known: ${Object.keys(roles).join(', ') || 'none'})`, false, [
          ...where,
          'roles',
          j,
        ])
    })
    if (i.slack !== undefined && (typeof i.slack !== 'string' || !/^[UW][A-Z0-9]{2,}$/.test(i.slack)))
      throw bad([...where, 'slack'], 'must be a Slack user id such as U024BE7LH (profile → ⋮ → Copy member ID), not a name')
    return {
      name,
      roles: idRoles,
      ...(token ? { tokenSha256: token as string } : {}),
      ...(typeof i.slack === 'string' ? { slack: i.slack } : {}),
    }
  })
  const slackUsers = new Map<string, string>()
  for (const i of identities) {
    if (!i.slack) continue
    if (slackUsers.has(i.slack))
      throw bad(
        ['identities', i.name, 'slack'],
        `${i.slack} is already the Slack user of '${slackUsers.get(i.slack)}'; one Slack user is one identity`,
      )
    slackUsers.set(i.slack, i.name)
  }
  let slack: AccessPolicy['slack']
  if (top.slack !== undefined) {
    const sl = obj(top.slack, ['slack'])
    for (const k of Object.keys(sl)) if (k !== 'channels') throw bad(['slack', k], 'unknown key (known: channels)', true)
    const channels = sl.channels === undefined ? undefined : strings(sl.channels, ['slack', 'channels'])
    channels?.forEach((c, j) => {
      if (!/^[CGD][A-Z0-9]{2,}$/.test(c))
        throw bad(['slack', 'channels'], `'${c}' is not a Slack channel id (C0ABCDE12: channel details → About → Channel ID)`, false, [
          'slack',
          'channels',
          j,
        ])
    })
    slack = channels ? { channels } : {}
  }
  const fourEyes = top.four_eyes ?? true
  if (typeof fourEyes !== 'boolean') throw bad(['four_eyes'], 'must be true or false')
  return { identities, roles, fourEyes, ...(slack ? { slack } : {}) }
}

/** `roles.oncall[0].verbs`: how the messages name a place in access.yaml. */
function pathLabel(path: readonly PathSegment[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('')
}
