import { describe, expect, it } from 'vitest'
import { accessLogParser } from '../../../src/parsers/access-log.ts'
import { commandResult, expectParseError, fixtureStdout, malformed, snapshotCases } from './cases.ts'

describe('access-log parser', () => {
  snapshotCases(accessLogParser)

  it('finds the CONNECT google.com:443 probes of the Flask dev server, none answered 2xx by CONNECT', () => {
    const r = accessLogParser.parse(commandResult(fixtureStdout('access-log', 'flask-nohup')))
    const connects = r.entries.filter((e) => e.method === 'CONNECT')
    expect(connects.map((e) => [e.target, e.status])).toEqual([['google.com:443', 404], ['google.com:443', 404], ['api.ipify.org:443', 404]])
    // The absolute-URI GET http://google.com/ was answered 200 by the app itself.
    expect(r.proxyProbes.anySucceeded).toBe(true)
    expect(r.proxyProbes.byClient).toEqual({ '198.18.10.4': 3, '198.18.10.3': 1 })
  })

  it('reads nginx escapes in quoted fields and keeps TLS bytes as an unparsed request', () => {
    const r = accessLogParser.parse(commandResult(fixtureStdout('access-log', 'nginx-combined')))
    expect(r.entries.find((e) => e.method === 'POST')?.agent).toBe('agent with "quotes"')
    const tls = r.entries.find((e) => e.request.startsWith('\\x16'))
    expect(tls).toMatchObject({ method: null, target: null, status: 400, proxyProbe: false })
  })

  it('accepts an empty log as no requests', () => {
    expect(accessLogParser.parse(commandResult('')).entries).toEqual([])
  })

  it('refuses a failed tail (no such file)', () => {
    expectParseError(accessLogParser, malformed('access-log', 'missing-file'))
  })

  it('refuses the nginx error log naming its first line', () => {
    expectParseError(accessLogParser, malformed('access-log', 'nginx-error-log'), 1)
  })

  it('refuses a line cut in the middle', () => {
    const real = fixtureStdout('access-log', 'nginx-combined').split('\n')
    const cut = [real[0]!, real[1]!.slice(0, 60)].join('\n')
    expectParseError(accessLogParser, commandResult(cut), 2)
  })
})
