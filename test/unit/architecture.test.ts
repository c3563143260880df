/**
 * The shape of the code, checked: no import cycles in src/, and each third-party library stays
 * behind its adapter file(s), so an upgrade touches one place.
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
  [...readFileSync(file, 'utf8').matchAll(/^(?:import|export)\s+(?:type\s+)?[^'"]*?from\s+'([^']+)'/gm)].map((m) => ({ spec: m[1]!, typeOnly: /^(?:import|export)\s+type\b/.test(m[0]) }))

describe('architecture', () => {
  it('src/ has no import cycles (type-only imports excluded)', () => {
    const graph = new Map(files.map((f) => [f, importsOf(f).filter((i) => i.spec.startsWith('.') && !i.typeOnly).map((i) => resolve(dirname(f), i.spec))]))
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

  const adapters: Record<string, string[]> = {
    ssh2: ['executors/ssh.ts', 'bench/ssh.ts', 'bench/fleet.ts'],
    ajv: ['dsl/schemas.ts', 'dsl/schema-errors.ts'],
    '@marcbachmann/cel-js': ['dsl/expr.ts'],
    xstate: ['compile/', 'engine/'],
    pino: ['views/log.ts', 'cli/commands/run.ts'],
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
