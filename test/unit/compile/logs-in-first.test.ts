/**
 * `logsInFirst`: a fleet warms SSH connections only for runbooks whose first step logs in to the
 * host anyway. One that starts with a probe from here (unreachable-host, host-triage) may never log
 * in, and a warm-up would be a login it did not ask for (the fleet lab test counts logins).
 */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { logsInFirst } from '../../../src/compile/model.ts'
import { loadRunbook, SHIPPED_RUNBOOKS } from '../../../src/library.ts'

const first = (file: string): boolean => {
  const r = loadRunbook(file)
  return logsInFirst(r.steps, r.start)
}

describe('logsInFirst', () => {
  it.each([
    ['unreachable-host', false], // a TCP probe from here
    ['host-triage', false], // ping and TCP probes in parallel
    ['open-proxy-probes', true], // tail of the access log on the host
    ['hung-unit', true], // systemctl reads in parallel
    ['ssh-hardening', true],
  ])('%s: %s', (name, expected) => {
    expect(first(join(SHIPPED_RUNBOOKS, `${name}.yaml`))).toBe(expected)
  })

  it('the bench runbook (a login command first) warms; a missing start step does not', () => {
    const r = loadRunbook('fixtures/runbooks/valid/fleet-bench-triage.yaml')
    expect(logsInFirst(r.steps, r.start)).toBe(true)
    expect(logsInFirst(r.steps, 'no-such-step')).toBe(false)
  })
})
