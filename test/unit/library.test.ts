/**
 * resolveRunbookName: the resolution the chat service uses for names typed by people who are not
 * the operator. Only names of runbooks found in the runbook folders resolve; anything that could
 * be a path is refused before the file system is asked, and the refused text is not echoed.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { RunbookError } from '../../src/errors.ts'
import { resolveRunbookName } from '../../src/library.ts'

const root = mkdtempSync(join(tmpdir(), 'rb-names-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
const folder = join(root, 'runbooks')
mkdirSync(folder)
writeFileSync(join(folder, 'unreachable-host.yaml'), 'apiVersion: runbook/v1\n')
writeFileSync(join(root, 'outside.yaml'), 'apiVersion: runbook/v1\n')
writeFileSync(join(root, 'shadow'), 'root:secret\n')

function refusal(name: string): RunbookError {
  try {
    resolveRunbookName(name, [folder])
  } catch (err) {
    if (err instanceof RunbookError) return err
    throw err
  }
  throw new Error(`${JSON.stringify(name)} resolved`)
}

describe('resolveRunbookName', () => {
  it('resolves the name of a runbook in a runbook folder to its file', () => {
    expect(resolveRunbookName('unreachable-host', [folder])).toBe(join(folder, 'unreachable-host.yaml'))
  })

  it.each([
    '../shadow',
    '../../etc/shadow',
    '/etc/shadow',
    join(root, 'outside.yaml'),
    '../outside',
    'unreachable-host.yaml',
    './unreachable-host',
    'runbooks/unreachable-host',
    'Unreachable-Host',
    '',
    '-rf',
    'x\u001b[2J',
    'a'.repeat(200),
  ])('refuses %j as not a name, without echoing it', (name) => {
    const e = refusal(name)
    expect(e.code).toBe('RB_RUNBOOK_NOT_FOUND')
    expect(e.detail.reason).toBe('not-a-name')
    if (name.length > 0) expect(e.message).not.toContain(name)
  })

  it('a plain name that is no runbook in the folders is not found (and lists the known ones)', () => {
    const e = refusal('outside')
    expect(e.code).toBe('RB_RUNBOOK_NOT_FOUND')
    expect(e.message).toContain("no runbook named 'outside' (known: unreachable-host)")
  })

  it('does not follow a name to a runbook outside the folders through a folder symlink', () => {
    symlinkSync(root, join(folder, 'up'))
    expect(refusal('up/outside').detail.reason).toBe('not-a-name')
  })
})
