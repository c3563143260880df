/**
 * The only way a value reaches a shell. POSIX single-quoting: everything between single quotes is
 * literal, and a single quote itself is written as '\''.
 */

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/

/**
 * Quote one value for a POSIX shell. Values made only of safe characters are left bare so commands
 * stay readable in plans and transcripts.
 *
 * @example
 * quote('nginx.service')       // nginx.service
 * quote('1.2.3.4; rm -rf /')   // '1.2.3.4; rm -rf /'
 * quote("it's")                // 'it'\''s'
 */
export function quote(value: string): string {
  if (value === '') return "''"
  if (SAFE.test(value)) return value
  return `'${value.replace(/'/g, `'\\''`)}'`
}

/** Join argv into one shell command line, quoting each word. */
export function quoteArgv(argv: readonly string[]): string {
  return argv.map(quote).join(' ')
}

/**
 * Wrap a command for non-interactive sudo. sudo resets the environment (env_reset), so what the
 * engine and runbooks rely on is passed through explicitly, expanded by the calling shell:
 * RUNBOOK_HOST_DIR (engine state; empty means the default) and SSH_CONNECTION (which session this
 * is, e.g. to prove from sshd's log how it logged in). sudo itself sets SUDO_USER.
 */
export function withSudo(command: string): string {
  return `sudo -n -- env "RUNBOOK_HOST_DIR=\${RUNBOOK_HOST_DIR:-}" "SSH_CONNECTION=\${SSH_CONNECTION:-}" sh -c ${quote(command)}`
}
