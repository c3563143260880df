import { describe, expect, it } from 'vitest'
import { RunbookError } from '../../../src/errors.ts'
import { loadInventory, parseInventory } from '../../../src/inventory/load.ts'
import { expandHosts, hostVars } from '../../../src/inventory/hosts.ts'
import { resolveAddress, resolveTarget } from '../../../src/executors/ssh-target.ts'

const TEXT = `
apiVersion: runbook/v1
kind: Inventory
defaults:
  user: root
  identityFiles: [keys/id]
  knownHostsFiles: [kh]
vars: { env: lab }
hosts:
  bastion: { address: 198.18.1.10 }
  web1: { address: 198.18.1.11, bastion: bastion, vars: { role: web } }
  web2: { address: 198.18.1.12, port: 2222, user: ops, bastion: bastion }
groups:
  web: { hosts: [web1, web2], vars: { tier: front } }
  all-web: { children: [web] }
`

/** The error parsing `text` (as inv.yaml) throws. */
function errorOf(text: string): RunbookError {
  try {
    parseInventory(text, 'inv.yaml')
  } catch (e) {
    return e as RunbookError
  }
  throw new Error('no error')
}

describe('inventory', () => {
  const inv = parseInventory(TEXT, '/etc/runbook/inventory.yaml')

  it('makes relative paths absolute against the file', () => {
    expect(inv.defaults.identityFiles).toEqual(['/etc/runbook/keys/id'])
  })

  it('resolves hosts with their bastion', () => {
    const t = resolveTarget('web2', { inventory: inv })
    expect(t).toMatchObject({ name: 'web2', host: '198.18.1.12', port: 2222, user: 'ops', knownHostsFiles: ['/etc/runbook/kh'] })
    expect(t.jump).toMatchObject({ name: 'bastion', host: '198.18.1.10', port: 22, user: 'root' })
    expect(resolveTarget('root@198.18.1.99:2200', { inventory: inv })).toMatchObject({
      host: '198.18.1.99',
      port: 2200,
      identityFiles: ['/etc/runbook/keys/id'],
    })
    expect(resolveAddress('web1', { inventory: inv })).toBe('198.18.1.11')
  })

  it('expands groups and children; merges vars', () => {
    expect(expandHosts('all-web', inv)).toEqual(['web1', 'web2'])
    expect(expandHosts('all', inv)).toEqual(['bastion', 'web1', 'web2'])
    expect(expandHosts('db1', inv)).toEqual(['db1'])
    expect(hostVars('web1', inv)).toEqual({ env: 'lab', tier: 'front', role: 'web' })
  })

  it('rejects schema errors with a position', () => {
    const err = errorOf('hosts:\n  web1: { adress: 1.2.3.4 }\n')
    expect(err.code).toBe('RB_USAGE')
    expect(err.message).toContain("unknown field 'adress' in hosts.web1: did you mean 'address'?")
    expect(err.pos).toMatchObject({ file: 'inv.yaml', line: 2, col: 11 })
    expect(err.frame).toContain('> 2 |   web1: { adress: 1.2.3.4 }')
  })

  it('names a misspelt top-level field rather than the required one it leaves missing', () => {
    expect(() => parseInventory('hots:\n  web1: { address: 198.18.0.1 }\n')).toThrow(
      /unknown field 'hots' in the inventory: did you mean 'hosts'\?/,
    )
  })

  it('points an unknown group member at its place in the list', () => {
    const err = errorOf('hosts:\n  web1: {}\ngroups:\n  web: { hosts: [web1, web2] }\n')
    expect(err.message).toMatch(/group 'web' lists unknown host 'web2'/)
    expect(err.pos).toMatchObject({ line: 4, col: 24 })
  })

  it('takes YAML merge keys: hosts share an anchored mapping and override what differs', () => {
    const inv = parseInventory(
      [
        'hosts:',
        '  web1: &web { address: 198.18.0.11, user: ops, port: 2222, vars: { role: web } }',
        '  web2: { <<: *web, address: 198.18.0.12 }',
        '',
      ].join('\n'),
    )
    expect(inv.hosts.web2).toMatchObject({ address: '198.18.0.12', user: 'ops', port: 2222, vars: { role: 'web' } })
  })

  it('refuses a second YAML document in words about the file, at its `---`', () => {
    const err = errorOf('hosts:\n  web1: { address: 198.18.0.11 }\n---\nhosts: {}\n')
    expect(err.message).toBe('inventory is not valid YAML: a second YAML document starts here (`---`): one file holds one document')
    expect(err.pos).toMatchObject({ file: 'inv.yaml', line: 3, col: 1 })
  })

  it('rejects unknown group members and bastion loops', () => {
    expect(() => parseInventory('hosts: {}\ngroups:\n  g: { hosts: [nope] }\n')).toThrow(/unknown host 'nope'/)
    const loop = parseInventory('hosts:\n  a: { bastion: b }\n  b: { bastion: a }\n')
    expect(() => resolveTarget('a', { inventory: loop })).toThrow(/bastion loop/)
  })
})

describe('facts from the inventory', () => {
  it('bastionOf names the hop a host is reached through; user@name keeps the inventory path and address', async () => {
    const { SshExecutorFactory } = await import('../../../src/executors/pool.ts')
    const inv = parseInventory(
      'hosts:\n  bastion: { address: 198.18.9.10 }\n  web1: { address: 198.18.9.11, bastion: bastion }\n  solo: { address: 198.18.9.12 }\n',
      'inv.yaml',
    )
    const f = new SshExecutorFactory({ inventory: inv, agent: null })
    try {
      expect(f.bastionOf('web1')).toBe('bastion')
      expect(f.bastionOf('deploy@web1')).toBe('bastion')
      expect(f.bastionOf('solo')).toBeUndefined()
      expect(f.resolve('deploy@web1')).toMatchObject({ user: 'deploy', host: '198.18.9.11' })
      expect(resolveAddress('deploy@web1', { inventory: inv, sshConfig: undefined, acceptNewHostKeys: false })).toBe('198.18.9.11')
    } finally {
      await f.close()
    }
  })
})

describe('loadInventory reads only regular files', () => {
  it('a device is refused at once with RB_INPUT_NOT_FILE (reading /dev/zero would never end)', () => {
    expect(() => loadInventory('/dev/null')).toThrow(expect.objectContaining({ code: 'RB_INPUT_NOT_FILE' }))
  })
})

describe('loadInventory, twice on one file', () => {
  it('gives each caller its own copy, and reads the file again when it changed', async () => {
    const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs')
    const { tmpdir } = await import('node:os')
    const { join } = await import('node:path')
    const dir = mkdtempSync(join(tmpdir(), 'rb-inv-'))
    try {
      const file = join(dir, 'inventory.yaml')
      writeFileSync(file, TEXT)
      const first = loadInventory(file)
      first.defaults.identityFiles = ['/changed/by/the/first/caller']
      first.hosts['web1']!.address = '198.18.9.9'
      const second = loadInventory(file)
      expect(second.defaults.identityFiles).toEqual([join(dir, 'keys/id')])
      expect(second.hosts['web1']!.address).toBe(parseInventory(TEXT, file).hosts['web1']!.address)
      writeFileSync(file, TEXT.replace('user: root', 'user: ops'))
      expect(loadInventory(file).defaults.user).toBe('ops')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
