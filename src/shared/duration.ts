/**
 * The one duration parser: runbook fields (`timeout: 30s`), trigger windows (`once_within: 1h`)
 * and CLI flags (`--timeout 1500ms`, `--run-timeout 1800`) all read durations here.
 */

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const
export type DurationUnit = keyof typeof UNIT_MS

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/

/**
 * A duration in milliseconds, or undefined when the text is not one. A number needs a unit unless
 * `bare` says what a bare number counts (CLI flags documented in seconds).
 *
 * @example
 * parseDuration('30s')                  // 30_000
 * parseDuration('1.5m')                 // 90_000
 * parseDuration('1800', { bare: 's' })  // 1_800_000
 * parseDuration('1800')                 // undefined: no unit
 */
export function parseDuration(text: string, options: { bare?: DurationUnit } = {}): number | undefined {
  const m = DURATION.exec(text.trim())
  if (!m) return undefined
  const unit = (m[2] as DurationUnit | undefined) ?? options.bare
  if (unit === undefined) return undefined
  return Math.round(Number(m[1]) * UNIT_MS[unit])
}
