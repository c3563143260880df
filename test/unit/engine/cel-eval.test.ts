/**
 * A CEL expression that type-checks but fails on what a host answers is a runbook problem at a
 * known place: RB_CEL_EVAL naming the step, the expression and the types of the values it read,
 * whether the guard is on a transition (evaluated by the machine) or inside a fix.
 */
import { describe, expect, it } from 'vitest'
import { EXIT } from '../../../src/errors.ts'
import { runFile } from '../../helpers/engine.ts'

const RUNBOOK = 'fixtures/runbooks/valid/cel-eval-error.yaml'

describe('CEL evaluation errors at run time', () => {
  it('in a transition guard: RB_CEL_EVAL naming the step, the expression and the value types (exit 7)', async () => {
    const { summary, events } = await runFile(RUNBOOK, { params: { word: 'abc' } })
    expect(summary.exitCode).toBe(EXIT.INCOMPLETE)
    expect(summary.error?.code).toBe('RB_CEL_EVAL')
    expect(summary.error?.detail).toMatchObject({ step: 'count', expr: 'int(result.lines[0]) > 1' })
    expect(summary.error?.message).toContain("step 'count'")
    expect(summary.error?.message).toContain('int(result.lines[0]) > 1')
    expect(summary.error?.message).toContain('result.lines[0]: string')
    expect(summary.error?.message).not.toMatch(/xstate|state node|Unable to evaluate guard/)
    const finished = events.find((e) => e.type === 'run.finished')
    expect(finished).toMatchObject({ status: 'incomplete', error: { code: 'RB_CEL_EVAL' } })
  })

  it("in a fix's needed_if: RB_CEL_EVAL naming the fix step", async () => {
    const { summary } = await runFile(RUNBOOK, { params: { word: '5', needed: 'x' } })
    expect(summary.exitCode).toBe(EXIT.INCOMPLETE)
    expect(summary.error?.code).toBe('RB_CEL_EVAL')
    expect(summary.error?.detail).toMatchObject({ step: 'adjust', expr: 'int(result.lines[0]) > 0' })
    expect(summary.error?.message).toContain("step 'adjust'")
  })

  it('(control) values the expressions can take run to an outcome', async () => {
    const { summary } = await runFile(RUNBOOK, { params: { word: '0' } })
    expect(summary.outcome?.id).toBe('few')
    expect(summary.error).toBeUndefined()
  })
})
