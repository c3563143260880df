import { RunbookError } from '../../errors.ts'
import { defineCommand } from '../command.ts'

export default defineCommand({
  name: 'graph',
  summary: 'Print the compiled state machine as Mermaid (default) or Graphviz dot',
  usage: 'graph <runbook> [--format mermaid|dot] [--internal]',
  description:
    'Draws the xstate machine the runbook compiles to: one state per step, fix lifecycles as nested states, outcomes as final states. --internal adds the engine safety edges (unhandled failure, declined approval, failed rollback).',
  options: {
    format: { type: 'string', valueName: 'mermaid|dot', description: 'Output format (default mermaid)' },
    internal: { type: 'boolean', description: 'Include engine safety edges' },
  },
  maxPositionals: 1,
  examples: ['runbook graph log-dir-full > graph.mmd', 'runbook graph log-dir-full --format dot | dot -Tsvg > graph.svg'],
  async run({ values, positionals, io }) {
    // Loaded here, not at start-up: `runbook --help` and other commands stay fast.
    const { toDot, toMermaid } = await import('../../compile/graph.ts')
    const { loadRunbookRemembering, resolveRunbook, runbookDirs } = await import('../../library.ts')
    const { stateDir } = await import('../../transcript/writer.ts')
    const ref = positionals[0]
    if (!ref) throw new RunbookError('RB_USAGE', 'graph: which runbook? Usage: runbook graph <runbook>')
    const format = (values.format as string | undefined) ?? 'mermaid'
    if (format !== 'mermaid' && format !== 'dot')
      throw new RunbookError('RB_USAGE', `graph: --format must be mermaid or dot (got ${format})`)
    const c = await loadRunbookRemembering(resolveRunbook(ref, runbookDirs(io.env, io.cwd), io.cwd), stateDir(io.env), { learn: false })
    const opts = { internal: Boolean(values.internal) }
    io.stdout.write(format === 'dot' ? toDot(c, opts) : toMermaid(c, opts))
    return 0
  },
})
