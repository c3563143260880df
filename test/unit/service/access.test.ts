import { describe, expect, it } from 'vitest'
import { AccessControl, globMatch, loadAccess, parseAccess, sha256 } from '../../../src/service/access.ts'
import { ACCESS_YAML, TOKENS } from './fixture.ts'

describe('access.yaml', () => {
  const access = new AccessControl(parseAccess(ACCESS_YAML), TOKENS.admin)

  it('authenticates tokens by their sha256; unknown tokens are nobody', () => {
    expect(access.authenticate(TOKENS.bob)?.name).toBe('bob')
    expect(access.authenticate(TOKENS.admin)?.name).toBe('admin')
    expect(access.authenticate('tok-nobody')).toBeUndefined()
    expect(access.authenticate(sha256(TOKENS.bob))).toBeUndefined()
  })

  it('grants verbs by rule: runbook globs × host globs', () => {
    const bob = access.authenticate(TOKENS.bob)!
    const vic = access.authenticate(TOKENS.vic)!
    expect(access.can(bob, 'approve', 'unreachable-host', 'web1')).toBe(true)
    expect(access.can(bob, 'run', 'unreachable-host', 'web1')).toBe(false)
    expect(access.can(vic, 'view', 'x', null)).toBe(true)
    expect(access.can(vic, 'apply', 'x', null)).toBe(false)
    expect(access.why(vic, 'apply', 'x', 'h')).toMatch(/'vic' may not apply runbook 'x' on host 'h'.*\(viewer\)/)
    expect(access.can(access.authenticate(TOKENS.admin)!, 'apply', 'anything', 'anywhere')).toBe(true)
    const scoped = new AccessControl(
      parseAccess('identities: { a: { roles: [r] } }\nroles: { r: [{ verbs: [run], runbooks: ["log-*"], hosts: ["web?", "db*"] }] }'),
    )
    const a = scoped.policy.identities[0]!
    expect([
      scoped.can(a, 'run', 'log-dir-full', 'web1'),
      scoped.can(a, 'run', 'log-dir-full', 'web10'),
      scoped.can(a, 'run', 'log-dir-full', 'db-7'),
      scoped.can(a, 'run', 'unreachable-host', 'web1'),
    ]).toEqual([true, false, true, false])
  })

  it('approvals: N is the most any rule matching the runbook and host asks', () => {
    expect(access.approvalsRequired('log-dir-full', 'pair')).toBe(2)
    expect(access.approvalsRequired('log-dir-full', 'local')).toBe(1)
    expect(access.approvalsRequired('unreachable-host', 'pair')).toBe(1)
  })

  it.each([
    ['roles: { r: [{ verbs: [delete] }] }', /roles\.r\[0\]\.verbs: unknown verb 'delete'/],
    ['identities: { a: { roles: [nope] } }', /identities\.a\.roles: unknown role 'nope'/],
    ['identities: { a: { token_sha256: hunter2, roles: [] } }', /token_sha256: must be the hex sha256/],
    ['roles: { r: [{ verbs: [run], approvals: 0 }] }', /approvals: must be an integer/],
    ['users: {}', /users: unknown key/],
    ['identities: { admin: { roles: [r] } }\nroles: { r: [{ verbs: [run] }] }', /'admin' is the RUNBOOK_ADMIN_TOKEN identity/],
    ['four_eyes: maybe', /four_eyes: must be true or false/],
    ['roles: [', /YAML/],
    ['identities: { a: { roles: [r], slack: alice } }\nroles: { r: [{ verbs: [run] }] }', /identities\.a\.slack: must be a Slack user id/],
    [
      'identities: { a: { roles: [r], slack: U1AA }, b: { roles: [r], slack: U1AA } }\nroles: { r: [{ verbs: [run] }] }',
      /identities\.b\.slack: U1AA is already the Slack user of 'a'/,
    ],
    ['slack: { channels: [general] }', /slack\.channels: 'general' is not a Slack channel id/],
    ['slack: { users: [] }', /slack\.users: unknown key/],
  ])('refuses %j with RB_ACCESS_FILE naming the entry', (text, message) => {
    expect(() => parseAccess(text)).toThrow(message)
    try {
      parseAccess(text)
    } catch (err) {
      expect((err as { code: string }).code).toBe('RB_ACCESS_FILE')
    }
  })

  it('points every mistake at its place in the file, with a code frame', () => {
    const at = (text: string) => {
      try {
        parseAccess(text, 'access.yaml')
      } catch (err) {
        const e = err as { code: string; pos?: { file: string; line: number; col: number }; frame?: string }
        return { code: e.code, ...e.pos, frame: e.frame ?? '' }
      }
      throw new Error('no error')
    }
    const text = ['identities:', '  a: { roles: [r, nope] }', 'roles:', '  r: [{ verbs: [run] }]', ''].join('\n')
    expect(at(text)).toMatchObject({ code: 'RB_ACCESS_FILE', file: 'access.yaml', line: 2, col: 19 })
    expect(at(text).frame).toContain('> 2 |   a: { roles: [r, nope] }')
    expect(at('roles: {}\nusers: {}\n')).toMatchObject({ line: 2, col: 1 })
    expect(at('roles:\n  r:\n    - verbs: [run]\n      approvals: 0\n')).toMatchObject({ line: 4, col: 18 })
    expect(at('roles: [\n')).toMatchObject({ code: 'RB_ACCESS_FILE', line: 2 })
  })

  it('maps Slack user ids to identities and restricts commands to slack.channels', () => {
    const text =
      'identities: { a: { roles: [r], slack: U0AAA }, b: { roles: [r] } }\nroles: { r: [{ verbs: [run] }] }\nslack: { channels: [C0OPS] }'
    const slack = new AccessControl(parseAccess(text))
    expect(slack.bySlackUser('U0AAA')?.name).toBe('a')
    expect(slack.bySlackUser('U0BBB')).toBeUndefined()
    expect(slack.slackChannelRefusal('C0OPS')).toBeUndefined()
    expect(slack.slackChannelRefusal('C0RANDOM')).toMatch(/not take commands in this channel \(C0RANDOM\); use <#C0OPS>/)
    // No slack.channels: any channel.
    expect(access.slackChannelRefusal('C0RANDOM')).toBeUndefined()
  })

  it('without a file only the admin token works; four-eyes is on by default', () => {
    const bare = loadAccess(undefined, { RUNBOOK_ADMIN_TOKEN: 'x' })
    expect(bare.authenticate('x')?.name).toBe('admin')
    expect(bare.policy.fourEyes).toBe(true)
    expect(loadAccess(undefined, {}).authenticate('')).toBeUndefined()
  })
})
