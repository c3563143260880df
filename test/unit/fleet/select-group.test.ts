/** Host selection on a real inventory text, and grouping of outcomes and plans up to the host name. */
import { describe, expect, it } from 'vitest'
import { RunbookError } from '../../../src/errors.ts'
import { groupHash, groupOutcomes, normalizeHost, type HostRecord } from '../../../src/fleet/group.ts'
import { fleetExitCode } from '../../../src/fleet/run.ts'
import { selectHosts } from '../../../src/fleet/select.ts'
import { parseInventory } from '../../../src/inventory/load.ts'
import type { FixPlan } from '../../../src/types.ts'

const inventory = parseInventory(
  [
    'apiVersion: runbook/v1',
    'kind: Inventory',
    'vars: { env: prod }',
    'hosts:',
    '  bastion: { address: 198.18.9.10, vars: { role: bastion } }',
    '  web1: { address: 198.18.9.11, vars: { role: web, tags: [a, b] } }',
    '  web2: { address: 198.18.9.12, vars: { role: web } }',
    '  web10: { address: 198.18.9.20, vars: { role: web, env: staging } }',
    'groups:',
    '  web: { hosts: [web1, web2, web10] }',
    '  edge: { hosts: [bastion], children: [web] }',
    '',
  ].join('\n'),
  '/etc/runbook/inventory.yaml',
)

describe('selectHosts', () => {
  it('names, groups and all, in order, each once', () => {
    expect(selectHosts({ hosts: 'all' }, inventory)).toEqual(['bastion', 'web1', 'web2', 'web10'])
    expect(selectHosts({ hosts: 'web2,web' }, inventory)).toEqual(['web2', 'web1', 'web10'])
    expect(selectHosts({ hosts: 'edge' }, inventory)).toEqual(['bastion', 'web1', 'web2', 'web10'])
    expect(selectHosts({ hosts: 'root@203.0.113.9:2222' }, undefined)).toEqual(['root@203.0.113.9:2222'])
  })

  it('--select on vars (inventory, group, host; lists by membership; != too), all must hold', () => {
    expect(selectHosts({ select: ['role=web'] }, inventory)).toEqual(['web1', 'web2', 'web10'])
    expect(selectHosts({ select: ['role=web', 'env=prod'] }, inventory)).toEqual(['web1', 'web2'])
    expect(selectHosts({ select: ['env!=prod'] }, inventory)).toEqual(['web10'])
    expect(selectHosts({ hosts: 'web', select: ['tags=b'] }, inventory)).toEqual(['web1'])
  })

  it('errors say what to do', () => {
    const err = (f: () => unknown): RunbookError => {
      try {
        f()
      } catch (e) {
        return e as RunbookError
      }
      throw new Error('no error')
    }
    expect(err(() => selectHosts({ select: ['rol=web'] }, inventory)).message).toMatch(
      /no selected host has a var 'rol' in \/etc\/runbook\/inventory.yaml \(vars: env, role, tags\)/,
    )
    expect(err(() => selectHosts({ select: ['role=db'] }, inventory)).message).toMatch(/no host matches/)
    expect(err(() => selectHosts({ select: ['role'] }, inventory)).message).toMatch(/not key=value/)
    expect(err(() => selectHosts({ select: ['role=web'] }, undefined)).message).toMatch(/needs an inventory/)
    expect(err(() => selectHosts({ hosts: 'web1,,web2' }, inventory)).message).toMatch(/empty name/)
    expect(err(() => selectHosts({ hosts: 'all' }, undefined)).code).toBe('RB_USAGE')
    expect(err(() => selectHosts({ hosts: 'web1,wbe2' }, inventory)).message).toMatch(
      /'wbe2' is neither a host nor a group of \/etc\/runbook\/inventory.yaml \(hosts: bastion, web1, web2, web10; groups: web, edge\)/,
    )
    expect(selectHosts({ hosts: 'web1,deploy@db1.example.com' }, inventory)).toEqual(['web1', 'deploy@db1.example.com'])
  })

  it('inventory errors keep file:line:col', () => {
    try {
      parseInventory('apiVersion: runbook/v1\nkind: Inventory\nhosts:\n  web1: { adress: 1.2.3.4 }\n', '/x/inv.yaml')
      throw new Error('no error')
    } catch (e) {
      expect((e as RunbookError).located).toMatch(/^\/x\/inv.yaml:4:\d+: /)
    }
  })
})

const plan = (host: string, ip = '198.18.5.1'): FixPlan => ({
  host,
  sudo: true,
  check: [`iptables -S sshguard | grep ${ip}`],
  apply: [`echo ${ip} >> /etc/sshguard/whitelist # on ${host}`],
  verify: [`tcp ${host}:22`],
  rollback: [],
  files: [],
  access: { confirmWithinMs: 120_000 },
  hash: `hash-of-${host}`,
})

describe('grouping', () => {
  it('normalizes whole-word host names only', () => {
    expect(normalizeHost('sshguard on web1 blocks x; web10 and db-web1 and web1.example.com stay; web1.', 'web1')).toBe(
      'sshguard on <host> blocks x; web10 and db-web1 and web1.example.com stay; <host>.',
    )
  })

  it('plans equal up to the host name share a group hash; another address does not', () => {
    expect(groupHash('fix', plan('web1'), 'web1')).toBe(groupHash('fix', plan('web10'), 'web10'))
    expect(groupHash('fix', plan('web1'), 'web1')).not.toBe(groupHash('fix', plan('web2', '198.18.5.2'), 'web2'))
    expect(groupHash('fix', plan('web1'), 'web1')).not.toBe(groupHash('other_fix', plan('web1'), 'web1'))
  })

  const rec = (host: string, status: HostRecord['status'], extra: Partial<HostRecord> = {}): HostRecord => ({
    host,
    status,
    exitCode: 0,
    failed: false,
    durationMs: 1,
    transcripts: [],
    outcome:
      status === 'healthy'
        ? { id: 'reachable', summary: `${host} answers`, evidence: [{ text: `${host}:22 open` }] }
        : {
            id: '_proposed',
            summary: `Fix proposed: sshguard on ${host} blocks 198.18.5.1`,
            evidence: [{ text: `-A sshguard -s 198.18.5.1/32 -j DROP (${host})` }],
          },
    ...(status === 'fix-proposed'
      ? { fix: { step: 'fix_sshguard', summary: '', plan: plan(host), groupHash: groupHash('fix_sshguard', plan(host), host) } }
      : {}),
    ...extra,
  })

  it('groups hosts by outcome (and plan), evidence once, best first', () => {
    const groups = groupOutcomes([
      rec('web1', 'healthy'),
      rec('web7', 'fix-proposed'),
      rec('web2', 'healthy'),
      rec('web19', 'fix-proposed'),
      rec('web33', 'fix-proposed'),
    ])
    expect(groups.map((g) => [g.hosts, g.summary])).toEqual([
      [['web1', 'web2'], '<host> answers'],
      [['web7', 'web19', 'web33'], 'Fix proposed: sshguard on <host> blocks 198.18.5.1'],
    ])
    expect(groups[1]!.evidence).toEqual([{ text: '-A sshguard -s 198.18.5.1/32 -j DROP (<host>)' }])
    expect(groups[1]!.evidenceFrom).toBe('web7')
    expect(groups[1]!.planHash).toMatch(/^[0-9a-f]{64}$/)
  })

  it('fleet exit codes: worst wins; a stop is 10; a host needing a human is 8 even then', () => {
    expect(fleetExitCode([rec('a', 'healthy')], null)).toBe(0)
    expect(fleetExitCode([rec('a', 'healthy'), rec('b', 'fix-applied')], null)).toBe(5)
    expect(fleetExitCode([rec('a', 'fix-applied'), rec('b', 'fix-proposed')], null)).toBe(4)
    expect(fleetExitCode([rec('a', 'fix-proposed'), rec('b', 'incomplete')], null)).toBe(7)
    expect(fleetExitCode([rec('a', 'fix-rolled-back'), rec('b', 'refused')], null)).toBe(6)
    expect(fleetExitCode([rec('a', 'error')], null)).toBe(7)
    expect(fleetExitCode([rec('a', 'healthy')], { reason: 'budget', message: '' })).toBe(10)
    expect(fleetExitCode([rec('a', 'rollback-failed')], { reason: 'budget', message: '' })).toBe(8)
    expect(fleetExitCode([rec('a', 'healthy')], { reason: 'interrupted', message: '' })).toBe(130)
  })
})
