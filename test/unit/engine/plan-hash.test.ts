/**
 * The plan hash in a transcript must not confirm a guessed secret, yet approvals must still bind
 * to it: same plan + same secrets (same run key) → same hash; another secret, command or key →
 * another hash. Real runs of fixtures/runbooks/valid/secret-renderings.yaml on this machine.
 */
import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { yesApprover, type ApprovalRequest } from '../../../src/engine/approval.ts'
import { openTranscript } from '../../../src/transcript/writer.ts'
import type { FixPlan, RunEvent } from '../../../src/types.ts'
import { runFile } from '../../helpers/engine.ts'
import { useHostDir } from '../../helpers/host-dir.ts'

const RUNBOOK = 'fixtures/runbooks/valid/secret-renderings.yaml'
const PIN = '4821'
const KEY = Buffer.alloc(32, 7)
let dir: string
useHostDir('rb-planhash-', (d) => {
  dir = d
})

const sha = (s: string) => createHash('sha256').update(s).digest('hex')

/** A dry-run recorded to a transcript file; returns the file's text and its proposed plan. */
async function record(token: string, options: { key?: Uint8Array; out?: string } = {}): Promise<{ text: string; plan: FixPlan }> {
  const path = join(dir, `t-${Math.random().toString(36).slice(2)}.jsonl`)
  const writer = openTranscript(path)
  try {
    await runFile(RUNBOOK, {
      params: { host: 'local', token, out: options.out ?? join(dir, 'out'), conf: join(dir, 'conf') },
      ...(options.key ? { planKey: options.key } : {}),
      onEvent: writer.write,
    })
  } finally {
    writer.close()
  }
  const text = readFileSync(path, 'utf8')
  const proposed = text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as RunEvent)
    .find((e) => e.type === 'fix.proposed')
  if (proposed?.type !== 'fix.proposed') throw new Error('no fix.proposed in the transcript')
  return { text, plan: proposed.plan }
}

describe('plan hash with secret params', () => {
  it('the transcript does not let an attacker confirm a guessed 4-digit PIN', async () => {
    const { text, plan } = await record(PIN)
    expect(text).not.toContain(PIN)
    const { hash, ...redacted } = plan
    const template = JSON.stringify(redacted)
    expect(template).toContain('[redacted]')
    // The attack: put each guess where the transcript says [redacted], hash as the engine would.
    const confirmed: string[] = []
    for (let n = 0; n < 10_000; n++) {
      const guess = String(n).padStart(4, '0')
      const body = template.split('[redacted]').join(guess)
      if (sha(body) === hash) confirmed.push(guess)
    }
    expect(confirmed).toEqual([])
  })

  it('the key is not in the transcript, and the hash depends on it', async () => {
    const a = await record(PIN, { key: KEY })
    const b = await record(PIN, { key: Buffer.alloc(32, 8) })
    expect(a.text).not.toContain(KEY.toString('hex'))
    expect(a.text).not.toContain(KEY.toString('base64'))
    expect(a.plan.hash).not.toBe(b.plan.hash)
  })

  it('binds: same plan and secret → same hash; another secret or another command → another hash', async () => {
    const first = await record(PIN, { key: KEY })
    const again = await record(PIN, { key: KEY })
    const otherSecret = await record('4822', { key: KEY })
    const otherCommand = await record(PIN, { key: KEY, out: join(dir, 'elsewhere') })
    expect(again.plan.hash).toBe(first.plan.hash)
    // The redacted plans are identical: only the secret tells these two apart.
    expect({ ...otherSecret.plan, hash: '' }).toEqual({ ...first.plan, hash: '' })
    expect(otherSecret.plan.hash).not.toBe(first.plan.hash)
    expect(otherCommand.plan.hash).not.toBe(first.plan.hash)
  })

  it('an approval binds within a run: approved hash = applied hash, no re-plan, and the approver sees no secret', async () => {
    const secret = "it's 4821"
    const asked: ApprovalRequest[] = []
    const yes = yesApprover('tester')
    const { summary, events } = await runFile(RUNBOOK, {
      params: { host: 'local', token: secret, out: join(dir, 'out'), conf: join(dir, 'conf') },
      mode: 'apply',
      approver: { approve: async (req, signal) => (asked.push(req), yes.approve(req, signal)) },
    })
    expect(summary.status).toBe('fix-applied')
    const proposed = events.find((e) => e.type === 'fix.proposed')
    const approved = events.find((e) => e.type === 'fix.approved')
    const applied = events.find((e) => e.type === 'fix.applied')
    const hash = proposed?.type === 'fix.proposed' ? proposed.plan.hash : undefined
    expect(hash).toMatch(/^[0-9a-f]{64}$/)
    expect(approved).toMatchObject({ planHash: hash })
    expect(applied).toMatchObject({ planHash: hash })
    expect(events.filter((e) => e.type === 'fix.replanned')).toEqual([])
    expect(asked.map((r) => r.plan.hash)).toEqual([hash])
    expect(JSON.stringify(asked)).not.toContain('4821')
    expect(readFileSync(join(dir, 'out'), 'utf8')).toBe(secret)
  })
})

describe('plan hash without secret params', () => {
  it('is still sha256 of the plan, so recorded transcripts keep their hashes', async () => {
    const events: RunEvent[] = []
    const file = join(dir, 'app.conf')
    writeFileSync(file, 'value = old\n')
    await runFile('fixtures/runbooks/valid/write-config.yaml', {
      params: { host: 'localhost', path: file },
      onEvent: (e) => events.push(e),
    })
    const proposed = events.find((e) => e.type === 'fix.proposed')
    if (proposed?.type !== 'fix.proposed') throw new Error('no plan')
    const { hash, ...body } = proposed.plan
    expect(hash).toBe(sha(JSON.stringify(body)))
  })
})
