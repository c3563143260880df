/**
 * Which hosts a fleet run targets: `--hosts web1,web2 | GROUP | all` (inventory names, groups, or
 * destinations such as user@host:port), narrowed by `--select key=value` / `key!=value` on the
 * hosts' inventory vars (inventory vars, then their groups', then their own; all selectors must
 * hold). Order: as written, groups and `all` in inventory order; each host once. Pure.
 */
import { RunbookError } from '../errors.ts'
import type { Inventory } from '../inventory/load.ts'
import { expandHosts, hostVars } from '../inventory/hosts.ts'

export interface Selector {
  key: string
  op: '=' | '!='
  value: string
}

const SELECTOR = /^\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*(!=|=)\s*(.*?)\s*$/

export function parseSelector(text: string): Selector {
  const m = SELECTOR.exec(text)
  if (!m) throw new RunbookError('RB_USAGE', `--select: '${text}' is not key=value or key!=value (e.g. --select role=web)`)
  return { key: m[1]!, op: m[2] as Selector['op'], value: m[3]! }
}

/** A var as --select compares it: scalars as text, lists by membership. */
function matches(vars: Record<string, unknown>, s: Selector): boolean {
  const v = vars[s.key]
  const equal = Array.isArray(v) ? v.some((x) => String(x) === s.value) : v !== undefined && v !== null && String(v) === s.value
  return s.op === '=' ? equal : !equal
}

/**
 * @example
 * selectHosts({ hosts: 'web', select: ['role=web'] }, inventory) // ['web1', 'web2']
 */
export function selectHosts(
  spec: { hosts?: string | undefined; select?: readonly string[] | undefined },
  inventory: Inventory | undefined,
): string[] {
  const selectors = (spec.select ?? []).map(parseSelector)
  if (selectors.length > 0 && !inventory) {
    throw new RunbookError(
      'RB_USAGE',
      '--select needs an inventory (--inventory FILE, $RUNBOOK_INVENTORY, ./inventory.yaml or a running lab): host vars live there',
    )
  }
  const names = spec.hosts === undefined ? ['all'] : spec.hosts.split(',').map((n) => n.trim())
  if (names.some((n) => n === ''))
    throw new RunbookError(
      'RB_USAGE',
      `--hosts: '${spec.hosts ?? ''}' has an empty name (write web1,web2 without spaces or trailing commas)`,
    )
  if (!inventory && names.includes('all'))
    throw new RunbookError(
      'RB_USAGE',
      '--hosts all needs an inventory (--inventory FILE, $RUNBOOK_INVENTORY, ./inventory.yaml or a running lab)',
    )
  if (inventory) {
    // A typo in a list of hosts must not become a DNS name: with an inventory, a bare name must be in it.
    const unknown = names.filter((n) => n !== 'all' && !(n in inventory.hosts) && !(n in inventory.groups) && !/[@:.]/.test(n))
    if (unknown.length > 0) {
      throw new RunbookError(
        'RB_USAGE',
        `--hosts: ${unknown.map((n) => `'${n}'`).join(', ')} is neither a host nor a group of ${inventory.file} (hosts: ${Object.keys(inventory.hosts).join(', ')}; groups: ${Object.keys(inventory.groups).join(', ') || 'none'}); a host outside the inventory is written user@host, host:port or as a full domain name`,
      )
    }
  }
  const out = new Set<string>()
  for (const n of names) for (const h of expandHosts(n, inventory)) out.add(h)
  let hosts = [...out]
  if (selectors.length > 0) {
    const inv = inventory!
    for (const s of selectors) {
      const known = new Set(hosts.flatMap((h) => Object.keys(hostVars(h, inv))))
      if (!known.has(s.key)) {
        throw new RunbookError(
          'RB_USAGE',
          `--select ${s.key}${s.op}${s.value}: no selected host has a var '${s.key}' in ${inv.file} (vars: ${[...known].sort().join(', ') || 'none'})`,
        )
      }
    }
    hosts = hosts.filter((h) => selectors.every((s) => matches(hostVars(h, inv), s)))
  }
  if (hosts.length === 0) {
    throw new RunbookError(
      'RB_USAGE',
      `no host matches --hosts ${spec.hosts ?? 'all'}${selectors.length ? ` --select ${(spec.select ?? []).join(' --select ')}` : ''}${inventory ? ` in ${inventory.file}` : ''}`,
    )
  }
  return hosts
}
