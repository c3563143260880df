/**
 * Which inventory file a command uses when none is given: `--inventory FILE`, else
 * `RUNBOOK_INVENTORY`, else `./inventory.yaml`, else the inventory of the running default lab
 * (`/run/runbook-lab/default/inventory.yaml`, or under `RUNBOOK_LAB_DIR`). No inventory is fine:
 * names are then `user@host:port` or ~/.ssh/config aliases.
 */
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { RunbookError } from '../errors.ts'
import { loadInventory, type Inventory } from './load.ts'

export const DEFAULT_LAB_ROOT = '/run/runbook-lab'
export const DEFAULT_LAB_NAME = 'default'

/** Where labs keep their state; one folder per lab name. */
export function labRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.RUNBOOK_LAB_DIR ?? DEFAULT_LAB_ROOT
}

export function labInventoryPath(name = DEFAULT_LAB_NAME, env: NodeJS.ProcessEnv = process.env): string {
  return join(labRoot(env), name, 'inventory.yaml')
}

/** The inventory file to use, or undefined when there is none. An explicit path must exist. */
export function findInventoryFile(
  explicit: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): string | undefined {
  if (explicit) {
    const p = resolve(cwd, explicit)
    if (!existsSync(p)) throw new RunbookError('RB_USAGE', `inventory file ${p} does not exist`)
    return p
  }
  if (env.RUNBOOK_INVENTORY) return findInventoryFile(env.RUNBOOK_INVENTORY, {}, cwd)
  for (const p of [join(cwd, 'inventory.yaml'), labInventoryPath(DEFAULT_LAB_NAME, env)]) {
    if (existsSync(p)) return p
  }
  return undefined
}

/** Load the inventory `findInventoryFile` picks, if any. */
export function findInventory(
  explicit: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): Inventory | undefined {
  const file = findInventoryFile(explicit, env, cwd)
  return file ? loadInventory(file) : undefined
}
