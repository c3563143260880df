/**
 * Every recorded transcript under fixtures/<runbook>/ is replayed against the current runbook:
 * same outcome, same path. Plus what the replay executor proves: what a run asks for.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runRunbook } from '../../src/engine/run.ts'
import { refusingApprover } from '../../src/engine/approval.ts'
import { ReplayExecutors } from '../../src/executors/replay.ts'
import { replayApprover } from '../../src/testing/replay-approver.ts'
import { listRunbookFiles, loadRunbook } from '../../src/library.ts'
import { fixtureFiles, replayTranscript, testRunbook } from '../../src/testing/replay.ts'
import { parseTranscript } from '../../src/transcript/reader.ts'

const runbooks = [...listRunbookFiles(['runbooks'])].filter(([name]) => existsSync(join('fixtures', name)))

describe('recorded transcripts replay', () => {
  it('at least one shipped runbook has fixtures', () => expect(runbooks.length).toBeGreaterThan(0))

  it.each(runbooks)('%s: every fixture reaches its recorded outcome along its recorded path', async (name, file) => {
    const result = await testRunbook(loadRunbook(file), fixtureFiles('fixtures', name))
    expect(result.fixtures.filter((f) => !f.ok).map((f) => `${f.file}: ${f.error?.message}`)).toEqual([])
  })

  it('log-dir-full fixtures cover every authored transition and every outcome', async () => {
    const compiled = loadRunbook('runbooks/log-dir-full.yaml')
    const result = await testRunbook(compiled, fixtureFiles('fixtures', 'log-dir-full'))
    expect(result.coverage.uncovered.map((e) => e.id)).toEqual([])
    expect(result.coverage.percent).toBe(100)
    const reached = new Set(result.fixtures.map((f) => f.result?.summary.outcome?.id))
    for (const outcome of compiled.outcomes.keys()) expect(reached).toContain(outcome)
  })
})

describe('the replay executor records what a run asks for', () => {
  const compiled = loadRunbook('runbooks/log-dir-full.yaml')
  const applied = parseTranscript(
    'fixtures/log-dir-full/rotated-apply.jsonl',
    readFileSync('fixtures/log-dir-full/rotated-apply.jsonl', 'utf8'),
  )

  const replayIn = async (mode: 'dry-run' | 'apply') => {
    const executors = new ReplayExecutors(applied.events)
    const summary = await runRunbook(compiled, {
      params: applied.started.params,
      mode,
      ...(applied.started.runId ? { runId: applied.started.runId } : {}),
      executors,
      approver: mode === 'apply' ? replayApprover(applied.events) : refusingApprover,
      onEvent: () => {},
    })
    return { summary, asked: executors.asked }
  }

  it('dry-run of a recording that holds mutating commands asks for none of them', async () => {
    const { summary, asked } = await replayIn('dry-run')
    expect(summary.status).toBe('fix-proposed')
    expect(asked.length).toBeGreaterThan(0)
    expect(asked.filter((s) => s.mutating).map((s) => s.command)).toEqual([])
  })

  it('(control) the same recording in apply mode does ask for the mutating commands', async () => {
    const { summary, asked } = await replayIn('apply')
    expect(summary.status).toBe('fix-applied')
    expect(asked.filter((s) => s.mutating).length).toBeGreaterThan(0)
  })

  it('a runbook changed since the recording diverges loudly, naming both commands', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rb-diverge-'))
    try {
      const changed = join(dir, 'log-dir-full.yaml')
      writeFileSync(
        changed,
        readFileSync('runbooks/log-dir-full.yaml', 'utf8').replace(
          'run: "du -sk -- ${{ params.dir }}"',
          'run: "du -sk --apparent-size -- ${{ params.dir }}"',
        ),
      )
      const result = await replayTranscript(loadRunbook(changed), applied)
      expect(result.mismatch?.code).toBe('RB_REPLAY_DIVERGED')
      expect(result.mismatch?.detail).toMatchObject({
        actual: expect.stringContaining('du -sk --apparent-size'),
        expected: 'du -sk -- /tmp/runbook-fixture/log',
      })
      expect(result.summary.exitCode).toBe(7)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('a transcript cut by a crash is still a valid prefix', () => {
    const text = readFileSync('fixtures/log-dir-full/rotated-apply.jsonl', 'utf8')
    const cut = text.slice(0, Math.floor(text.length / 2))
    const t = parseTranscript('cut.jsonl', cut)
    expect(t.events.length).toBeGreaterThan(1)
    expect(t.finished).toBeUndefined()
  })

  it('fixture files are only what runs recorded', () => {
    for (const f of readdirSync('fixtures/log-dir-full')) {
      const first = JSON.parse(readFileSync(join('fixtures/log-dir-full', f), 'utf8').split('\n')[0]!)
      expect(first).toMatchObject({ type: 'run.started', runbook: 'log-dir-full', tool: { name: 'runbook' } })
    }
  })
})
