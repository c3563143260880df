/**
 * Recognises fix commands that can cut the operator off (sshd, firewall, networking): such fixes
 * must be marked `access: true` so they run commit-confirmed. A heuristic on purpose: it errs
 * towards flagging. (Whether a diagnostic is read-only is proven on the syntax tree: readonly.ts.)
 */

// Rules match at the start of a simple command (see `commands()`): arguments are not commands.
const WORD = '^'

/** Wrappers that run the command after them: `sudo systemctl restart x` is `systemctl restart x`. */
const WRAPPER =
  /^(?:(?:sudo|doas|env|nohup|exec|command|builtin|nice|ionice|chrt|stdbuf|setsid|time|xargs|timeout)\b(?:\s+-{1,2}[\w-]+(?:[= ]\S+)?)*(?:\s+\d+[smhd]?(?=\s))?\s+|[A-Za-z_][A-Za-z0-9_]*=\S*\s+)/

/** The simple commands of a command line: split at ; & | && || $( ` ( ) and stripped of wrappers. */
function commands(text: string): string[] {
  return text
    .split(/\|\||&&|[;|&\n`()]|\$\(/)
    .map((c) => {
      let cmd = c.trim()
      for (let prev = ''; prev !== cmd;) {
        prev = cmd
        cmd = cmd.replace(WRAPPER, '')
      }
      return cmd
    })
    .filter((c) => c !== '')
}

const ACCESS_COMMAND = new RegExp(
  `${WORD}(sshd|ssh-keygen|ip6?tables(-legacy|-nft)?(-restore)?|nft|ipset|ufw|firewall-cmd|fail2ban-client|sshguard|ip\\s+(-\\S+\\s+)*(link|l|addr|address|a|route|r|rule|netns|tunnel)|iptables-apply)\\b|` +
    `^(systemctl|service)\\b[^;&|]*\\b(ssh|sshd|ssh\\.service|sshd\\.service|networking|NetworkManager|systemd-networkd|nftables|netfilter-persistent|fail2ban|sshguard)\\b`,
)
const ACCESS_PATH = /\/etc\/ssh\/|\/etc\/nftables|\/etc\/iptables|\/etc\/network\/|\/etc\/netplan\/|\/etc\/fail2ban\/|\/etc\/sshguard/
const ACCESS_FILE =
  /^(\/etc\/ssh\/|\/etc\/nftables|\/etc\/iptables\/|\/etc\/network\/|\/etc\/netplan\/|\/etc\/sysconfig\/(iptables|network)|\/etc\/fail2ban\/|\/etc\/sshguard|\/root\/\.ssh\/|\/home\/[^/]+\/\.ssh\/)/

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
