/**
 * Which store a process uses: the embedded SQLite file in the state dir (the default: nothing to
 * install), or PostgreSQL when `--database postgres://...` (or RUNBOOK_DATABASE) names one. `pg`
 * is loaded only then.
 */
import { RunbookError } from '../errors.ts'
import type { Store } from './store.ts'

/** Where the store is, for messages: never the password. */
export function describeDatabase(url: string): string {
  try {
    const u = new URL(url)
    return `${u.protocol}//${u.username ? `${u.username}@` : ''}${u.host}${u.pathname}`
  } catch {
    return 'postgres'
  }
}

export async function openStore(o: {
  database?: string | undefined
  stateDir: string
  command: string
}): Promise<{ store: Store; where: string }> {
  if (o.database === undefined || o.database === '') {
    const { openSqliteStore } = await import('./sqlite-store.ts')
    return { store: openSqliteStore(o.stateDir), where: `state ${o.stateDir}` }
  }
  if (!/^postgres(ql)?:\/\//.test(o.database))
    throw new RunbookError(
      'RB_USAGE',
      `${o.command}: --database ${JSON.stringify(describeDatabase(o.database))} must be a postgres:// or postgresql:// URL${o.command === 'serve' ? ' (without it, the store is SQLite in the state dir)' : ''}`,
    )
  const { openPostgresStore } = await import('./postgres-store.ts')
  try {
    return { store: await openPostgresStore(o.database), where: `database ${describeDatabase(o.database)}` }
  } catch (err) {
    throw new RunbookError(
      'RB_BACKEND_UNREACHABLE',
      `${o.command}: cannot open the store at ${describeDatabase(o.database)}: ${(err as Error).message}`,
      { cause: err },
    )
  }
}
