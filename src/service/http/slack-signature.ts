/**
 * Slack request signatures for HTTP mode: `v0=` HMAC-SHA256 of `v0:<timestamp>:<raw body>` with
 * the signing secret, a timestamp within ±5 minutes, and each signature accepted once (a replay
 * store). Checked on the raw bytes, before anything parses them.
 *
 * @example
 * await verifySlackRequest({ signature: req.headers['x-slack-signature'], timestamp: req.headers['x-slack-request-timestamp'] }, raw,
 *   { secret, now: Date.now(), claimOnce: (k, at, old) => store.claimOnce(k, at, old) })
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { RunbookError } from '../../errors.ts'

export const SIGNATURE_WINDOW_S = 5 * 60

export function slackSignature(secret: string, timestamp: string, raw: Buffer | string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:`).update(raw).digest('hex')}`
}

export interface VerifyOptions {
  secret: string
  /** Milliseconds since the epoch. */
  now: number
  windowS?: number
  /** The replay store: true the first time a key is seen (Store.claimOnce). */
  claimOnce(key: string, at: number, expireBefore: number): Promise<boolean>
}

/** Throws RB_SLACK_SIGNATURE saying which check failed; resolves when the request is Slack's, once. */
export async function verifySlackRequest(
  headers: { signature?: string | string[] | undefined; timestamp?: string | string[] | undefined },
  raw: Buffer,
  o: VerifyOptions,
): Promise<void> {
  const refuse = (why: string): never => {
    throw new RunbookError('RB_SLACK_SIGNATURE', `Slack request refused: ${why}`)
  }
  const window = o.windowS ?? SIGNATURE_WINDOW_S
  const { signature, timestamp } = headers
  if (typeof timestamp !== 'string' || !/^\d{1,12}$/.test(timestamp)) return refuse('no X-Slack-Request-Timestamp')
  if (typeof signature !== 'string' || !/^v0=[0-9a-f]{64}$/.test(signature))
    return refuse('no X-Slack-Signature of the form v0=<64 hex digits>')
  const skew = Math.abs(o.now / 1000 - Number(timestamp))
  if (skew > window) return refuse(`timestamp ${timestamp} is ${Math.round(skew)} s away from now (at most ${window} s)`)
  const expected = Buffer.from(slackSignature(o.secret, timestamp, raw))
  if (!timingSafeEqual(expected, Buffer.from(signature)))
    return refuse('the signature does not match the body (wrong signing secret, or the body was changed)')
  // After the HMAC check, so a forger cannot fill the replay store.
  if (!(await o.claimOnce(`slack-signature:${signature}`, o.now, o.now - 2 * window * 1000)))
    return refuse('this request was already received (replay)')
}
