import { createHmac } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  KnownHosts,
  appendKnownHost,
  fingerprint,
  hostKeyName,
  keyTypeOf,
  parseKnownHosts,
  patternsMatch,
} from '../../../src/executors/known-hosts.ts'

/** An SSH public key blob: string type + string data. */
function blob(type: string, data: string): Buffer {
  const t = Buffer.from(type)
  const d = Buffer.from(data)
  const b = Buffer.alloc(8 + t.length + d.length)
  b.writeUInt32BE(t.length, 0)
  t.copy(b, 4)
  b.writeUInt32BE(d.length, 4 + t.length)
  d.copy(b, 8 + t.length)
  return b
}

const A = blob('ssh-ed25519', 'key-a-32-bytes-long-xxxxxxxxxxxx')
const B = blob('ssh-ed25519', 'key-b-32-bytes-long-xxxxxxxxxxxx')

const made: string[] = []
afterAll(() => made.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })))

function file(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'rb-kh-'))
  made.push(dir)
  const p = join(dir, 'known_hosts')
  writeFileSync(p, text)
  return p
}

describe('known_hosts', () => {
  it('fingerprints like ssh-keygen -l (SHA256, base64 without padding)', () => {
    expect(fingerprint(A)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/)
    expect(keyTypeOf(A)).toBe('ssh-ed25519')
  })

  it('names non-22 ports [host]:port', () => {
    expect(hostKeyName('h', 22)).toBe('h')
    expect(hostKeyName('h', 2222)).toBe('[h]:2222')
  })

  it('matches patterns, wildcards and negation', () => {
    expect(patternsMatch('web1,198.18.1.11', ['198.18.1.11'])).toBe(true)
    expect(patternsMatch('*.example.org,!bad.example.org', ['bad.example.org'])).toBe(false)
    expect(patternsMatch('web?', ['web1'])).toBe(true)
    expect(patternsMatch('[h]:2222', ['h'])).toBe(false)
  })

  it('lookup by name (the index of plain names) finds exactly what matching every pattern finds, in file order', () => {
    const salt = Buffer.from('0123456789abcdef0123')
    const hashed = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update('web3').digest('base64')}`
    const text = [
      `web1,198.18.1.11 ssh-ed25519 ${A.toString('base64')}`,
      `Web2 ssh-ed25519 ${B.toString('base64')}`,
      `web* ecdsa-sha2-nistp256 ${B.toString('base64')}`,
      `@revoked web1 ssh-ed25519 ${B.toString('base64')}`,
      `@cert-authority web1 ssh-ed25519 ${A.toString('base64')}`,
      `*.example.org,!bad.example.org ssh-ed25519 ${A.toString('base64')}`,
      `${hashed} ssh-ed25519 ${A.toString('base64')}`,
      `[web1]:2222 ssh-ed25519 ${B.toString('base64')}`,
      `web2,web1 ssh-rsa ${A.toString('base64')}`,
      '',
    ].join('\n')
    const kh = new KnownHosts([file(text), file(`web1 ssh-ed25519 ${B.toString('base64')}\n`)])
    const all = [...parseKnownHosts(text, 'a'), ...parseKnownHosts(`web1 ssh-ed25519 ${B.toString('base64')}\n`, 'b')]
    const names: Array<[string, number]> = [
      ['web1', 22],
      ['WEB2', 22],
      ['web2', 22],
      ['web3', 22],
      ['198.18.1.11', 22],
      ['a.example.org', 22],
      ['bad.example.org', 22],
      ['web1', 2222],
      ['nothing', 22],
    ]
    for (const [host, port] of names) {
      const expected = all.filter((e) => e.marker !== 'cert-authority' && patternsMatch(e.patterns, [hostKeyName(host, port)]))
      const got = kh.lookup(host, port)
      expect(
        got.map((e) => `${e.patterns} ${e.keyType} ${e.line}`),
        `${host}:${port}`,
      ).toEqual(expected.map((e) => `${e.patterns} ${e.keyType} ${e.line}`))
    }
    expect(kh.lookup('web1', 22).map((e) => e.line)).toEqual([1, 3, 4, 9, 1])
  })

  it('matches hashed |1| entries', () => {
    const salt = Buffer.from('0123456789abcdefghij')
    const hash = createHmac('sha1', salt).update('[web1]:2222').digest('base64')
    const kh = new KnownHosts([file(`|1|${salt.toString('base64')}|${hash} ssh-ed25519 ${A.toString('base64')}\n`)])
    expect(kh.verify('web1', 2222, A)).toEqual({ status: 'known' })
    expect(kh.verify('web1', 22, A).status).toBe('unknown')
  })

  it('tells known, unknown, changed and revoked keys apart', () => {
    const p = file(`# comment\nweb1 ssh-ed25519 ${A.toString('base64')}\n@revoked * ssh-ed25519 ${B.toString('base64')}\n`)
    const kh = new KnownHosts([p])
    expect(kh.verify('web1', 22, A)).toEqual({ status: 'known' })
    expect(kh.verify('web2', 22, A).status).toBe('unknown')
    const changed = kh.verify('web1', 22, blob('ssh-ed25519', 'other-key-xxxxxxxxxxxxxxxxxxxxxx'))
    expect(changed).toMatchObject({ status: 'mismatch', file: p, line: 2, expected: [fingerprint(A)] })
    expect(kh.verify('web1', 22, B).status).toBe('revoked')
  })

  it('prefers recorded key types and appends new keys, hashed on request', () => {
    const p = file('')
    appendKnownHost(p, '198.18.1.11', 22, A)
    appendKnownHost(p, 'web1', 2222, B, true)
    expect(readFileSync(p, 'utf8')).toMatch(/^198\.18\.1\.11 ssh-ed25519 \S+\n\|1\|/)
    const kh = new KnownHosts([p])
    expect(kh.verify('198.18.1.11', 22, A).status).toBe('known')
    expect(kh.verify('web1', 2222, B).status).toBe('known')
    expect(kh.knownKeyTypes('198.18.1.11', 22)).toEqual(['ssh-ed25519'])
    expect(parseKnownHosts('garbage\n')).toEqual([])
  })

  it('reads a file again once it changed (a fleet reuses the parsed file while it is the same)', () => {
    const p = file(`web1 ssh-ed25519 ${A.toString('base64')}\n`)
    expect(new KnownHosts([p]).verify('web2', 22, B).status).toBe('unknown')
    appendKnownHost(p, 'web2', 22, B) // what --accept-new-host-keys does during a fleet run
    expect(new KnownHosts([p]).verify('web2', 22, B).status).toBe('known')
    writeFileSync(p, `web1 ssh-ed25519 ${B.toString('base64')}\n`) // same size, another key
    expect(new KnownHosts([p]).verify('web1', 22, A).status).toBe('mismatch')
    rmSync(p)
    expect(new KnownHosts([p]).verify('web1', 22, A).status).toBe('unknown')
  })
})
