/**
 * Inventory file → validated `Inventory`. YAML is parsed keeping positions so a schema error points
 * at `file:line:col`; the schema (schemas/inventory.schema.json, JSON Schema 2020-12) is compiled
 * by ajv ahead of time (dsl/schemas.ts). Relative paths in the file are made absolute against the file's folder.
 */
import { dirname, isAbsolute, resolve } from 'node:path'
import { LineCounter, parseDocument } from 'yaml'
import { SCHEMA_URLS, schemaValidator } from '../dsl/schemas.ts'
import { yamlMessage } from '../dsl/load.ts'
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
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true })
  const posAt = (offset: number): { file: string; line: number; col: number } => {
    const p = lineCounter.linePos(offset)
    return { file, line: p.line, col: p.col }
  }
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!
    throw new RunbookError('RB_USAGE', `inventory is not valid YAML: ${yamlMessage(e.message)}`, { pos: posAt(e.pos[0]) })
  }
  const data: unknown = doc.toJS() ?? {}
  const validate = schemaValidator('inventory')
  if (!validate(data)) {
    const err = validate.errors![0]!
    const path = err.instancePath
      .split('/')
      .slice(1)
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    const node = path.length > 0 ? doc.getIn(path, true) : doc.contents
    const range = (node as { range?: [number, number, number] } | undefined)?.range
    const extra =
      err.params && 'additionalProperty' in err.params
        ? ` '${String(err.params.additionalProperty)}'`
        : err.params && 'unevaluatedProperty' in err.params
          ? ` '${String(err.params.unevaluatedProperty)}'`
          : ''
    throw new RunbookError(
      'RB_USAGE',
      `inventory ${err.instancePath || '/'} ${err.message ?? 'is invalid'}${extra} (see schemas/inventory.schema.json)`,
      range ? { pos: posAt(range[0]) } : {},
    )
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
  checkReferences(inv)
  return inv
}

/** Groups must name existing hosts and groups; a name cannot be both a host and a group. */
function checkReferences(inv: Inventory): void {
  for (const [g, group] of Object.entries(inv.groups)) {
    if (g in inv.hosts) throw new RunbookError('RB_USAGE', `inventory ${inv.file}: '${g}' is both a host and a group; rename one`)
    for (const h of group.hosts ?? []) {
      if (!(h in inv.hosts))
        throw new RunbookError(
          'RB_USAGE',
          `inventory ${inv.file}: group '${g}' lists unknown host '${h}' (hosts: ${Object.keys(inv.hosts).join(', ')})`,
        )
    }
    for (const c of group.children ?? []) {
      if (!(c in inv.groups)) throw new RunbookError('RB_USAGE', `inventory ${inv.file}: group '${g}' lists unknown child group '${c}'`)
    }
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
