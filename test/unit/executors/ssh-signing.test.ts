/**
 * signingOnce (executors/ssh.ts): an identity key decoded once, signing as ssh2 signs. Keys made by
 * the real ssh-keygen; every signature checked against ssh2's own, byte for byte where the
 * algorithm is deterministic (ed25519, RSA PKCS#1 v1.5), and with ssh2's verify.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import ssh2 from 'ssh2'
import type { ParsedKey } from 'ssh2'
import { afterAll, describe, expect, it } from 'vitest'
import { signingOnce } from '../../../src/executors/ssh.ts'

const dir = mkdtempSync(join(tmpdir(), 'rb-signing-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function keygen(type: string, bits?: number): Buffer {
  const file = join(dir, `id_${type}${bits ?? ''}`)
  const r = spawnSync('ssh-keygen', ['-q', '-t', type, ...(bits ? ['-b', String(bits)] : []), '-N', '', '-f', file], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`ssh-keygen -t ${type}: ${r.stderr}`)
  return readFileSync(file)
}

const parse = (data: Buffer): ParsedKey => ssh2.utils.parseKey(data) as ParsedKey
const data = Buffer.from('session id and userauth request, as ssh2 signs them')

describe('signingOnce', () => {
  it('ed25519: the same signature as ssh2, from a key decoded once', () => {
    const pem = keygen('ed25519')
    const plain = parse(pem)
    const fast = signingOnce(parse(pem))
    const sig = fast.sign(data)
    expect(Buffer.isBuffer(sig)).toBe(true)
    expect(sig.equals(plain.sign(data))).toBe(true)
    expect(plain.verify(data, sig)).toBe(true)
    expect(plain.verify(Buffer.from('something else'), sig)).toBe(false)
    expect(signingOnce(fast)).toBe(fast) // once
    expect(fast.sign(data).equals(sig)).toBe(true)
  })

  it('RSA: the hash the server agreed on (ssh2 passes it), else ssh2 signs', () => {
    const pem = keygen('rsa', 2048)
    const plain = parse(pem)
    const fast = signingOnce(parse(pem))
    for (const hash of ['sha256', 'sha512', 'sha1']) {
      const sig = fast.sign(data, hash)
      expect(sig.equals(plain.sign(data, hash))).toBe(true)
      expect(plain.verify(data, sig, hash)).toBe(true)
    }
    expect(fast.sign(data).equals(plain.sign(data))).toBe(true) // no hash given: ssh2's default
  })

  it('ECDSA keys are left to ssh2', () => {
    const pem = keygen('ecdsa', 256)
    const plain = parse(pem)
    const key = parse(pem)
    const before = key.sign
    expect(signingOnce(key).sign).toBe(before)
    expect(plain.verify(data, key.sign(data))).toBe(true)
  })
})
