/**
 * The shape of the code, checked: which folder may import which (a table, so a tie that runs back
 * up is a named failure, not a review comment), no import cycles in src/, and each third-party
 * library stays behind its adapter file(s), so an upgrade touches one place.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const SRC = resolve('src')
const files = (function walk(d: string): string[] {
  return readdirSync(d).flatMap((f) => {
    const p = join(d, f)
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : []
  })
})(SRC)

const importsOf = (file: string) =>
  [...readFileSync(file, 'utf8').matchAll(/^(?:import|export)\s+(?:type\s+)?[^'"]*?from\s+'([^']+)'/gm)].map((m) => ({
    spec: m[1]!,
    typeOnly: /^(?:import|export)\s+type\b/.test(m[0]),
  }))
/** Static imports plus `await import('./x.ts')` (the CLI loads its commands' code lazily). */
const allRelativeImportsOf = (file: string) =>
  [
    ...importsOf(file).map((i) => i.spec),
    ...[...readFileSync(file, 'utf8').matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)].map((m) => m[1]!),
  ].filter((spec) => spec.startsWith('.'))

/** A file's unit: its top folder under src/, or the file itself for a file at the top (`types.ts`). */
const unitOf = (file: string) => relative(SRC, file).split('/')[0]!

/**
 * Which unit may import which, besides itself. Data flows one way (STYLE.md's tiers): the
 * vocabulary, then what reads input and what runs commands, then the compiler, then the engine,
 * then what drives or shows it. A unit not in this table fails the test: place it first.
 */
const VOCABULARY = ['types.ts', 'errors.ts', 'input.ts', 'version.ts', 'shared']
const ALLOWED: Record<string, readonly string[]> = {
  // 1. vocabulary: types, the error catalogue, input limits, and what every layer shares (quoting, REDACTED)
  'types.ts': [],
  'version.ts': [],
  'errors.ts': ['types.ts'],
  'input.ts': ['errors.ts', 'types.ts'],
  shared: ['types.ts', 'errors.ts'],
  // 2. text → data, and "run this command there" (executors read inventory settings, never runbooks)
  parsers: VOCABULARY,
  dsl: [...VOCABULARY, 'parsers'],
  // the inventory file is checked by the same ahead-of-time schema validators as runbooks (dsl/schemas.ts)
  inventory: [...VOCABULARY, 'dsl'],
  executors: [...VOCABULARY, 'inventory'],
  transcript: VOCABULARY,
  // 3. Runbook → machine
  compile: [...VOCABULARY, 'dsl', 'parsers'],
  // 4. moves the machine; knows executors only by the interface in types.ts
  engine: [...VOCABULARY, 'dsl', 'compile'],
  'library.ts': [...VOCABULARY, 'dsl', 'parsers', 'compile'],
  testing: [...VOCABULARY, 'executors', 'transcript', 'compile', 'engine'],
  fleet: [...VOCABULARY, 'dsl', 'inventory', 'transcript', 'compile', 'engine'],
  // 5. consumers and drivers
  views: [...VOCABULARY, 'dsl', 'fleet'],
  service: [...VOCABULARY, 'dsl', 'compile', 'engine', 'library.ts', 'views'],
  chat: [...VOCABULARY, 'dsl', 'library.ts', 'service', 'views'],
  lab: [...VOCABULARY, 'executors', 'inventory'],
  cli: [
    ...VOCABULARY,
    'dsl',
    'parsers',
    'executors',
    'inventory',
    'transcript',
    'compile',
    'engine',
    'library.ts',
    'testing',
    'fleet',
    'views',
    'service',
    'chat',
    'lab',
  ],
  bench: [
    ...VOCABULARY,
    'dsl',
    'parsers',
    'executors',
    'inventory',
    'compile',
    'engine',
    'library.ts',
    'testing',
    'service',
    'chat',
    'lab',
  ],
  // the public API and the demo sit on top
  'index.ts': [...VOCABULARY, 'dsl', 'transcript', 'compile', 'engine', 'library.ts', 'testing'],
  'demo.ts': [...VOCABULARY, 'library.ts', 'cli', 'lab'],
}

describe('architecture', () => {
  it('every folder and top-level file of src/ has a row in the table of allowed imports', () => {
    const units = [...new Set(files.map(unitOf))].sort()
    expect(
      units
        .filter((u) => !(u in ALLOWED))
        .map((u) => `src/${u} has no row in ALLOWED (architecture.test.ts): say which units it may import`),
    ).toEqual([])
    expect(
      Object.keys(ALLOWED)
        .filter((u) => !units.includes(u))
        .map((u) => `ALLOWED has a row for src/${u}, which does not exist`),
    ).toEqual([])
  })

  it('each import stays within the table of allowed folder imports', () => {
    const broken: string[] = []
    for (const file of files) {
      const from = unitOf(file)
      for (const spec of allRelativeImportsOf(file)) {
        const to = unitOf(resolve(dirname(file), spec))
        if (to === from || ALLOWED[from]?.includes(to)) continue
        broken.push(
          `src/${relative(SRC, file)} imports '${spec}': ${from} may not import ${to} (allowed: ${ALLOWED[from]?.join(', ') || 'nothing'})`,
        )
      }
    }
    expect(broken).toEqual([])
  })

  it('src/ has no import cycles (type-only imports excluded)', () => {
    const graph = new Map(
      files.map((f) => [
        f,
        importsOf(f)
          .filter((i) => i.spec.startsWith('.') && !i.typeOnly)
          .map((i) => resolve(dirname(f), i.spec)),
      ]),
    )
    const cycles: string[] = []
    const state = new Map<string, 'visiting' | 'done'>()
    const stack: string[] = []
    const visit = (f: string) => {
      if (state.get(f) === 'done') return
      if (state.get(f) === 'visiting') {
        cycles.push([...stack.slice(stack.indexOf(f)), f].map((p) => relative(SRC, p)).join(' → '))
        return
      }
      state.set(f, 'visiting')
      stack.push(f)
      for (const dep of graph.get(f) ?? []) visit(dep)
      stack.pop()
      state.set(f, 'done')
    }
    files.forEach(visit)
    expect(cycles).toEqual([])
  })

  it('every dependency in package.json is used by src/ (imported or resolved), or is the peer of one that is', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string> }
    const sources = files.map((f) => readFileSync(f, 'utf8')).join('\n')
    const used = (dep: string) => new RegExp(`['"]${dep.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}(?:/[^'"]*)?['"]`).test(sources)
    const peersOfUsed = new Set(
      Object.keys(pkg.dependencies)
        .filter(used)
        .flatMap((dep) => {
          const manifest = JSON.parse(readFileSync(join('node_modules', dep, 'package.json'), 'utf8')) as {
            peerDependencies?: Record<string, string>
          }
          return Object.keys(manifest.peerDependencies ?? {})
        }),
    )
    expect(
      Object.keys(pkg.dependencies)
        .filter((dep) => !used(dep) && !peersOfUsed.has(dep))
        .map((dep) => `${dep} is in package.json but nothing in src/ uses it`),
    ).toEqual([])
  })

  const adapters: Record<string, string[]> = {
    ssh2: ['executors/ssh.ts', 'bench/ssh.ts', 'bench/fleet.ts'],
    ajv: ['dsl/schemas.ts', 'dsl/schema-errors.ts'],
    '@marcbachmann/cel-js': ['dsl/expr.ts'],
    xstate: ['compile/', 'engine/'],
    pino: ['views/log.ts'],
    fastify: ['service/http/', 'bench/serve.ts'],
    'web-tree-sitter': ['dsl/shell-syntax.ts'],
    'better-sqlite3': ['service/sqlite-store.ts'],
    '@slack/bolt': ['chat/slack-app.ts', 'bench/chatops.ts'],
    ws: ['testing/fake-slack.ts'],
  }
  it.each(Object.entries(adapters))('%s is imported only by its adapter files', (lib, allowed) => {
    const users = files.filter((f) => importsOf(f).some((i) => i.spec === lib || i.spec.startsWith(`${lib}/`))).map((f) => relative(SRC, f))
    expect(users.length).toBeGreaterThan(0)
    expect(users.filter((u) => !allowed.some((a) => u.startsWith(a)))).toEqual([])
  })
})
