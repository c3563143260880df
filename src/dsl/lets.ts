/**
 * `let:` definitions: named CEL expressions at runbook level and per step. This file holds what a
 * schema cannot say about them: which names are allowed, which lets each one reads, the order to
 * type-check and compile them in, and the cycles that have no order. Type-checking itself is the
 * validator's (it owns the CEL environments); compiling is `compileLets` in expr.ts.
 */
import { freeIdentifiers } from './expr.ts'
import type { PathSegment } from './load.ts'

/** One `name: expr` entry, with the path of its value in the runbook. */
export interface LetDef {
  name: string
  expr: string
  path: PathSegment[]
}

/** The roots every expression sees: a let of one of these names would hide it. */
export const SCOPE_ROOTS = ['params', 'steps', 'result', 'facts'] as const

// CEL reserved words and the names of its types (`type(x) == int`): a variable cannot take them.
const CEL_RESERVED = [
  'as',
  'break',
  'const',
  'continue',
  'else',
  'false',
  'for',
  'function',
  'if',
  'import',
  'in',
  'let',
  'loop',
  'package',
  'namespace',
  'null',
  'return',
  'true',
  'var',
  'void',
  'while',
]
const CEL_TYPES = ['int', 'uint', 'double', 'bool', 'string', 'bytes', 'list', 'map', 'null_type', 'type', 'dyn', 'optional']

/** Why `name` cannot be a let (the schema already checked its characters), or null. */
export function letNameProblem(name: string): string | null {
  if ((SCOPE_ROOTS as readonly string[]).includes(name))
    return `'${name}' is a root every expression already sees (${SCOPE_ROOTS.join(', ')}): give the let another name`
  if (CEL_RESERVED.includes(name)) return `'${name}' is a reserved word in CEL: give the let another name`
  if (CEL_TYPES.includes(name)) return `'${name}' is a CEL type name: give the let another name`
  return null
}

/** The entries of a `let:` mapping, in source order. */
export function letDefs(lets: Record<string, string | undefined> | undefined, path: PathSegment[]): LetDef[] {
  return Object.entries(lets ?? {}).flatMap(([name, expr]) => (expr === undefined ? [] : [{ name, expr, path: [...path, name] }]))
}

export interface LetCycle {
  /** The let where the report goes: the first of the cycle in source order. */
  def: LetDef
  /** `a → b → a`, as names. */
  chain: string[]
  /** Where `def` names the next let of the chain, in its expression. */
  offset: number
}

/**
 * `defs` sorted so that each let comes after the lets of `defs` it reads, and the cycles that
 * leave no such order. Lets in a cycle are left out of `ordered`. Names outside `defs` (the
 * runbook's lets, seen from a step) are not followed: they are already ordered.
 */
export function orderLets(defs: readonly LetDef[]): { ordered: LetDef[]; cycles: LetCycle[] } {
  const byName = new Map(defs.map((d) => [d.name, d]))
  const reads = new Map<string, Map<string, number>>()
  for (const d of defs) {
    const free = freeIdentifiers(d.expr) ?? new Map<string, number>()
    reads.set(d.name, new Map([...free].filter(([n]) => byName.has(n))))
  }
  const ordered: LetDef[] = []
  const cycles: LetCycle[] = []
  const state = new Map<string, 'visiting' | 'done' | 'cyclic'>()
  const stack: string[] = []
  const visit = (name: string): boolean => {
    const s = state.get(name)
    if (s === 'done') return true
    if (s === 'cyclic') return false
    if (s === 'visiting') {
      const chain = [...stack.slice(stack.indexOf(name)), name]
      for (const n of chain) state.set(n, 'cyclic')
      // Report at the member listed first, pointing at its use of the next one.
      const members = chain.slice(0, -1)
      const first = defs.find((d) => members.includes(d.name))!
      const at = members.indexOf(first.name)
      const rotated = [...members.slice(at), ...members.slice(0, at), first.name]
      cycles.push({ def: first, chain: rotated, offset: reads.get(first.name)!.get(rotated[1]!) ?? 0 })
      return false
    }
    state.set(name, 'visiting')
    stack.push(name)
    let ok = true
    for (const dep of reads.get(name)!.keys()) ok = visit(dep) && ok
    stack.pop()
    if (state.get(name) === 'cyclic') return false
    if (!ok) {
      // Reads a let that is part of a cycle: it cannot be ordered either, but is not itself reported.
      state.set(name, 'cyclic')
      return false
    }
    state.set(name, 'done')
    ordered.push(byName.get(name)!)
    return true
  }
  for (const d of defs) visit(d.name)
  return { ordered, cycles }
}
