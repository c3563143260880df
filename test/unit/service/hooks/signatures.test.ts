/** Signature checks on their own: PagerDuty v1 (rotation), the generic scheme, bearer tokens. */
import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  bearerMatches,
  safeEqual,
  signGeneric,
  v1Signatures,
  verifyGeneric,
  verifyPagerDuty,
} from '../../../../src/service/hooks/signatures.ts'

const hmac = (secret: string, data: string) => createHmac('sha256', secret).update(data).digest('hex')
const body = Buffer.from('{"event":{"id":"E1","event_type":"incident.triggered"}}')
const lower = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]))

describe('PagerDuty v1 signatures', () => {
  it('accepts any v1 signature made with any configured secret (rotation), over the exact bytes', () => {
    const header = `v1=${hmac('old', body.toString())},v1=${hmac('new', body.toString())}`
    expect(verifyPagerDuty(body, header, ['new'])).toBe(true)
    expect(verifyPagerDuty(body, header, ['old'])).toBe(true)
    expect(verifyPagerDuty(body, `v1=${hmac('new', body.toString())}`, ['old', 'new'])).toBe(true)
    // Spaces after commas, upper-case hex: still the same signature.
    expect(verifyPagerDuty(body, `v0=abc, V1=x, v1=${hmac('new', body.toString()).toUpperCase()}`, ['new'])).toBe(true)
  })

  it.each([
    ['no header', undefined, ['s']],
    ['another secret', `v1=${hmac('other', body.toString())}`, ['s']],
    ['a signature of another body', `v1=${hmac('s', body.toString() + ' ')}`, ['s']],
    ['a v0 signature', `v0=${hmac('s', body.toString())}`, ['s']],
    ['truncated hex', `v1=${hmac('s', body.toString()).slice(0, 63)}`, ['s']],
    ['no secrets configured', `v1=${hmac('', body.toString())}`, []],
  ])('refuses %s', (_, header, secrets) => {
    expect(verifyPagerDuty(body, header, secrets)).toBe(false)
  })

  it('reads at most 16 well-formed v1 signatures', () => {
    expect(v1Signatures(Array.from({ length: 20 }, () => `v1=${'a'.repeat(64)}`).join(','))).toHaveLength(16)
    expect(v1Signatures('v1=zz,v1=' + 'b'.repeat(64))).toEqual(['b'.repeat(64)])
  })
})

describe('generic webhook signatures', () => {
  const now = 1_800_000_000_000
  const ts = now / 1000
  it('accepts a signature over id.timestamp.body within ±5 minutes', () => {
    const h = lower(signGeneric('k', 'd1', ts, body))
    expect(h['x-runbook-webhook-signature']).toBe(`v1=${hmac('k', `d1.${ts}.${body.toString()}`)}`)
    expect(verifyGeneric(body, h, ['k'], now)).toEqual({ ok: true, id: 'd1', timestamp: now })
    expect(verifyGeneric(body, lower(signGeneric('k', 'd1', ts - 299, body)), ['k'], now).ok).toBe(true)
    expect(verifyGeneric(body, lower(signGeneric('k', 'd1', ts + 299, body)), ['old', 'k'], now).ok).toBe(true)
  })

  it.each([
    ['stale', () => lower(signGeneric('k', 'd1', ts - 301, body)), 'RB_HOOK_STALE'],
    ['from the future', () => lower(signGeneric('k', 'd1', ts + 301, body)), 'RB_HOOK_STALE'],
    ['forged (other secret)', () => lower(signGeneric('x', 'd1', ts, body)), 'RB_HOOK_UNAUTHENTICATED'],
    [
      'id changed after signing',
      () => ({ ...lower(signGeneric('k', 'd1', ts, body)), 'x-runbook-webhook-id': 'd2' }),
      'RB_HOOK_UNAUTHENTICATED',
    ],
    [
      'timestamp changed after signing',
      () => ({ ...lower(signGeneric('k', 'd1', ts, body)), 'x-runbook-webhook-timestamp': String(ts + 1) }),
      'RB_HOOK_UNAUTHENTICATED',
    ],
    [
      'body-only signature (no id, no timestamp)',
      () => ({ ...lower(signGeneric('k', 'd1', ts, body)), 'x-runbook-webhook-signature': `v1=${hmac('k', body.toString())}` }),
      'RB_HOOK_UNAUTHENTICATED',
    ],
    ['no signature', () => ({ 'x-runbook-webhook-id': 'd1', 'x-runbook-webhook-timestamp': String(ts) }), 'RB_HOOK_UNAUTHENTICATED'],
    [
      'no id',
      () => ({ 'x-runbook-webhook-timestamp': String(ts), 'x-runbook-webhook-signature': 'v1=' + 'a'.repeat(64) }),
      'RB_HOOK_UNAUTHENTICATED',
    ],
    ['a stale forged request (signature checked first)', () => lower(signGeneric('x', 'd1', ts - 3600, body)), 'RB_HOOK_UNAUTHENTICATED'],
  ])('refuses %s', (_, headers, code) => {
    const r = verifyGeneric(body, headers(), ['k'], now)
    expect(r).toMatchObject({ ok: false, code })
    // The reason never carries the expected signature.
    expect(JSON.stringify(r)).not.toContain(hmac('k', `d1.${ts}.${body.toString()}`))
  })
})

describe('bearer tokens', () => {
  it('matches the token only', () => {
    expect(bearerMatches('Bearer t0ken', 't0ken')).toBe(true)
    expect(bearerMatches('bearer t0ken ', 't0ken')).toBe(true)
    expect(bearerMatches('Bearer t0ke', 't0ken')).toBe(false)
    expect(bearerMatches('Basic t0ken', 't0ken')).toBe(false)
    expect(bearerMatches(undefined, 't0ken')).toBe(false)
    expect(bearerMatches('Bearer ', '')).toBe(false)
    expect(safeEqual('a', 'a')).toBe(true)
    expect(safeEqual('a', 'ab')).toBe(false)
  })
})
