import { describe, expect, it } from 'vitest'
import { parseCommandText, unlink } from '../../../src/chat/command-text.ts'

describe('/runbook command text', () => {
  it.each([
    ['run unreachable-host host=web1', { verb: 'run', runbook: 'unreachable-host', host: 'web1', params: {} }],
    [
      'plan log-dir-full host=local max_dir_mb=2 dir="/var/log/my app"',
      { verb: 'plan', runbook: 'log-dir-full', host: 'local', params: { max_dir_mb: '2', dir: '/var/log/my app' } },
    ],
    ['  RUN   x  ', { verb: 'run', runbook: 'x', params: {} }],
    ['run x host=<http://web1.example.com|web1.example.com>', { verb: 'run', runbook: 'x', host: 'web1.example.com', params: {} }],
    ['run x note=“two words”', { verb: 'run', runbook: 'x', params: { note: 'two words' } }],
    ['status 3F2A9C1E', { verb: 'status', id: '3f2a9c1e' }],
    ['list', { verb: 'list' }],
    ['', { verb: 'help' }],
    ['help unreachable-host', { verb: 'help', runbook: 'unreachable-host' }],
  ])('%j', (text, expected) => {
    expect(parseCommandText(text)).toEqual(expected)
  })

  it.each([
    ['run', /run: which runbook\? e\.g\. `\/runbook run unreachable-host host=web1`/],
    ['run ../../etc/passwd', /not a runbook name \(runbooks are named, never paths\)/],
    ['run x web1', /'web1' is not key=value/],
    ['run x host=a host=b', /host is given twice/],
    ['run x 1a=b', /'1a=b' is not key=value/],
    ['status', /status takes one run id/],
    ['status zzz;rm', /is not a run id/],
    ['list all', /list takes no arguments/],
    ['frobnicate x', /unknown command 'frobnicate'/],
  ])('refuses %j with RB_USAGE saying what to type', (text, message) => {
    let err: unknown
    try {
      parseCommandText(text)
    } catch (e) {
      err = e
    }
    expect(err).toMatchObject({ code: 'RB_USAGE', message: expect.stringMatching(message) })
    expect((err as Error).message).toContain('/runbook plan <name>')
  })

  it('gives back what Slack turned into links', () => {
    expect(unlink('host=<http://db.example|db.example> to=<mailto:a@b.c|a@b.c>')).toBe('host=db.example to=a@b.c')
  })
})
