/**
 * Recognises shell commands that change a host. Diagnostic steps must be read-only: a command that
 * matches here outside `fix.apply` / `fix.rollback` is a validation error. A heuristic on purpose:
 * it errs towards flagging, and an author who disagrees moves the command into a fix.
 */

interface Rule {
  pattern: RegExp
  why: string
}

// Rules match at the start of a simple command (see `commands()`): arguments are not commands.
const WORD = '^'

const RULES: Rule[] = [
  { pattern: new RegExp(`${WORD}(rm|rmdir|mv|cp|dd|shred|truncate|chmod|chown|chgrp|ln|install|mkdir|touch|tee|mkfs(\\.\\w+)?|mkswap|wipefs|fdisk|parted)\\b`), why: 'changes files' },
  { pattern: new RegExp(`${WORD}(kill|pkill|killall|reboot|shutdown|halt|poweroff|telinit)\\b`), why: 'stops processes or the host' },
  { pattern: new RegExp(`${WORD}systemctl\\b[^;&|]*\\b(start|stop|restart|try-restart|reload|reload-or-restart|enable|disable|mask|unmask|kill|reset-failed|daemon-reload|daemon-reexec|isolate|set-property|edit|revert|preset)\\b`), why: 'changes systemd units' },
  { pattern: new RegExp(`${WORD}service\\s+\\S+\\s+(start|stop|restart|reload|force-reload)\\b`), why: 'changes a service' },
  { pattern: new RegExp(`${WORD}(ip6?tables|ip6?tables-legacy|ip6?tables-nft|ebtables|arptables)\\b[^;&|]*\\s(-[ADIRFXNPZE]\\b|--(append|delete|insert|replace|flush|new-chain|delete-chain|policy|zero|rename-chain)\\b)`), why: 'changes firewall rules' },
  { pattern: new RegExp(`${WORD}(ip6?tables-restore|iptables-legacy-restore|iptables-nft-restore|nft\\s+-f|ipset\\s+restore)\\b`), why: 'loads firewall rules' },
  { pattern: new RegExp(`${WORD}nft\\b[^;&|]*\\s(add|delete|flush|insert|replace|create|destroy|reset|rename)\\s`), why: 'changes nftables' },
  { pattern: new RegExp(`${WORD}ipset\\s+(add|del|create|destroy|flush|swap|rename|-A|-D|-N|-X|-F)\\b`), why: 'changes ipsets' },
  { pattern: new RegExp(`${WORD}fail2ban-client\\b[^;&|]*\\s(set|unban|ban|reload|restart|stop|start|flushlogs)\\b`), why: 'changes fail2ban' },
  { pattern: new RegExp(`${WORD}ip\\s+(-\\S+\\s+)*(link|l|addr|address|a|route|r|rule|neigh|n|netns|tunnel)\\s+(add|del|delete|set|change|replace|flush|append)\\b`), why: 'changes networking' },
  { pattern: new RegExp(`${WORD}find\\b[^;&|]*\\s(-delete|-exec(dir)?\\s+(rm|mv|chmod|chown|truncate|sed\\s+-i))\\b`), why: 'deletes or changes files' },
  { pattern: new RegExp(`${WORD}(sed|perl)\\s[^;&|]*-i\\b`), why: 'edits files in place' },
  { pattern: new RegExp(`${WORD}(useradd|userdel|usermod|groupadd|groupdel|passwd|chpasswd|crontab|visudo|mount|umount|swapoff|modprobe|rmmod|insmod|hostnamectl|timedatectl|resolvectl)\\b`), why: 'changes system state' },
  { pattern: new RegExp(`${WORD}sysctl\\b[^;&|]*\\s(-w|-p|--write|--load|--system)\\b`), why: 'changes kernel settings' },
  { pattern: new RegExp(`${WORD}(apt|apt-get|dpkg|dnf|yum|rpm|pip3?|npm|snap)\\s+(-\\S+\\s+)*(install|remove|purge|upgrade|dist-upgrade|autoremove|-i|-e|-U|erase|update)\\b`), why: 'changes packages' },
  { pattern: new RegExp(`${WORD}journalctl\\b[^;&|]*--(vacuum-\\w+|rotate|flush)\\b`), why: 'changes the journal' },
]

const REDIRECT = /(^|[^0-9&>=<-])>>?\s*(?!&|\/dev\/null\b)[^\s&|;]/

/** Wrappers that run the command after them: `sudo systemctl restart x` is `systemctl restart x`. */
const WRAPPER = /^(?:(?:sudo|doas|env|nohup|exec|command|builtin|nice|ionice|chrt|stdbuf|setsid|time|xargs|timeout)\b(?:\s+-{1,2}[\w-]+(?:[= ]\S+)?)*(?:\s+\d+[smhd]?(?=\s))?\s+|[A-Za-z_][A-Za-z0-9_]*=\S*\s+)/

/** The simple commands of a command line: split at ; & | && || $( ` ( ) and stripped of wrappers. */
function commands(text: string): string[] {
  return text
    .split(/\|\||&&|[;|&\n`()]|\$\(/)
    .map((c) => {
      let cmd = c.trim()
      for (let prev = ''; prev !== cmd; ) {
        prev = cmd
        cmd = cmd.replace(WRAPPER, '')
      }
      return cmd
    })
    .filter((c) => c !== '')
}

/** Why the command mutates the host, or null when it looks read-only. `${{ }}` parts count as plain words. */
export function mutatingReason(command: string): string | null {
  const text = command.replace(/\$\{\{[\s\S]*?\}\}/g, 'X').replace(/'[^']*'/g, "''")
  for (const cmd of commands(text)) {
    for (const rule of RULES) {
      const m = rule.pattern.exec(cmd)
      if (m) return `'${m[0].trim()}' ${rule.why}`
    }
  }
  // `echo "a > b"` writes nothing: quoted text is not a redirection.
  const r = REDIRECT.exec(text.replace(/"(?:[^"\\]|\\.)*"/g, '""'))
  return r ? `'${r[0].trim()}' writes a file with a redirection` : null
}

const ACCESS_COMMAND = new RegExp(
  `${WORD}(sshd|ssh-keygen|ip6?tables(-legacy|-nft)?(-restore)?|nft|ipset|ufw|firewall-cmd|fail2ban-client|sshguard|ip\\s+(-\\S+\\s+)*(link|l|addr|address|a|route|r|rule|netns|tunnel)|iptables-apply)\\b|` +
    `^(systemctl|service)\\b[^;&|]*\\b(ssh|sshd|ssh\\.service|sshd\\.service|networking|NetworkManager|systemd-networkd|nftables|netfilter-persistent|fail2ban|sshguard)\\b`,
)
const ACCESS_PATH = /\/etc\/ssh\/|\/etc\/nftables|\/etc\/iptables|\/etc\/network\/|\/etc\/netplan\/|\/etc\/fail2ban\/|\/etc\/sshguard/
const ACCESS_FILE = /^(\/etc\/ssh\/|\/etc\/nftables|\/etc\/iptables\/|\/etc\/network\/|\/etc\/netplan\/|\/etc\/sysconfig\/(iptables|network)|\/etc\/fail2ban\/|\/etc\/sshguard|\/root\/\.ssh\/|\/home\/[^/]+\/\.ssh\/)/

/**
 * Why a fix command could cut the operator off (sshd, firewall, networking), or null. Such fixes
 * must be marked `access: true` so they run commit-confirmed.
 */
export function accessReason(command: string): string | null {
  const text = command.replace(/\$\{\{[\s\S]*?\}\}/g, 'X')
  for (const cmd of commands(text)) {
    const m = ACCESS_COMMAND.exec(cmd)
    if (m) return `'${m[0].trim()}' can cut access (sshd, firewall or networking)`
  }
  const f = ACCESS_PATH.exec(text)
  return f ? `'${f[0]}' can cut access (sshd, firewall or networking)` : null
}

export function accessFileReason(path: string): string | null {
  return ACCESS_FILE.test(path) ? `writing ${path} can cut access (sshd, firewall, networking or keys)` : null
}
