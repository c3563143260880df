import { RunbookError } from '../../errors.ts'
import { defineCommand } from '../command.ts'
import { writeJson } from '../output.ts'

interface RunSummary {
  id: string
  url: string
  runbook: string
  host: string | null
  mode: string
  requestedBy: string
  status: string
  exitCode: number | null
  createdAt: string
  finishedAt: string | null
}

export default defineCommand({
  name: 'runs',
  summary: 'List recent runs of a runbook server',
  usage: 'runs [--server URL] [--runbook R] [--host H] [--status S] [--limit N] [--json]',
  description: `Lists the runs a \`runbook serve\` keeps, newest first. The token comes from RUNBOOK_TOKEN (never a flag:
the command line shows in \`ps\`); the server shows only the runs your identity may view.`,
  options: {
    server: { type: 'string', valueName: 'URL', description: 'The server (default $RUNBOOK_SERVER)' },
    runbook: { type: 'string', valueName: 'R', description: 'Only runs of this runbook' },
    host: { type: 'string', valueName: 'H', description: 'Only runs on this host' },
    status: {
      type: 'string',
      valueName: 'S',
      description: 'Only runs with this status (queued, running, waiting-approval, healthy, problem, fix-proposed, ...)',
    },
    limit: { type: 'string', valueName: 'N', description: 'At most N runs (default 20)' },
    json: { type: 'boolean', description: 'Print the runs as JSON' },
  },
  examples: ['RUNBOOK_SERVER=http://127.0.0.1:8080 RUNBOOK_TOKEN=... runbook runs --status waiting-approval'],
  async run({ values, io }) {
    const { apiJson, serverOf } = await import('../client.ts')
    const server = serverOf(values.server, io.env, 'runs')
    const limit = (values.limit as string | undefined) ?? '20'
    if (!/^[1-9][0-9]{0,2}$/.test(limit))
      throw new RunbookError('RB_USAGE', `runs: --limit must be a number from 1 to 999, not ${JSON.stringify(limit)}`)
    const query = new URLSearchParams({ limit })
    for (const k of ['runbook', 'host', 'status'] as const) if (typeof values[k] === 'string') query.set(k, values[k] as string)
    const { runs } = await apiJson<{ runs: RunSummary[] }>(server, 'GET', `/api/runs?${query}`)
    if (values.json) {
      writeJson(io, runs)
      return 0
    }
    if (runs.length === 0) {
      io.stdout.write('no runs\n')
      return 0
    }
    const rows = [
      ['ID', 'STATUS', 'EXIT', 'RUNBOOK', 'HOST', 'MODE', 'BY', 'CREATED'],
      ...runs.map((r) => [
        r.id,
        r.status,
        r.exitCode === null ? '-' : String(r.exitCode),
        r.runbook,
        r.host ?? '-',
        r.mode,
        r.requestedBy,
        r.createdAt.replace(/\.\d+Z$/, 'Z'),
      ]),
    ]
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
    for (const r of rows) io.stdout.write(r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ') + '\n')
    return 0
  },
})
