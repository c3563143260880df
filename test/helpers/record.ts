/** Shared by the test/helpers/record-*.ts scripts, which record fixtures from real lab runs. */
import { mkdirSync } from 'node:fs'

export interface RecordCase {
  name: string
  expectExit: number
  outcome: string
}

/** The outcome id in `run --json` output. */
export function outcomeOf(stdout: string): string | undefined {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { type: string; id?: string })
    .find((e) => e.type === 'outcome')?.id
}

/** Did a recorded run end as its case expects? Prints one line, and the CLI's stderr when not. */
export function judge(c: RecordCase, r: { status: number | null; stdout: string; stderr: string }): boolean {
  const outcome = outcomeOf(r.stdout)
  const ok = r.status === c.expectExit && outcome === c.outcome
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${c.name}: exit ${r.status} (expected ${c.expectExit}), outcome ${outcome} (expected ${c.outcome})`)
  if (!ok) console.error(r.stderr)
  return ok
}

/**
 * The loop every recording script runs: the cases named on the command line (all of them without
 * names), counting the ones that ended otherwise than expected; `cleanup` runs whatever happened
 * (labs down, temp folders gone), and the process exits 1 when a case failed.
 */
export async function recordCases<C extends RecordCase>(plan: {
  script: string
  out: string
  cases: readonly C[]
  record(c: C): Promise<boolean> | boolean
  cleanup(): Promise<void> | void
}): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error(`${plan.script} needs root (it builds labs)`)
  mkdirSync(plan.out, { recursive: true })
  const only = process.argv.slice(2)
  let failed = 0
  try {
    for (const c of plan.cases.filter((x) => only.length === 0 || only.includes(x.name))) {
      if (!(await plan.record(c))) failed++
    }
  } finally {
    await plan.cleanup()
  }
  if (failed > 0) {
    console.error(`${failed} case(s) failed`)
    process.exitCode = 1
  }
}
