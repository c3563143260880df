import { describe, expect, it } from 'vitest'
import { accessLogParser } from '../../../src/parsers/access-log.ts'
import { commandResult, expectParseError, fixtureStdout, malformed, snapshotCases } from './cases.ts'

describe('access-log parser', () => {
  snapshotCases(accessLogParser)

  it('finds the CONNECT google.com:443 probes of the Flask dev server, none answered 2xx by CONNECT', () => {
    const r = accessLogParser.parse(commandResult(fixtureStdout('access-log', 'flask-nohup')))
    const connects = r.entries.filter((e) => e.method === 'CONNECT')
    expect(connects.map((e) => [e.target, e.status])).toEqual([
      ['google.com:443', 404],
      ['google.com:443', 404],
      ['api.ipify.org:443', 404],
    ])
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

  it('reads the same requests from nginx combined, main (X-Forwarded-For) and vhost_combined', () => {
    const key = (name: string) =>
      accessLogParser
        .parse(commandResult(fixtureStdout('access-log', name)))
        .entries.map((e) => [e.client, e.method, e.target, e.status, e.agent])
    expect(key('nginx-main-xff')).toEqual(key('nginx-combined-probes'))
    expect(key('nginx-vhost-combined')).toEqual(key('nginx-combined-probes'))
    const xff = accessLogParser.parse(commandResult(fixtureStdout('access-log', 'nginx-main-xff'))).entries.map((e) => e.forwardedFor)
    expect(xff.filter((x) => x !== null)).toEqual(['203.0.113.5'])
  })

  it('skips the banners of python http.server and flask --debug, and Flask tracebacks', () => {
    for (const name of ['python-http-server-banner', 'flask-debug', 'flask-traceback']) {
      const r = accessLogParser.parse(commandResult(fixtureStdout('access-log', name)))
      expect(r.format, name).toBe('dev-server')
      expect(r.ignoredLines, name).toBeGreaterThan(0)
    }
  })

  it('reads a request line without a version as HTTP/0.9, and TLS bytes as no method', () => {
    const r = accessLogParser.parse(commandResult(fixtureStdout('access-log', 'python-http-server-banner')))
    expect(r.entries.find((e) => e.request === 'GET /')).toMatchObject({ method: 'GET', target: '/', protocol: 'HTTP/0.9' })
    expect(r.entries.find((e) => e.status === 400)).toMatchObject({ method: null, proxyProbe: false })
  })

  it('reads the same requests behind a journal header (journalctl -u app -o short / short-iso)', () => {
    const key = (name: string) =>
      accessLogParser.parse(commandResult(fixtureStdout('access-log', name))).entries.map((e) => [e.client, e.time, e.request, e.status])
    expect(key('flask-journal')).toEqual(key('flask-traceback'))
    expect(key('flask-journal-iso')).toEqual(key('flask-traceback'))
  })
})
