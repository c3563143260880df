/**
 * The redactor on renderings the end-to-end runs cannot easily produce on this machine (tests run
 * as root, so the local executor never wraps in sudo): a sudo-wrapped command as `ps` on a host
 * shows it, `base64`'s wrapped output, and the emitter's one-pass replacement.
 */
import { describe, expect, it } from 'vitest'
import { Emitter } from '../../../src/engine/emitter.ts'
import { Redactor } from '../../../src/engine/redact.ts'
import { quote, withSudo } from '../../../src/shared/quote.ts'
import type { RunEvent } from '../../../src/types.ts'
import { leakForms, SECRET_CASES } from '../../helpers/secrets.ts'

describe.each(SECRET_CASES)('Redactor, a secret with %s', (_name, secret) => {
  const r = new Redactor([secret])

  it('redacts a command quoted again for sudo sh -c, and the login shell line that runs it', () => {
    const command = `printf '%s' ${quote(secret)} > /tmp/out`
    for (const text of [withSudo(command), `bash -c ${quote(withSudo(command))}`]) {
      const out = r.text(text)
      expect(leakForms(secret, '').filter(([, f]) => f !== '' && out.includes(f))).toEqual([])
      expect(out).toContain('[redacted]')
    }
  })

  it("redacts base64 of text holding it, also wrapped at base64's 76 columns after a word line", () => {
    const content = `${'x'.repeat(100)}\ntoken = ${secret}\n${'y'.repeat(100)}\n`
    const b64 = Buffer.from(content).toString('base64')
    const wrapped = `present\n${b64.match(/.{1,76}/g)!.join('\n')}\ndone\n`
    const out = r.text(wrapped)
    const lines = out.split('\n')
    expect(lines[0]).toBe('present')
    expect(lines.at(-2)).toBe('done')
    const decoded = Buffer.from(lines.slice(1, -2).join(''), 'base64').toString('utf8')
    expect(decoded).toBe(content.replace(secret, '[redacted]'))
    expect(r.text(`printf '%s' ${b64} | base64 -d`)).toBe(
      `printf '%s' ${Buffer.from(content.replace(secret, '[redacted]')).toString('base64')} | base64 -d`,
    )
  })
})

describe('Redactor', () => {
  it('leaves base64 that does not hold a secret, and text without one, untouched', () => {
    const r = new Redactor(['s3cret'])
    const other = Buffer.from('nothing to see here, really').toString('base64')
    expect(r.text(`echo ${other} /usr/local/bin/something-long`)).toBe(`echo ${other} /usr/local/bin/something-long`)
  })

  it('replaces in one pass, longest first: a secret inside another, or inside [redacted], stays whole', () => {
    const r = new Redactor(['abc', 'xabcx', 'red'])
    expect(r.text('xabcx abc')).toBe('[redacted] [redacted]')
  })

  it("redacts keys of a parser's result (it may key by what was printed), not the event's field names", () => {
    const r = new Redactor(['k3y', 'y'])
    expect(r.value({ type: 'result.parsed', value: { k3y: ['k3y'] } })).toEqual({
      type: 'result.parsed',
      value: { '[redacted]': ['[redacted]'] },
    })
  })

  it('the emitter keeps plan hashes and timestamps intact when a short secret occurs in them', () => {
    const hash = 'ab4821cd'.padEnd(64, '0')
    const at = Date.UTC(2026, 10, 27, 5, 48, 21)
    const seen: RunEvent[] = []
    const emitter = new Emitter({ now: () => at }, (e) => seen.push(e), ['4821', '2026'])
    emitter.emit({ type: 'fix.approved', step: 's', planHash: hash, by: 'user 4821 in 2026' })
    expect(seen[0]).toMatchObject({ planHash: hash, at: new Date(at).toISOString(), by: 'user [redacted] in [redacted]' })
  })
})
