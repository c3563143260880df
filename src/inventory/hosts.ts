/**
 * Hosts and groups of an inventory: which hosts a group name stands for, and the vars a host sees.
 * (Where a host name leads, for ssh, is the executors' concern: executors/ssh-target.ts.)
 */
import { RunbookError } from '../errors.ts'
import type { Inventory } from './load.ts'

/**
 * Expand a host-or-group name into host names, in inventory order, without duplicates. A name that
 * is not an inventory group is returned as is (a host, alias or user@host:port).
 */
export function expandHosts(name: string, inventory: Inventory | undefined): string[] {
  if (!inventory) return [name]
  if (name === 'all') return Object.keys(inventory.hosts)
  const group = inventory.groups[name]
  if (!group) return [name]
  const out = new Set<string>()
  const walk = (g: string, path: string[]): void => {
    if (path.includes(g)) throw new RunbookError('RB_USAGE', `group loop in inventory: ${[...path, g].join(' -> ')}`)
    const grp = inventory.groups[g]!
    for (const h of grp.hosts ?? []) out.add(h)
    for (const c of grp.children ?? []) walk(c, [...path, g])
  }
  walk(name, [])
  return [...out]
}

/** Vars of a host: inventory vars, then each group containing it (in file order), then the host's. */
export function hostVars(name: string, inventory: Inventory | undefined): Record<string, unknown> {
  if (!inventory) return {}
  const vars: Record<string, unknown> = { ...inventory.vars }
  for (const g of Object.keys(inventory.groups)) {
    if (expandHosts(g, inventory).includes(name)) Object.assign(vars, inventory.groups[g]!.vars ?? {})
  }
  Object.assign(vars, inventory.hosts[name]?.vars ?? {})
  return vars
}
