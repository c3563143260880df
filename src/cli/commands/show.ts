import { RunbookError } from '../../errors.ts'
import { defineCommand } from '../command.ts'
import { writeJson } from '../output.ts'

export default defineCommand({
  name: 'show',
  summary: 'Show a runbook: params, lets, steps (with the action each one uses), fixes and outcomes',
  usage: 'show <runbook> [--json]',
  options: { json: { type: 'boolean', description: 'Print JSON' } },
  maxPositionals: 1,
  examples: ['runbook show log-dir-full'],
  async run({ values, positionals, io }) {
    // Loaded here, not at start-up: `runbook --help` and other commands stay fast.
    const { loadRunbookRemembering, resolveRunbook, runbookDirs } = await import('../../library.ts')
    const { stateDir } = await import('../../transcript/writer.ts')
    const { describeType } = await import('../../dsl/params.ts')
    const ref = positionals[0]
    if (!ref) throw new RunbookError('RB_USAGE', 'show: which runbook? Usage: runbook show <runbook>')
    const c = await loadRunbookRemembering(resolveRunbook(ref, runbookDirs(io.env, io.cwd), io.cwd), stateDir(io.env), { learn: false })
    const params = Object.entries(c.params).map(([name, p]) => ({
      name,
      type: p.type,
      accepts: describeType(p),
      required: p.required ?? false,
      default: p.default ?? null,
      secret: p.secret ?? false,
      description: p.description ?? '',
    }))
    const steps = [...c.steps.values()].map((s) => ({
      name: s.name,
      kind: s.kind,
      title: s.title ?? '',
      action: s.action ?? null,
      actions: (s.kind === 'parallel' ? s.parallel : []).flatMap(([sub, c]) =>
        c.kind === 'run' && c.action ? [{ command: sub, action: c.action }] : [],
      ),
      next: s.next.map((t) => t.to),
      fix: s.kind === 'fix' ? { apply: s.fix.apply.map((t) => t.source), rollback: s.fix.rollback.map((t) => t.source) } : undefined,
    }))
    const outcomes = [...c.outcomes.values()].map((o) => ({ name: o.name, severity: o.severity, summary: o.summary.source }))
    // Lets as written, runbook-level first, then each step's (read only by that step).
    const lets = [
      ...c.valid.lets.runbook.map((l) => ({ name: l.name, expr: l.expr, step: null as string | null })),
      ...[...c.valid.lets.steps].flatMap(([step, ls]) => ls.map((l) => ({ name: l.name, expr: l.expr, step }))),
    ]
    if (values.json) {
      writeJson(io, {
        name: c.name,
        file: c.file,
        hash: c.hash,
        summary: c.summary,
        description: c.description ?? '',
        params,
        lets,
        steps,
        outcomes,
      })
      return 0
    }
    const out: string[] = [`${c.name}: ${c.summary}`, `  file: ${c.file}`]
    if (c.description)
      out.push(
        '',
        ...c.description
          .trim()
          .split('\n')
          .map((l) => `  ${l}`),
      )
    out.push('', 'Params:')
    if (params.length === 0) out.push('  (none)')
    for (const p of params) {
      const flags = [
        p.required ? 'required' : p.default !== null ? `default ${JSON.stringify(p.default)}` : 'optional',
        p.secret ? `secret: give it with --param-file ${p.name}=PATH or --param-env ${p.name}=VAR` : '',
      ]
        .filter(Boolean)
        .join(', ')
      out.push(`  ${p.name} (${p.type}, ${flags}): ${p.description || p.accepts}`)
    }
    if (lets.length > 0) {
      out.push('', 'Lets:')
      for (const l of lets) out.push(`  ${l.step ? `${l.step}.` : ''}${l.name} = ${l.expr.replace(/\s+/g, ' ').trim()}`)
    }
    out.push('', 'Steps:')
    for (const s of steps)
      out.push(
        `  ${s.name} [${s.kind}]${s.action ? ` uses ${s.action}` : ''}${s.actions.length > 0 ? ` (${s.actions.map((a) => `${a.command} uses ${a.action}`).join('; ')})` : ''}${s.title ? ` ${s.title}` : ''} → ${s.next.join(' | ') || '(fix outcome)'}`,
      )
    out.push('', 'Outcomes:')
    for (const o of outcomes) out.push(`  ${o.name} (${o.severity}): ${o.summary}`)
    io.stdout.write(out.join('\n') + '\n')
    return 0
  },
})
