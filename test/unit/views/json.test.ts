import { describe, expect } from 'vitest'
import { createJsonView } from '../../../src/views/json.ts'
import { capture, test } from './sample-run.ts'

describe('json view', () => {
  test('one line per event that parses back to the very event', ({ runs }) => {
    for (const run of Object.values(runs)) {
      const out = capture()
      const view = createJsonView(out)
      for (const e of run.events) view.sink(e)
      view.close()
      const lines = out.text().split('\n')
      expect(lines.pop()).toBe('') // every line, the last included, ends with a newline
      expect(lines.map((l) => JSON.parse(l))).toEqual(run.events)
    }
  })

  test('command output with newlines and tabs stays inside its line', ({ runs }) => {
    const out = capture()
    const view = createJsonView(out)
    for (const e of runs.proposed.events) view.sink(e)
    const finds = out
      .text()
      .split('\n')
      .filter((l) => l.includes('"command.finished"') && l.includes('sort -rn'))
    expect(finds).toHaveLength(1)
    expect(JSON.parse(finds[0] ?? '{}').result.stdout).toMatch(/^3000000\t.*syslog\.1\.gz\n100000\t.*syslog\n$/)
  })
})
