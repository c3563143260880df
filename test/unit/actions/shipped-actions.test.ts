/**
 * Every shipped action is a testable unit: the smallest runbook that uses it
 * (fixtures/actions/<namespace>/<name>.yaml) is run against recorded real output
 * (<name>.cases.json names the transcripts: lab runs of a shipped runbook) and must reach the
 * outcome each case names. Commands are answered by their exact text, so an action whose commands
 * drift from what was recorded fails here. A case may add params (a run action's input that the
 * recorded run computed, like the pid of the process it followed).
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createActionLibrary, SHIPPED_ACTIONS } from '../../../src/dsl/actions.ts'
import { SimulatedClock } from '../../../src/engine/clock.ts'
import { runRunbook } from '../../../src/engine/run.ts'
import { ReplayExecutors } from '../../../src/executors/replay.ts'
import { replayApprover } from '../../../src/testing/replay-approver.ts'
import { loadRunbook, parsers } from '../../../src/library.ts'
import { parseTranscript } from '../../../src/transcript/reader.ts'

const shipped = createActionLibrary([SHIPPED_ACTIONS], parsers()).names()

describe('shipped actions', () => {
  it('there are shipped actions, and each one is valid in its own file', () => {
    expect(shipped.length).toBeGreaterThan(0)
    const lib = createActionLibrary([SHIPPED_ACTIONS], parsers())
    expect(lib.list().flatMap((a) => (a.result.ok ? [] : a.result.errors.map((e) => e.message)))).toEqual([])
  })

  it.each(shipped)('%s has a test runbook and recorded cases', (name) => {
    expect(existsSync(join('fixtures/actions', `${name}.yaml`))).toBe(true)
    expect(JSON.parse(readFileSync(join('fixtures/actions', `${name}.cases.json`), 'utf8')).length).toBeGreaterThan(0)
  })

  const cases = shipped.flatMap((name) => {
    const file = join('fixtures/actions', `${name}.cases.json`)
    if (!existsSync(file)) return []
    return (JSON.parse(readFileSync(file, 'utf8')) as Array<{ transcript: string; outcome: string; params?: Record<string, unknown> }>).map(
      (c) => ({ name, params: {}, ...c }),
    )
  })

  it.each(cases)('$name against $transcript reaches $outcome', async ({ name, transcript, outcome, params }) => {
    const compiled = loadRunbook(join('fixtures/actions', `${name}.yaml`))
    expect([...compiled.steps.values()].some((s) => s.action?.startsWith(`${name}@`))).toBe(true)
    const t = parseTranscript(transcript, readFileSync(transcript, 'utf8'))
    const executors = new ReplayExecutors(t.events)
    const summary = await runRunbook(compiled, {
      // The recorded params the test bed declares, and what the case adds (the pid a step found).
      params: { ...Object.fromEntries(Object.entries(t.started.params).filter(([k, v]) => v !== null && k in compiled.params)), ...params },
      mode: t.started.mode,
      executors,
      approver: replayApprover(t.events),
      operator: t.started.operator,
      ...(t.started.runId ? { runId: t.started.runId } : {}),
      acceptRedacted: true,
      clock: new SimulatedClock(Date.parse(t.started.startedAt)),
      onEvent: () => {},
    })
    expect(summary.error?.message).toBeUndefined()
    expect(summary.outcome?.id).toBe(outcome)
    // The action's check ran; in apply mode (unless pre-flight refused the fix), its apply commands too.
    expect(executors.asked.length).toBeGreaterThan(0)
    const fixes = [...compiled.steps.values()].some((s) => s.kind === 'fix')
    if (fixes && t.started.mode === 'apply' && outcome !== '_refused')
      expect(executors.asked.filter((s) => s.mutating).length).toBeGreaterThan(2)
  })
})

describe('the schemas know the actions', () => {
  const runbookSchema = JSON.parse(readFileSync('schemas/runbook.schema.json', 'utf8'))
  const actionSchema = JSON.parse(readFileSync('schemas/action.schema.json', 'utf8'))

  it('uses: offers the shipped actions as an enum, with examples (update $defs.uses when adding one)', () => {
    const uses = runbookSchema.$defs.uses
    expect(uses.anyOf[0].enum).toEqual(shipped)
    expect(uses.examples.length).toBeGreaterThan(0)
    expect(uses.description).toBeTruthy()
  })

  it('every property of the action schema has a description', () => {
    const missing: string[] = []
    const walk = (node: unknown, path: string): void => {
      if (node === null || typeof node !== 'object') return
      const props = (node as { properties?: Record<string, { description?: string }> }).properties
      for (const [k, v] of Object.entries(props ?? {})) if (!v.description) missing.push(`${path}.${k}`)
      for (const [k, v] of Object.entries(node)) walk(v, `${path}/${k}`)
    }
    walk(actionSchema, '#')
    expect(missing).toEqual([])
  })
})
