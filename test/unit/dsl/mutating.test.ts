import { describe, expect, it } from 'vitest'
import { accessReason } from '../../../src/dsl/mutating.ts'

describe('accessReason', () => {
  it.each([
    'iptables -D sshguard -s 1.2.3.4 -j DROP',
    'kill -HUP $(cat /run/sshd.pid); sshd -t',
    'systemctl reload ssh',
    'cp x /etc/ssh/sshd_config.d/50.conf',
    'nft delete rule ip filter input handle 4',
  ])('%s can cut access', (c) => {
    expect(accessReason(c)).toMatch(/can cut access/)
  })
  it.each(['systemctl restart nginx', 'tar -xkf a.tar -C /var/log', 'echo iptables'])('%s cannot', (c) =>
    expect(accessReason(c)).toBeNull(),
  )
})
