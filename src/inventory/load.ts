/**
 * Inventory file → validated `Inventory`. YAML is parsed keeping positions so a schema error points
 * at `file:line:col`; the schema (schemas/inventory.schema.json, JSON Schema 2020-12) is compiled
 * by ajv ahead of time (dsl/schemas.ts). Relative paths in the file are made absolute against the file's folder.
 */
import { dirname, isAbsolute, resolve } from 'node:path'
import { SCHEMA_URLS, schemaText, schemaValidator } from '../dsl/schemas.ts'
import { loadSource, type PathSegment, type SourceDoc } from '../dsl/load.ts'
import { schemaErrors } from '../dsl/schema-errors.ts'
import { RunbookError } from '../errors.ts'
import { INPUT_LIMITS, readRegularFile } from '../input.ts'

export const INVENTORY_SCHEMA_URL = SCHEMA_URLS.inventory

export interface ConnectionSettings {
  user?: string
  port?: number
  identityFiles?: string[]
  knownHostsFiles?: string[]
  acceptNewHostKeys?: boolean
  /** Inventory host name or `[user@]host[:port]`; null forces a direct connection. */
  bastion?: string | null
  connectTimeoutMs?: number
}

export interface InventoryHost extends ConnectionSettings {
  address?: string
  vars?: Record<string, unknown>
}

export interface InventoryGroup {
  hosts?: string[]
  children?: string[]
  vars?: Record<string, unknown>
}

export interface Inventory {
  /** Absolute path of the file it was read from (`<memory>` otherwise). */
  file: string
  defaults: ConnectionSettings
  vars: Record<string, unknown>
  hosts: Record<string, InventoryHost>
  groups: Record<string, InventoryGroup>
}

function absolutize(list: string[] | undefined, base: string): string[] | undefined {
  return list?.map((p) => (p.startsWith('~') || isAbsolute(p) ? p : resolve(base, p)))
}

/** Parse and validate inventory text. Throws RunbookError RB_USAGE with `file:line:col`. */
export function parseInventory(text: string, file = '<memory>'): Inventory {
  // The runbooks' YAML loader: positions for every value, duplicate keys, merge keys, and the same
  // schema messages ("unknown field 'adress' in hosts.web1: did you mean 'address'?").
  const source = loadSource(file, text)
  const yamlError = source.errors[0]
  if (yamlError) throw yamlError.as('RB_USAGE', `inventory is not valid YAML: ${yamlError.message}`)
  const data: unknown = source.data ?? {}
  const validate = schemaValidator('inventory')
  if (!validate(data)) {
    // One error is shown: a misspelt field (`hots:`) rather than the missing one it causes.
    const all = schemaErrors(source, validate.errors!, 'the inventory', JSON.parse(schemaText('inventory')) as object)
    const first = all.find((e) => e.message.includes('did you mean')) ?? all[0]
    if (first) throw first.as('RB_USAGE', `inventory: ${first.message} (see schemas/inventory.schema.json)`)
    throw new RunbookError('RB_USAGE', 'inventory: does not match schemas/inventory.schema.json')
  }
  const raw = data as Partial<Omit<Inventory, 'file'>>
  const base = file === '<memory>' ? process.cwd() : dirname(file)
  const fix = <T extends ConnectionSettings>(c: T): T => {
    const out: T = { ...c }
    const ids = absolutize(c.identityFiles, base)
    const khs = absolutize(c.knownHostsFiles, base)
    if (ids) out.identityFiles = ids
    if (khs) out.knownHostsFiles = khs
    return out
  }
  const inv: Inventory = {
    file,
    defaults: fix(raw.defaults ?? {}),
    vars: raw.vars ?? {},
    hosts: Object.fromEntries(Object.entries(raw.hosts ?? {}).map(([k, h]) => [k, fix(h ?? {})])),
    groups: raw.groups ?? {},
  }
  checkReferences(inv, source)
  return inv
}

/** Groups must name existing hosts and groups; a name cannot be both a host and a group. Each error points at the name. */
function checkReferences(inv: Inventory, source: SourceDoc): void {
  const at = (path: PathSegment[], message: string, key = false): RunbookError =>
    source.error('RB_USAGE', path, message, { key }).as('RB_USAGE', `inventory ${inv.file}: ${message}`)
  for (const [g, group] of Object.entries(inv.groups)) {
    if (g in inv.hosts) throw at(['groups', g], `'${g}' is both a host and a group; rename one`, true)
    for (const [i, h] of (group.hosts ?? []).entries())
      if (!(h in inv.hosts))
        throw at(['groups', g, 'hosts', i], `group '${g}' lists unknown host '${h}' (hosts: ${Object.keys(inv.hosts).join(', ')})`)
    for (const [i, c] of (group.children ?? []).entries())
      if (!(c in inv.groups)) throw at(['groups', g, 'children', i], `group '${g}' lists unknown child group '${c}'`)
  }
}

/**
 * The last inventory parsed, by file and text: one CLI run loads the same file more than once.
 * Each caller gets its own copy (callers may change theirs).
 */
let last: { abs: string; text: string; inventory: Inventory } | undefined

export function loadInventory(file: string): Inventory {
  const abs = resolve(file)
  let text: string
  try {
    // Regular files only, bounded: `--inventory /dev/zero` or a FIFO must not hang the CLI.
    text = readRegularFile(abs, INPUT_LIMITS.runbookBytes, { what: 'inventory', missing: 'RB_USAGE' })
  } catch (err) {
    if (err instanceof RunbookError && err.code !== 'RB_USAGE') throw err
    throw new RunbookError('RB_USAGE', `cannot read inventory ${abs}: ${(err as Error).message}`, { cause: err })
  }
  if (last?.abs !== abs || last.text !== text) last = { abs, text, inventory: parseInventory(text, abs) }
  return structuredClone(last.inventory)
}
