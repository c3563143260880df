#!/usr/bin/env bash
# Captures the fixtures of the generic `json` and `kv` parsers from real programs on this machine
# (through capture.sh), and reuses two real `systemctl show` captures of the systemctl-show
# parser (taken where systemd runs) for `kv`. Run from anywhere: test/unit/parsers/capture-structured.sh
set -u
# Captures anew: a case no longer captured must not linger (its .expected.json stays until the
# snapshot test is run with -u, so a changed capture shows as a diff to review).
root=$(cd "$(dirname "$0")/../../.." && pwd)
find "$root/fixtures/parsers/json" "$root/fixtures/parsers/kv" \( -name '*.stdout' -o -name '*.stderr' -o -name '*.exit' -o -name '*.cmd' \) -delete 2>/dev/null
here=$(cd "$(dirname "$0")" && pwd)
fx=$(cd "$here/../../.." && pwd)/fixtures/parsers
cap() { "$here/capture.sh" "$@"; }

# json: documents of several shapes, and what is not one.
cap json ip-addr 'ip -j addr'
cap json ip-route 'ip -j route'
cap json findmnt-root 'findmnt -J /'
cap json lsblk 'lsblk -J -o NAME,SIZE,TYPE,MOUNTPOINT'
cap json ip-addr-no-bridges 'ip -j -6 addr show type bridge'
cap json malformed/empty-findmnt-missing 'findmnt -J /nonexistent-mountpoint'
cap json malformed/ip-route-missing-table 'ip -j route show table 12345'
cap json malformed/ip-addr-text 'ip addr show lo'
cap json malformed/ip-addr-cut 'ip -j addr | head -c 300'

# kv: key=value as tools and files print it.
cap kv os-release 'cat /etc/os-release'
cap kv locale 'locale'
cap kv sysctl 'sysctl net.ipv4.ip_forward net.ipv4.tcp_keepalive_time net.core.somaxconn'
cap kv etc-default-ssh 'cat /etc/default/ssh'
cap kv uevent-lo 'cat /sys/class/net/lo/uevent'
# export prefixes, comments, and one key set again and again (a sourced shell fragment).
cap kv export-chromium-flags 'cat /etc/chromium.d/default-flags'
cap kv malformed/empty-sysctl-no-match "sysctl -a --pattern '^no[.]such[.]key$'"
cap kv malformed/ip-addr-text 'ip addr show lo'
cap kv malformed/ss-text 'ss -Htan'
for c in all-properties no-id-two-units; do
  mkdir -p "$fx/kv"
  for ext in stdout exit cmd; do cp "$fx/systemctl-show/$c.$ext" "$fx/kv/systemctl-show-$c.$ext"; done
  echo "== kv/systemctl-show-$c (from systemctl-show/$c)"
done
