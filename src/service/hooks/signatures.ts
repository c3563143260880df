/**
 * How each hook proves who sent it, checked on the raw body before anything else is read.
 * Every comparison is constant-time (digests of equal length through timingSafeEqual), and every
 * candidate is compared, so the time taken says nothing about which secret or signature matched.
 * Nothing here logs, and no reason given back names a secret or an expected signature.
 *
 * - Alertmanager: `Authorization: Bearer <RUNBOOK_HOOK_TOKEN>` (its `http_config.authorization`).
 * - PagerDuty v3: `X-PagerDuty-Signature: v1=<hex>[,v1=<hex>...]`, HMAC-SHA256 of the raw body with
 *   the subscription's secret; several while a secret rotates. Any one matching any configured
 *   secret is enough.
 * - Generic: `X-Runbook-Webhook-Signature: v1=<hex>` = HMAC-SHA256 of `<id>.<timestamp>.<raw body>`,
 *   `X-Runbook-Webhook-Id` unique per delivery, `X-Runbook-Webhook-Timestamp` in Unix seconds
 *   within ±5 minutes of the server clock.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'

export const GENERIC_WINDOW_MS = 5 * 60_000
export const GENERIC_HEADERS = {
  id: 'x-runbook-webhook-id',
  timestamp: 'x-runbook-webhook-timestamp',
  signature: 'x-runbook-webhook-signature',
} as const

export const hmacHex = (secret: string, data: Buffer | string) => createHmac('sha256', secret).update(data).digest('hex')

const digest = (text: string) => createHash('sha256').update(text).digest()

/** Constant-time string equality: compares sha256 digests, so lengths leak nothing either. */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b))
}

/** The `v1=` signatures of a header (`v1=a,v1=b`, spaces allowed); other versions are ignored. */
export function v1Signatures(header: string | undefined): string[] {
  if (!header) return []
  return header
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.startsWith('v1='))
    .map((s) => s.slice(3).toLowerCase())
    .filter((s) => /^[0-9a-f]{64}$/.test(s))
    .slice(0, 16)
}

/** True when some signature is the HMAC of `data` under some secret. Compares every pair. */
export function anySignatureMatches(data: Buffer | string, signatures: string[], secrets: string[]): boolean {
  let ok = false
  for (const secret of secrets) {
    const expected = hmacHex(secret, data)
    for (const sig of signatures) ok = safeEqual(sig, expected) || ok
  }
  return ok
}

export function bearerMatches(header: string | undefined, token: string): boolean {
  const given = header?.match(/^Bearer\s+(\S+)\s*$/i)?.[1] ?? ''
  // Compared even when missing: the same work either way.
  return safeEqual(given, token) && given !== ''
}

export function verifyPagerDuty(raw: Buffer, header: string | undefined, secrets: string[]): boolean {
  return secrets.length > 0 && anySignatureMatches(raw, v1Signatures(header), secrets)
}

export type GenericCheck =
  { ok: true; id: string; timestamp: number } | { ok: false; code: 'RB_HOOK_UNAUTHENTICATED' | 'RB_HOOK_STALE'; reason: string }

/**
 * The generic webhook's headers and signature. The signature is checked before the timestamp's
 * age, so an unsigned request learns nothing about the window.
 */
export function verifyGeneric(
  raw: Buffer,
  headers: Record<string, string | string[] | undefined>,
  secrets: string[],
  nowMs: number,
  windowMs = GENERIC_WINDOW_MS,
): GenericCheck {
  const one = (name: string) => {
    const v = headers[name]
    return typeof v === 'string' ? v : undefined
  }
  const id = one(GENERIC_HEADERS.id)
  const ts = one(GENERIC_HEADERS.timestamp)
  const signatures = v1Signatures(one(GENERIC_HEADERS.signature))
  if (!id || !/^[A-Za-z0-9._:-]{1,128}$/.test(id))
    return {
      ok: false,
      code: 'RB_HOOK_UNAUTHENTICATED',
      reason: 'missing or malformed X-Runbook-Webhook-Id (1 to 128 of A-Z a-z 0-9 . _ : -)',
    }
  if (!ts || !/^[0-9]{1,12}$/.test(ts))
    return { ok: false, code: 'RB_HOOK_UNAUTHENTICATED', reason: 'missing or malformed X-Runbook-Webhook-Timestamp (Unix seconds)' }
  if (signatures.length === 0)
    return { ok: false, code: 'RB_HOOK_UNAUTHENTICATED', reason: 'missing or malformed X-Runbook-Webhook-Signature (v1=<64 hex>)' }
  const signed = Buffer.concat([Buffer.from(`${id}.${ts}.`), raw])
  if (!anySignatureMatches(signed, signatures, secrets))
    return { ok: false, code: 'RB_HOOK_UNAUTHENTICATED', reason: 'signature does not match' }
  const timestamp = Number(ts) * 1000
  if (Math.abs(nowMs - timestamp) > windowMs)
    return { ok: false, code: 'RB_HOOK_STALE', reason: `timestamp ${ts} is more than ${windowMs / 60_000} minutes from the server clock` }
  return { ok: true, id, timestamp }
}

/** The headers a sender of the generic webhook sets (for clients and tests). */
export function signGeneric(secret: string, id: string, timestampSeconds: number, body: Buffer | string): Record<string, string> {
  const signature = hmacHex(secret, Buffer.concat([Buffer.from(`${id}.${timestampSeconds}.`), Buffer.from(body)]))
  return {
    'X-Runbook-Webhook-Id': id,
    'X-Runbook-Webhook-Timestamp': String(timestampSeconds),
    'X-Runbook-Webhook-Signature': `v1=${signature}`,
  }
}
