/**
 * The compiled machine as a picture: Mermaid `stateDiagram-v2` (renders in GitHub and most
 * editors) or Graphviz dot. Drawn from the machine's own transitions (CompiledRunbook.edges).
 */
import type { CompiledRunbook } from './compile.ts'
import type { CompiledStep } from './model.ts'

const mid = (s: string) => s.replace(/[^A-Za-z0-9_]/g, '_')
const label = (s: string, max = 80) => s.replace(/"/g, "'").replace(/[:;]/g, ' ').slice(0, max)

/** The actions a step uses: its own (`uses ns/x@1`), or those of its parallel commands (`cmd uses ns/x@1`). */
function usesOf(s: CompiledStep): string[] {
  if (s.action) return [`uses ${s.action}`]
  if (s.kind !== 'parallel') return []
  return s.parallel.flatMap(([sub, c]) => (c.kind === 'run' && c.action ? [`${sub} uses ${c.action}`] : []))
}

export function toMermaid(c: CompiledRunbook, options: { internal?: boolean } = {}): string {
  const lines = ['stateDiagram-v2', `  [*] --> ${mid(c.start)}`]
  for (const s of c.steps.values()) {
    if (s.kind === 'fix') {
      lines.push(`  state ${mid(s.name)} {`, `    [*] --> ${mid(s.name + '.check')}`)
      for (const sub of ['check', 'approve', 'apply', 'verify', 'rollback', 'done']) lines.push(`    ${mid(`${s.name}.${sub}`)} : ${sub}`)
      lines.push('  }')
      if (s.action) lines.push(`  note left of ${mid(s.name)} : ${label(`uses ${s.action}`)}`)
    } else if (s.title || usesOf(s).length > 0) {
      lines.push(`  ${mid(s.name)} : ${label(`${s.name} (${[s.kind, ...usesOf(s)].join(', ')})`, 200)}`)
    }
  }
  for (const e of c.edges) {
    if (e.internal && !options.internal) continue
    lines.push(`  ${mid(e.from)} --> ${mid(e.to)}${e.via && e.via !== 'default' ? ` : ${label(e.via)}` : ''}`)
  }
  for (const o of c.outcomes.values()) lines.push(`  ${mid(o.name)} --> [*]`, `  note right of ${mid(o.name)} : ${o.severity}`)
  return lines.join('\n') + '\n'
}

export function toDot(c: CompiledRunbook, options: { internal?: boolean } = {}): string {
  const q = (s: string) => JSON.stringify(s)
  const lines = [
    `digraph ${q(c.name)} {`,
    '  rankdir=TB;',
    '  node [shape=box, style=rounded];',
    `  __start [shape=point]; __start -> ${q(c.start)};`,
  ]
  for (const s of c.steps.values()) if (usesOf(s).length > 0) lines.push(`  ${q(s.name)} [label=${q([s.name, ...usesOf(s)].join('\n'))}];`)
  for (const o of c.outcomes.values()) lines.push(`  ${q(o.name)} [shape=doubleoctagon, label=${q(`${o.name}\n(${o.severity})`)}];`)
  for (const e of c.edges) {
    if (e.internal && !options.internal) continue
    lines.push(`  ${q(e.from)} -> ${q(e.to)}${e.via && e.via !== 'default' ? ` [label=${q(e.via.slice(0, 60))}]` : ''};`)
  }
  lines.push('}')
  return lines.join('\n') + '\n'
}
