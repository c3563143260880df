import os from 'node:os'
import { describe, expect, it, vi } from 'vitest'
import { SshConfigFile, expandPath, parseDestination, parseProxyJump } from '../../../src/executors/ssh-config.ts'
import { resolveTarget } from '../../../src/executors/ssh-target.ts'

describe('ssh_config', () => {
  const cfg = new SshConfigFile(
    [
      'Host web*',
      '  HostName %h.example.org',
      '  User ops',
      '  Port 2222',
      '  IdentityFile ~/.ssh/web_%r',
      '  ProxyJump jump1,admin@jump2:2200',
      'Host jump1',
      '  HostName 198.18.9.1',
      'Host *',
      '  User fallback',
    ].join('\n'),
    '/home/me',
  )

  it('resolves with an empty file (or only comments) as with a file where nothing matches, without a passwd lookup per host', () => {
    const nothingMatches = new SshConfigFile('Host elsewhere\n  Port 2222\n', '/home/me').resolve('web1')
    const userInfo = vi.spyOn(os, 'userInfo')
    try {
      for (const text of ['', '# only a comment\n\n']) expect(new SshConfigFile(text, '/home/me').resolve('web1')).toEqual(nothingMatches)
      expect(userInfo).not.toHaveBeenCalled()
    } finally {
      userInfo.mockRestore()
    }
  })

  it('resolves Host, HostName, User, Port, IdentityFile, ProxyJump', () => {
    const h = cfg.resolve('web1')
    expect(h).toMatchObject({
      hostName: 'web1.example.org',
      user: 'ops',
      port: 2222,
      identityFiles: ['/home/me/.ssh/web_ops'],
      proxyJump: 'jump1,admin@jump2:2200',
    })
    expect(cfg.resolve('db1').user).toBe('fallback')
  })

  it('parses destinations and ProxyJump lists', () => {
    expect(parseDestination('root@198.18.1.1:2200')).toEqual({ user: 'root', host: '198.18.1.1', port: 2200 })
    expect(parseDestination('[::1]:22')).toEqual({ user: undefined, host: '::1', port: 22 })
    expect(parseProxyJump('a,b@c:1')).toEqual([
      { user: undefined, host: 'a', port: undefined },
      { user: 'b', host: 'c', port: 1 },
    ])
    expect(parseProxyJump('none')).toEqual([])
    expect(expandPath('~/k_%h_%p', { h: 'x', p: 22, r: 'u' }, '/h')).toBe('/h/k_x_22')
  })

  it('builds a multi-hop chain: first hop is the outermost jump', () => {
    const t = resolveTarget('web1', { sshConfig: cfg, home: '/home/me' })
    expect(t).toMatchObject({ host: 'web1.example.org', port: 2222, user: 'ops' })
    expect(t.jump).toMatchObject({ host: 'jump2', port: 2200, user: 'admin' })
    expect(t.jump?.jump).toMatchObject({ host: '198.18.9.1', user: 'fallback' })
    expect(t.jump?.jump?.jump).toBeUndefined()
  })
})
