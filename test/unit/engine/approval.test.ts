import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { promptApprover, refusingApprover, yesApprover, type ApprovalRequest } from '../../../src/engine/approval.ts'

const request: ApprovalRequest = {
  runbook: 'log-dir-full',
  step: 'archive_rotated',
  summary: 'Move 2 rotated log file(s)',
  plan: {
    host: 'web1',
    sudo: true,
    check: ['find ...'],
    apply: ['tar ... --remove-files'],
    verify: ['du -sk /var/log'],
    rollback: ['tar -xkf ...'],
    files: [],
    access: null,
    hash: 'ab'.repeat(32),
  },
}

async function answer(text: string) {
  const input = new PassThrough()
  const output = new PassThrough()
  let shown = ''
  output.on('data', (d) => (shown += d))
  const decision = promptApprover(input, output, 'alice@laptop').approve(request)
  setImmediate(() => input.write(text))
  return { decision: await decision, shown }
}

describe('approvers', () => {
  it('the prompt shows the exact plan and approves on y', async () => {
    const { decision, shown } = await answer('y\n')
    expect(decision).toEqual({ approved: true, by: 'alice@laptop (prompt)' })
    expect(shown).toContain('apply:    tar ... --remove-files')
    expect(shown).toContain('rollback: tar -xkf ...')
    expect(shown).toContain('plan abababababab')
    expect(shown).toContain('Apply this fix? [y/N]')
  })

  it.each(['\n', 'n\n', 'nope\n'])('the prompt declines on %j (the default is no)', async (text) => {
    const { decision } = await answer(text)
    expect(decision.approved).toBe(false)
  })

  it("--yes approves on the operator's behalf; no terminal and no --yes declines with the reason", async () => {
    expect(await yesApprover('bob').approve(request)).toEqual({ approved: true, by: 'bob (--yes)' })
    expect(await refusingApprover.approve(request)).toMatchObject({ approved: false, reason: 'no terminal to ask and --yes not given' })
  })
})
