/**
 * The read-only check on the shell's syntax tree: every way of writing a mutation is found, with
 * the offending word and its offset; ordinary read-only diagnostics pass.
 */
import { describe, expect, it } from 'vitest'
import { readOnlyProblems } from '../../../src/dsl/readonly.ts'
import { allowListedPrograms } from '../../../src/dsl/readonly-programs.ts'

const READ_ONLY = [
  'iptables -S',
  'iptables -S sshguard',
  'iptables -w -L -n -v --line-numbers',
  'iptables-save',
  'nft -j list ruleset',
  "nft 'list ruleset'",
  'ipset list',
  'systemctl show -p ActiveState nginx',
  'systemctl list-units --failed',
  'systemctl',
  'journalctl -u ssh -o json -n 50 --no-pager',
  'cat /proc/loadavg 2>/dev/null; nproc',
  'du -sk /var/log 2>&1',
  'ss -Htanp | grep -c ESTAB',
  "awk '$1 > 5' f",
  "awk '{ print ($1 > 5) }' f",
  'grep -c kill /var/log/syslog',
  'find /var/log -name "*.gz" -print',
  'fail2ban-client status sshd',
  'sshd -T',
  'last -F | head',
  'echo "a > b"',
  'sudo -n iptables -S',
  'timeout 3 bash -c "</dev/tcp/h/22"',
  "sed -n '1,5p' /etc/passwd",
  'curl -fsS -o /dev/null -w "%{http_code}" http://x',
  'wget -qO- http://x',
  'ip -j addr',
  'ip route get 198.18.0.1',
  'date +%s',
  'hostname -I',
  'tar -tzf a.tgz',
  'gzip -dc f.gz | tail',
  'kill -0 1',
  'for p in /proc/[0-9]*; do cat "$p/cmdline"; done',
  'x=$(cat f); echo "$x"',
  'sh -c "ls /"',
  'openssl x509 -in c.pem -noout -text',
  'ss -Htan state established',
  'exec 3<>/dev/tcp/198.18.0.1/22',
  'echo x >&2',
  'ls > /dev/null 2>&1',
  'f() { cat "$1"; }; f /etc/hosts',
  'while read -r l; do echo "$l"; done < /etc/hosts',
  'if [ -f /x ]; then cat /x; else echo none; fi',
  'case "$1" in a) ls ;; esac',
  'ssh -o BatchMode=yes web1 true',
  'nc -z -w 3 198.18.0.1 22',
  'sudo -n -- env LANG=C ps -eo pid,comm',
  'x=${v%]}; y=${v#[}; echo "$x$y"',
  'find / -maxdepth 1 -exec stat {} \\;',
]

// [command, offending word shown, start of the text it points at]
const MUTATING: Array<[string, string, string]> = [
  ['for u in a b; do systemctl restart "$u"; done', 'systemctl restart', 'restart'],
  ['if true; then rm -f /x; fi', 'rm', 'rm -f'],
  ['case $x in a) iptables -F;; esac', 'iptables -F', '-F'],
  ['{ rm x; }', 'rm', 'rm x'],
  ['(cd / && rm x)', 'rm', 'rm x'],
  ['f() { rm -rf /tmp/x; }; f', 'rm', 'rm -rf'],
  ['echo $(rm x)', 'rm', 'rm x'],
  ['echo `rm x`', 'rm', 'rm x'],
  ['ls | xargs rm', 'rm', 'rm'],
  ['true && rm x', 'rm', 'rm x'],
  ['false || rm x', 'rm', 'rm x'],
  ['sh -c "rm -rf /"', 'rm', '"rm -rf /"'],
  ["bash -c 'systemctl stop nginx'", 'systemctl stop', 'stop'],
  ['eval "rm x"', 'rm', '"rm x"'],
  ['find / -name x -delete', 'find -delete', '-delete'],
  ['find . -exec rm {} \\;', 'rm', 'rm {}'],
  ['env FOO=1 rm x', 'rm', 'rm x'],
  ['nohup rm x', 'rm', 'rm x'],
  ['timeout 5 rm x', 'rm', 'rm x'],
  ['nice -n 5 rm x', 'rm', 'rm x'],
  ['sudo -u root systemctl restart x', 'systemctl restart', 'restart x'],
  ['busybox rm x', 'rm', 'rm x'],
  ['command rm x', 'rm', 'rm x'],
  ['/bin/rm x', '/bin/rm', '/bin/rm'],
  ['\\rm x', '\\rm', '\\rm'],
  ["'rm' x", "'rm'", "'rm'"],
  ['sed -i s/a/b/ f', 'sed -i', '-i'],
  ['sed --in-place s/a/b/ f', 'sed --in-place', '--in-place'],
  ["sed -n 's/a/b/w /tmp/out' f", "sed 's/a/b/w /tmp/out'", "'s/a/b/w"],
  ['echo x > /etc/passwd', '> /etc/passwd', '> /etc/passwd'],
  ['echo x >> f', '>> f', '>> f'],
  ['ls &> out', '&> out', '&> out'],
  ['cat f | tee out', 'tee out', 'out'],
  ['curl -X POST http://x', 'curl POST', 'POST'],
  ['curl -d a=b http://x', 'curl -d', '-d'],
  ['journalctl --vacuum-size=1M', 'journalctl --vacuum-size=1M', '--vacuum'],
  ['ip link set eth0 down', 'ip set', 'set'],
  ['nft add rule ip filter input drop', 'nft add', 'add'],
  ['ipset add s 1.2.3.4', 'ipset add', 'add'],
  ['fail2ban-client set sshd unbanip 1.2.3.4', 'fail2ban-client set', 'set'],
  ['python3 -c "print(1)"', 'python3', 'python3'],
  ['$CMD x', '$CMD', '$CMD'],
  ['awk \'BEGIN { system("rm x") }\'', 'awk \'BEGIN { system("rm x") }\'', "'BEGIN"],
  ['sort -o f f', 'sort -o', '-o'],
  ['date -s 2020-01-01', 'date -s', '-s'],
  ['hostname evil', 'hostname evil', 'evil'],
  ['sysctl -w a=1', 'sysctl -w', '-w'],
  ['kill 1', 'kill 1', '1'],
  ['wget http://x', 'wget http://x', 'http'],
  ['ssh web1 "rm x"', 'rm', '"rm x"'],
  ['cat <<EOF | sh\nrm x\nEOF', 'sh', 'sh'],
  ['mount /dev/sda1 /mnt', 'mount /dev/sda1', '/dev/sda1'],
  ['dd if=/dev/zero of=/x', 'dd', 'dd'],
  ['echo FLUSHALL | nc 127.0.0.1 6379', 'nc 127.0.0.1', '127.0.0.1'],
  ['systemctl ${{ params.verb }} nginx', 'systemctl ${{ params.verb }}', '${{'],
]

describe('readOnlyProblems', () => {
  it.each(READ_ONLY)('%j is read-only', (c) => {
    expect(readOnlyProblems(c)).toEqual([])
  })

  it.each(MUTATING)('%j mutates: names %j at its column', (command, word, at) => {
    const problems = readOnlyProblems(command)
    expect(problems.length, JSON.stringify(problems)).toBeGreaterThan(0)
    const p = problems[0]!
    expect(p.word).toBe(word)
    expect(command.slice(p.offset)).toMatch(new RegExp(`^${at.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`))
    expect(p.why).toMatch(/\w/)
  })

  it('a syntax error is refused, not guessed', () => {
    expect(readOnlyProblems('echo "unterminated').map((p) => p.why)).toEqual(['is not shell syntax the read-only check can parse'])
  })

  it('the allow-list documents its programs', () => {
    const programs = allowListedPrograms()
    for (const p of ['cat', 'grep', 'systemctl', 'iptables', 'nft', 'sudo', 'find', 'sed', 'awk']) expect(programs).toContain(p)
    for (const p of ['rm', 'dd', 'python3', 'perl', 'truncate']) expect(programs).not.toContain(p)
  })
})
