import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { SCENARIOS } from '../../../src/lab/scenarios.ts'

describe('.ci/system-deps.sh', () => {
  it('installs every package a lab scenario requires (a fresh CI machine has only what it installs)', () => {
    const script = readFileSync('.ci/system-deps.sh', 'utf8')
    const listed = new Set(/^pkgs=\(([^)]*)\)/m.exec(script)![1]!.split(/\s+/).filter(Boolean))
    const required = new Set([...SCENARIOS.values()].flatMap((s) => s.requires.map((r) => r.pkg)))
    expect([...required].filter((p) => !listed.has(p))).toEqual([])
  })

  it('installs the browser an integration test drives (Debian chromium: never a downloaded one)', () => {
    const script = readFileSync('.ci/system-deps.sh', 'utf8')
    const listed = new Set(/^pkgs=\(([^)]*)\)/m.exec(script)![1]!.split(/\s+/).filter(Boolean))
    const drivers = readdirSync('test/integration').filter((f) =>
      readFileSync(`test/integration/${f}`, 'utf8').includes('/usr/bin/chromium'),
    )
    expect(drivers.length).toBeGreaterThan(0)
    expect(listed.has('chromium')).toBe(true)
  })
})
