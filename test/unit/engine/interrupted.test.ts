/**
 * A run stopped from outside (Ctrl-C, SIGTERM, a cancelled service run) says so: it is not a step
 * failure that the runbook could have handled, so its outcome names the interruption instead of
 * advising on_failure/on_timeout/on_error, and the runbook's own handlers do not run.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runFile } from '../../helpers/engine.ts'

const dir = mkdtempSync(join(tmpdir(), 'rb-interrupted-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const file = join(dir, 'wait.yaml')
writeFileSync(
  file,
  `apiVersion: runbook/v1
name: wait
summary: One slow step, every failure handled
steps:
  wait:
    run: "sleep 5"
    timeout: 10s
    on_failure: handled
    on_timeout: handled
    on_error: handled
    next: done
outcomes:
  done: { severity: ok, summary: waited }
  handled: { severity: warning, summary: a handler ran }
`,
)

describe('an interrupted run', () => {
  it('names the interruption and the step it stopped at, and runs no handler', async () => {
    const controller = new AbortController()
    setTimeout(() => controller.abort('SIGINT'), 300)
    const t0 = performance.now()
    const { summary, events } = await runFile(file, { params: {}, signal: controller.signal })
    expect(performance.now() - t0).toBeLessThan(4000)
    expect(summary.interrupted).toBe(true)
    expect(summary.exitCode).toBe(130)
    expect(summary.outcome?.summary).toBe("Run interrupted at step 'wait': that step did not finish and nothing after it ran")
    expect(events.filter((e) => e.type === 'outcome').map((e) => (e as { summary: string }).summary)).not.toContain('a handler ran')
  })
})
