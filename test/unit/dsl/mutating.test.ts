import { describe, expect, it } from 'vitest'
import { accessReason, mutatingReason } from '../../../src/dsl/mutating.ts'

const readOnly = [
  'iptables -S', 'iptables -S sshguard', 'iptables -L -n -v', 'iptables-save', 'nft -j list ruleset', 'ipset list',
  'systemctl show -p ActiveState nginx', 'systemctl list-units --failed', 'journalctl -u ssh -o json -n 50',
  'cat /proc/loadavg 2>/dev/null; nproc', 'du -sk /var/log 2>&1', 'ss -Htanp | grep -c ESTAB', "awk '$1 > 5' f",
  'grep -c kill /var/log/syslog', 'find /var/log -name "*.gz" -print', 'fail2ban-client status sshd', 'sshd -T',
  'last -F | head', 'echo "a > b"', 'sudo -n iptables -S', 'timeout 3 bash -c "</dev/tcp/h/22"', 'sed -n 1p /etc/passwd',
]
const mutating = [
  'iptables -D INPUT -s 1.2.3.4 -j DROP', 'sudo iptables -A INPUT -j ACCEPT', 'nft delete rule inet f2b-table x handle 3',
  'systemctl restart nginx', 'LC_ALL=C systemctl reload-or-restart apache2', 'echo x > /etc/foo', 'cat a >> /var/log/b',
  'find /var/log -name "*.gz" -delete', 'sed -i s/a/b/ f', 'fail2ban-client set sshd unbanip 1.2.3.4', 'rm -f /tmp/x',
  'ip addr add 1.2.3.4/24 dev eth0', 'uptime; kill -HUP 1', 'ls | xargs rm', 'cd /x && tar --remove-files -cf a . && rm -rf b',
]

describe('mutatingReason', () => {
  it.each(readOnly)('%s is read-only', (c) => expect(mutatingReason(c)).toBeNull())
  it.each(mutating)('%s mutates', (c) => expect(mutatingReason(c)).toMatch(/\w/))
})

describe('accessReason', () => {
  it.each(['iptables -D sshguard -s 1.2.3.4 -j DROP', 'kill -HUP $(cat /run/sshd.pid); sshd -t', 'systemctl reload ssh', 'cp x /etc/ssh/sshd_config.d/50.conf', 'nft delete rule ip filter input handle 4'])('%s can cut access', (c) => {
    expect(accessReason(c)).toMatch(/can cut access/)
  })
  it.each(['systemctl restart nginx', 'tar -xkf a.tar -C /var/log', 'echo iptables'])('%s cannot', (c) => expect(accessReason(c)).toBeNull())
})
