/**
 * `readonly: "<why>"`: an author vouches for a diagnostic the read-only check cannot prove. Without
 * it the runbook is refused naming the program; with it the reason is recorded with the command in
 * the transcript and shown in the fix plan.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { validateSource } from '../../../src/dsl/validate.ts'
import { EXIT } from '../../../src/errors.ts'
import { createParserRegistry } from '../../../src/parsers/index.ts'
import { runFile } from '../../helpers/engine.ts'

const FILE = 'fixtures/runbooks/valid/vouched-readonly.yaml'
const dir = mkdtempSync(join(tmpdir(), 'rb-vouch-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('readonly: vouching for a diagnostic', () => {
  it('without the vouch, each unproven command is refused naming its program and column', () => {
    const text = readFileSync(FILE, 'utf8')
      .split('\n')
      .filter((l) => !l.trim().startsWith('readonly:'))
      .join('\n')
    const r = validateSource(FILE, text, createParserRegistry())
    expect(r.ok).toBe(false)
    const errors = r.ok ? [] : r.errors
    expect(errors.map((e) => [e.code, e.pos?.line, e.pos?.col])).toEqual([
      ['RB_MUTATING_OUTSIDE_FIX', 11, 10],
      ['RB_MUTATING_OUTSIDE_FIX', 17, 14],
    ])
    expect(errors[0]!.message).toContain("'python3' is not on the read-only allow-list")
  })

  it('with it, the reason is in the transcript events and in the plan', async () => {
    const { summary, events } = await runFile(FILE, { params: { host: 'localhost', dir } })
    expect(summary.exitCode).toBe(EXIT.FIX_PROPOSED)
    const load = events.find((e) => e.type === 'command.finished' && e.step === 'load')
    expect(load?.type === 'command.finished' && load.spec.readonly).toBe(
      'python3 only prints the load average: os.getloadavg() reads /proc/loadavg',
    )
    const proposed = events.find((e) => e.type === 'fix.proposed')
    expect(proposed?.type === 'fix.proposed' && proposed.plan.vouched).toEqual([
      { command: expect.stringContaining("python3 -c 'import os, sys;"), reason: 'python3 only tests whether the marker file exists' },
    ])
  })
})
