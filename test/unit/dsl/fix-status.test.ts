/**
 * A fix's `result.status` is one of FIX_STATUSES: the statuses the engine sets, the compiled
 * machine's guards test and runbooks compare are one list, and validation refuses a comparison
 * with a string the engine never sets (a typo would otherwise make a guard silently false).
 */
import { describe, expect, it } from 'vitest'
import { validateSource } from '../../../src/dsl/validate.ts'
import { createParserRegistry } from '../../../src/parsers/index.ts'
import { FIX_STATUSES } from '../../../src/types.ts'

const runbook = (nextIf: string, summary = 'done') => `apiVersion: runbook/v1
name: fixstatus
summary: a fix whose next compares its status
steps:
  repair:
    fix:
      summary: repair it
      check: { run: 'true' }
      apply: ['true']
    next:
      - if: '${nextIf}'
        goto: quiet
      - goto: loud
outcomes:
  quiet: { severity: ok, summary: quiet }
  loud: { severity: ok, summary: "${summary}" }
`
const validate = (text: string) => validateSource('fix.yaml', text, createParserRegistry())
const errors = (text: string) => {
  const r = validate(text)
  return r.ok ? [] : r.errors.map((e) => `${e.code} ${e.message}`)
}

describe('fix statuses', () => {
  it('a fix next may compare result.status with any status the engine sets', () => {
    for (const s of FIX_STATUSES) expect(errors(runbook(`result.status == \"${s}\"`)), s).toEqual([])
  })

  it('a misspelt status in a fix next is RB_CEL_TYPE at its line:col, with did-you-mean', () => {
    const r = validate(runbook(`result.status == "not_neded"`))
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.errors).toHaveLength(1)
    expect(r.errors[0]!.code).toBe('RB_CEL_TYPE')
    expect(r.errors[0]!.message).toContain('"not_neded" is never the status of a fix (did you mean "not_needed"?)')
    expect(r.errors[0]!.pos).toMatchObject({ file: 'fix.yaml', line: 11, col: 31 })
  })

  it('steps.<fix>.result.status is checked too, in either order and with !=, in guards and templates', () => {
    expect(errors(runbook(`"rolled-back" != steps.repair.result.status`)).join('\n')).toContain(
      '"rolled-back" is never the status of a fix',
    )
    expect(errors(runbook('true', `\${{ steps.repair.result.status == 'verfied' ? 'a' : 'b' }}`)).join('\n')).toContain(
      'did you mean "verified"?',
    )
  })

  it('leaves alone the status of what is not a fix (a probe result, a run step)', () => {
    expect(errors(runbook('true', `\${{ steps.repair.status == 'okay' ? 'a' : 'b' }}`))).toEqual([])
  })
})
