/** The one duration parser (runbook fields, trigger windows, CLI flags). */
import { describe, expect, it } from 'vitest'
import { parseDuration } from '../../../src/shared/duration.ts'

describe('parseDuration', () => {
  it('reads every unit, decimals included', () => {
    expect(['1500ms', '30s', '2m', '4h', '1d', '1.5m', '0.5s'].map((t) => parseDuration(t))).toEqual([
      1500, 30_000, 120_000, 14_400_000, 86_400_000, 90_000, 500,
    ])
  })

  it('takes a bare number only when told what it counts', () => {
    expect(parseDuration('1800')).toBeUndefined()
    expect(parseDuration('1800', { bare: 's' })).toBe(1_800_000)
    expect(parseDuration(' 30s ')).toBe(30_000)
  })

  it('refuses what is not a duration', () => {
    for (const t of ['', 's', '-1s', '1 s', '1w', '1e3s', '30sec', '1s2']) expect(parseDuration(t), t).toBeUndefined()
  })
})
