/**
 * The transcript names the action each command comes from (issue 9: "transcripts record which action
 * and version produced each command"): replays of recorded sshguard runs, where the fix step
 * `uses: sshguard/lift-block@2` and a parallel command `uses: fail2ban/status@1`.
 */
import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { loadRunbook } from '../../../src/library.ts'
import { readTranscript } from '../../../src/transcript/reader.ts'
import { replayTranscript } from '../../../src/testing/replay.ts'
import type { RunEvent } from '../../../src/types.ts'

type Started = Extract<RunEvent, { type: 'command.started' }>

describe('action provenance in transcripts', () => {
  it('apply and rollback commands of a fix from an action name it; engine host-ops and plain commands do not', async () => {
    const compiled = loadRunbook('runbooks/unreachable-host.yaml')
    for (const [file, phases] of [
      ['sshguard-apply.jsonl', ['apply']],
      ['sshguard-apply-rolled-back.jsonl', ['apply', 'rollback']],
    ] as const) {
      const { events, mismatch } = await replayTranscript(compiled, await readTranscript(join('fixtures/unreachable-host', file)))
      expect(mismatch).toBeNull()
      const proposed = events.find((e) => e.type === 'fix.proposed') as Extract<RunEvent, { type: 'fix.proposed' }>
      const started = events.filter((e): e is Started => e.type === 'command.started')
      for (const phase of phases) {
        const declared = new Set(phase === 'apply' ? proposed.plan.apply : proposed.plan.rollback)
        const mine = started.filter((e) => e.phase === phase && declared.has(e.spec.command))
        expect(mine.length, `${file} ${phase}`).toBeGreaterThan(0)
        for (const e of mine) expect(e.spec.action, e.spec.command).toBe('sshguard/lift-block@2')
      }
      // The engine's own lock and revert scripts are no action's.
      for (const e of started.filter((e) => e.spec.command.includes('RUNBOOK_HOST_DIR'))) expect(e.spec.action).toBeUndefined()
      const status = started.filter((e) => e.spec.action === 'fail2ban/status@1')
      expect(status.length, `${file}: the fail2ban/status command`).toBeGreaterThan(0)
    }
  })
})
