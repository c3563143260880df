import { describe, expect, it } from 'vitest'
import { checkParam, resolveParams } from '../../../src/dsl/params.ts'
import type { Param } from '../../../src/dsl/runbook.generated.ts'
import { RunbookError, RunbookErrors } from '../../../src/errors.ts'

const accepts: Array<[Param, string, unknown]> = [
  [{ type: 'ip' }, '203.0.113.7', '203.0.113.7'],
  [{ type: 'ip' }, '2001:db8::1', '2001:db8::1'],
  [{ type: 'cidr' }, '198.18.0.0/15', '198.18.0.0/15'],
  [{ type: 'host' }, 'web1', 'web1'],
  [{ type: 'host' }, 'deploy@web1.example.com:2222', 'deploy@web1.example.com:2222'],
  [{ type: 'host' }, '[2001:db8::1]:22', '[2001:db8::1]:22'],
  [{ type: 'port' }, '22', 22],
  [{ type: 'unit' }, 'nginx.service', 'nginx.service'],
  [{ type: 'unit' }, 'getty@tty1.service', 'getty@tty1.service'],
  [{ type: 'user' }, 'www-data', 'www-data'],
  [{ type: 'path' }, '/var/log/nginx', '/var/log/nginx'],
  [{ type: 'duration' }, '90s', '90s'],
  [{ type: 'int', min: 1, max: 10 }, '10', 10],
  [{ type: 'bool' }, 'yes', true],
  [{ type: 'enum', values: ['sshguard', 'fail2ban'] }, 'fail2ban', 'fail2ban'],
  [{ type: 'string', pattern: '[a-z]+' }, 'abc', 'abc'],
  [{ type: 'string', allow_leading_dash: true }, '-n', '-n'],
  [{ type: 'int', min: -5 }, '-3', -3],
]

const refuses: Array<[Param, string]> = [
  [{ type: 'ip' }, '1.2.3.4; touch /tmp/pwned'],
  [{ type: 'ip' }, '203.0.113.300'],
  [{ type: 'cidr' }, '10.0.0.0/33'],
  [{ type: 'host' }, 'web1; reboot'],
  [{ type: 'host' }, '-oProxyCommand=sh'],
  [{ type: 'port' }, '70000'],
  [{ type: 'unit' }, '--now'],
  [{ type: 'unit' }, 'nginx $(id)'],
  [{ type: 'user' }, 'Root;'],
  [{ type: 'path' }, 'relative/path'],
  [{ type: 'path' }, '/tmp/x\n/etc/passwd'],
  [{ type: 'duration' }, '5 minutes'],
  [{ type: 'int', min: 1, max: 10 }, '11'],
  [{ type: 'int' }, '1e3'],
  // A leading '-' reads as an option (ssh -oProxyCommand=..., head -5) unless the param allows it.
  [{ type: 'string' }, '-oProxyCommand=sh -c id'],
  [{ type: 'string' }, '--help'],
  [{ type: 'string', pattern: '.*' }, '-rf'],
  [{ type: 'int' }, '-1'],
  [{ type: 'int', max: 10 }, '-5'],
  [{ type: 'bool' }, 'maybe'],
  [{ type: 'enum', values: ['a', 'b'] }, 'c'],
  [{ type: 'string', pattern: '[a-z]+' }, 'abc; ls'],
]

describe('param types', () => {
  it.each(accepts)('%o accepts %s', (param, raw, value) => {
    expect(checkParam(param, raw)).toEqual({ ok: true, value })
  })
  it.each(refuses)('%o refuses %j', (param, raw) => {
    const r = checkParam(param, raw)
    expect(r.ok).toBe(false)
    expect(r.expected).toMatch(/\w/)
  })
})

describe('resolveParams', () => {
  const decls: Record<string, Param> = {
    host: { type: 'host', required: true },
    client_ip: { type: 'ip' },
    port: { type: 'port', default: 22 },
    token: { type: 'string', secret: true, pattern: '[a-z]+' },
  }
  it('fills defaults, coerces, and leaves absent optional params null', () => {
    expect(resolveParams(decls, { host: 'web1' })).toEqual({ host: 'web1', client_ip: null, port: 22, token: null })
  })
  it('refuses an injected value with a message naming the param and the type', () => {
    try {
      resolveParams(decls, { host: 'web1', client_ip: '1.2.3.4; touch /tmp/pwned' })
      expect.unreachable()
    } catch (err) {
      expect(err).toBeInstanceOf(RunbookError)
      expect((err as RunbookError).code).toBe('RB_PARAM_TYPE')
      expect((err as RunbookError).message).toBe(`param 'client_ip': "1.2.3.4; touch /tmp/pwned" is not an IPv4 or IPv6 address`)
    }
  })
  it('reports every problem at once and never echoes a secret', () => {
    try {
      resolveParams(decls, { clientip: '1.2.3.4', token: 'NOT-valid-s3cret' })
      expect.unreachable()
    } catch (err) {
      expect(err).toBeInstanceOf(RunbookErrors)
      const errors = (err as RunbookErrors).errors
      expect(errors.map((e) => e.code).sort()).toEqual(['RB_PARAM_MISSING', 'RB_PARAM_TYPE', 'RB_PARAM_UNKNOWN'])
      expect((err as Error).message).not.toContain('NOT-valid-s3cret')
    }
  })
})
