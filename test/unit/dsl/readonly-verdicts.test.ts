/**
 * Read-only verdicts remembered between CLI processes (dsl/readonly-verdicts.ts): only proofs of
 * "read-only", only for the same checker, only from a file nobody else could have written; and a
 * validation with remembered verdicts gives exactly the errors of one without them.
 */
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { MAX_VERDICTS, openReadOnlyVerdicts } from '../../../src/dsl/readonly-verdicts.ts'
import { readOnlyProblems, withReadOnlyVerdicts } from '../../../src/dsl/readonly.ts'
import { validateSource } from '../../../src/dsl/validate.ts'
import { parsers } from '../../../src/library.ts'

let dir: string
let file: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rb-verdicts-'))
  file = join(dir, 'cache', 'read-only.json')
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const runbook = (command: string) => `apiVersion: runbook/v1
name: verdicts
summary: one diagnostic
steps:
  look:
    run: ${JSON.stringify(command)}
    next: done
outcomes:
  done: { severity: ok, summary: looked }
`

describe('openReadOnlyVerdicts', () => {
  it('remembers a proof for the next process with the same checker, and for no other checker', () => {
    const first = openReadOnlyVerdicts(file, 'checker-a')
    expect(first.isReadOnly('df -h')).toBe(false)
    first.remember('df -h')
    first.save()
    expect(openReadOnlyVerdicts(file, 'checker-a').isReadOnly('df -h')).toBe(true)
    expect(openReadOnlyVerdicts(file, 'checker-a').isReadOnly('df -h ')).toBe(false)
    expect(openReadOnlyVerdicts(file, 'checker-b').isReadOnly('df -h')).toBe(false)
    // The command text is not stored, only its hash with the checker's identity.
    expect(readFileSync(file, 'utf8')).not.toContain('df -h')
  })

  it('writes nothing when it may not learn', () => {
    const v = openReadOnlyVerdicts(file, 'c', { learn: false })
    v.remember('uptime')
    v.save()
    expect(() => readFileSync(file)).toThrow(/ENOENT/)
  })

  it('ignores a file others could have written, a corrupt one and one of another format', () => {
    const v = openReadOnlyVerdicts(file, 'c')
    v.remember('uptime')
    v.save()
    expect(openReadOnlyVerdicts(file, 'c').isReadOnly('uptime')).toBe(true)
    chmodSync(file, 0o620)
    expect(openReadOnlyVerdicts(file, 'c').isReadOnly('uptime')).toBe(false)
    chmodSync(file, 0o602)
    expect(openReadOnlyVerdicts(file, 'c').isReadOnly('uptime')).toBe(false)
    chmodSync(file, 0o600)
    if (process.getuid?.() === 0) {
      chownSync(file, 65534, 65534) // nobody's file, even with safe modes
      expect(openReadOnlyVerdicts(file, 'c').isReadOnly('uptime')).toBe(false)
      chownSync(file, 0, 0)
    }
    expect(openReadOnlyVerdicts(file, 'c').isReadOnly('uptime')).toBe(true)
    const good = readFileSync(file, 'utf8')
    writeFileSync(file, good.slice(0, -5), { mode: 0o600 })
    expect(openReadOnlyVerdicts(file, 'c').isReadOnly('uptime')).toBe(false)
    writeFileSync(file, good.replace('"version":1', '"version":2'), { mode: 0o600 })
    expect(openReadOnlyVerdicts(file, 'c').isReadOnly('uptime')).toBe(false)
  })

  it('keeps what another process saved meanwhile, and at most the newest MAX_VERDICTS', () => {
    const a = openReadOnlyVerdicts(file, 'c')
    const b = openReadOnlyVerdicts(file, 'c')
    a.remember('uptime')
    b.remember('free -b')
    a.save()
    b.save()
    const after = openReadOnlyVerdicts(file, 'c')
    expect(after.isReadOnly('uptime') && after.isReadOnly('free -b')).toBe(true)

    const many = openReadOnlyVerdicts(file, 'c')
    for (let i = 0; i < MAX_VERDICTS; i++) many.remember(`echo ${i}`)
    many.save()
    const kept = openReadOnlyVerdicts(file, 'c')
    expect(kept.isReadOnly('uptime')).toBe(false) // the oldest went
    expect(kept.isReadOnly('echo 0')).toBe(true)
    expect(kept.isReadOnly(`echo ${MAX_VERDICTS - 1}`)).toBe(true)
    expect((JSON.parse(readFileSync(file, 'utf8')) as { readOnly: string[] }).readOnly).toHaveLength(MAX_VERDICTS)
  })

  it('a state folder it cannot write costs the cache, not the validation', () => {
    writeFileSync(join(dir, 'cache'), 'a file where the folder should be')
    const v = openReadOnlyVerdicts(file, 'c')
    v.remember('uptime')
    expect(() => v.save()).not.toThrow()
  })
})

describe('withReadOnlyVerdicts', () => {
  it('remembers only commands proved read-only, and reports the same errors as a validation without verdicts', async () => {
    const validate = (command: string) => validateSource('rb.yaml', runbook(command), parsers())
    const plain = validate('systemctl restart nginx')
    const v = openReadOnlyVerdicts(file, 'c')
    const withVerdicts = await withReadOnlyVerdicts(v, () => validate('systemctl restart nginx'))
    expect(withVerdicts.ok).toBe(false)
    expect(plain.ok).toBe(false)
    if (plain.ok || withVerdicts.ok) return
    expect(withVerdicts.errors.map((e) => [e.code, e.pos, e.message])).toEqual(plain.errors.map((e) => [e.code, e.pos, e.message]))
    expect(openReadOnlyVerdicts(file, 'c').isReadOnly('systemctl restart nginx')).toBe(false)

    expect((await withReadOnlyVerdicts(openReadOnlyVerdicts(file, 'c'), () => validate('systemctl status nginx'))).ok).toBe(true)
    expect(openReadOnlyVerdicts(file, 'c').isReadOnly('systemctl status nginx')).toBe(true)
  })

  it('validates without the bash grammar when every command was proved before, and loads it for one that was not', async () => {
    const seed = openReadOnlyVerdicts(file, 'c')
    seed.remember('ss -Htlnp')
    seed.save()
    // A module graph of its own, as in a fresh CLI process: the grammar is not loaded there.
    vi.resetModules()
    const fresh = await import('../../../src/dsl/readonly.ts')
    const { validateSource: validateFresh } = await import('../../../src/dsl/validate.ts')
    const { parsers: parsersFresh } = await import('../../../src/library.ts')
    expect(() => fresh.readOnlyProblems('ss -Htlnp')).toThrow(fresh.ShellParserNotLoaded)

    const known = await fresh.withReadOnlyVerdicts(openReadOnlyVerdicts(file, 'c'), () =>
      validateFresh('rb.yaml', runbook('ss -Htlnp'), parsersFresh()),
    )
    expect(known.ok).toBe(true)
    expect(() => fresh.readOnlyProblems('ss -Htlnp')).toThrow(fresh.ShellParserNotLoaded) // still not loaded

    const unknown = await fresh.withReadOnlyVerdicts(openReadOnlyVerdicts(file, 'c'), () =>
      validateFresh('rb.yaml', runbook('rm -rf /var/log/old'), parsersFresh()),
    )
    expect(unknown.ok).toBe(false)
    if (!unknown.ok) expect(unknown.errors.map((e) => e.code)).toEqual(['RB_MUTATING_OUTSIDE_FIX'])
    expect(fresh.readOnlyProblems('rm -rf /x').map((p) => p.word)).toEqual(['rm']) // loaded now
  })

  it('without verdicts (no checker identity: tests, an unbundled build) it loads the grammar and checks every command', async () => {
    const r = await withReadOnlyVerdicts(undefined, () => readOnlyProblems('tee /etc/motd'))
    expect(r.map((p) => p.word)).toEqual(['tee /etc/motd'])
  })
})
