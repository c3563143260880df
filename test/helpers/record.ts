/** Shared by the test/helpers/record-*.ts scripts, which record fixtures from real lab runs. */

export interface RecordCase {
  name: string
  expectExit: number
  outcome: string
}

/** The outcome id in `run --json` output. */
export function outcomeOf(stdout: string): string | undefined {
  return stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { type: string; id?: string }).find((e) => e.type === 'outcome')?.id
}

/** Did a recorded run end as its case expects? Prints one line, and the CLI's stderr when not. */
export function judge(c: RecordCase, r: { status: number | null; stdout: string; stderr: string }): boolean {
  const outcome = outcomeOf(r.stdout)
  const ok = r.status === c.expectExit && outcome === c.outcome
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${c.name}: exit ${r.status} (expected ${c.expectExit}), outcome ${outcome} (expected ${c.outcome})`)
  if (!ok) console.error(r.stderr)
  return ok
}
