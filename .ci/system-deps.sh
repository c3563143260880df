#!/usr/bin/env bash
# System packages the lab and the integration tests drive for real: sshd, iptables, nftables,
# sshguard, fail2ban, systemd (hung-unit), a Flask dev server (proxy-probes), sshpass (brute-force),
# plus ping/traceroute/netstat/tar used by runbooks, and chromium for the web pages' browser test
# (test/integration/serve-pages.int.test.ts drives /usr/bin/chromium; no browser is ever downloaded),
# and postgresql + redis-server for the scale-out store and queue (src/testing/postgres.ts and redis.ts
# start them as ordinary processes on loopback with temporary data directories; never as services),
# and ansible-core, which only `npm run bench:fleet` needs (the Ansible playbook it compares with).
# Debian/Ubuntu, as root. Every scenario lists its own needs (src/lab/scenario*.ts `requires`); this
# list must cover them.
set -euo pipefail
pkgs=(openssh-server openssh-client iptables nftables ipset sshguard fail2ban sudo iproute2 iputils-ping traceroute procps tar util-linux openssl sshpass net-tools python3 python3-flask systemd chromium postgresql redis-server ansible-core)
if [ "$(uname -s)" != Linux ] || ! command -v apt-get >/dev/null; then
  echo "system-deps: not a Debian/Ubuntu Linux: skipping (the lab and its integration tests need Linux and root)"; exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "system-deps: not root: skipping apt-get (run as root, or with sudo, to install: ${pkgs[*]})"; exit 0
fi
missing=()
for p in "${pkgs[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "system-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Services must not start on the machine itself: the lab runs its own daemons in namespaces.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  rm -f /usr/sbin/policy-rc.d
fi
echo "system-deps: ok"
