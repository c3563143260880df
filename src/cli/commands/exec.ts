/**
 * `runbook exec <host|group> -- <command>`: one command on many hosts, over the same SSH executor
 * and fan-out that runbook runs use. Exit code: 0 all succeeded, 3 a command exited non-zero (or
 * timed out), 7 a host could not be reached (takes precedence).
 */
import { createInterface } from 'node:readline'
import { Writable } from 'node:stream'
import { ExecError, RunbookError, describeExitCode } from '../../errors.ts'
import type { CommandResult, ExecFailure } from '../../types.ts'
import { DEFAULTS } from '../../shared/defaults.ts'
import { defineCommand, type Io } from '../command.ts'
import { durationFlag } from '../output.ts'

export interface HostOutcome {
  host: string
  ok: boolean
  result?: CommandResult
  error?: ExecFailure
}

/** Exit codes of `runbook exec`. */
export const EXEC_EXIT = { OK: 0, COMMAND_FAILED: 3, UNREACHABLE: 7 } as const

export function execExitCode(outcomes: readonly HostOutcome[]): number {
  if (outcomes.some((o) => o.error)) return EXEC_EXIT.UNREACHABLE
  if (outcomes.some((o) => !o.ok)) return EXEC_EXIT.COMMAND_FAILED
  return EXEC_EXIT.OK
}

/** Ask for a key passphrase on the terminal without echoing it. */
function promptPassphrase(io: Io): (file: string) => Promise<string | undefined> {
  return (file) => {
    if (!io.stdin.isTTY) return Promise.resolve(undefined)
    io.stderr.write(`Enter passphrase for key ${file}: `)
    const mute = new Writable({ write: (_c, _e, cb) => cb() })
    const rl = createInterface({ input: io.stdin, output: mute, terminal: true })
    return new Promise((resolve) => {
      rl.question('', (answer) => {
        rl.close()
        io.stderr.write('\n')
        resolve(answer)
      })
    })
  }
}

function indent(text: string, prefix: string): string {
  return (
    text
      .replace(/\n$/, '')
      .split('\n')
      .map((l) => prefix + l)
      .join('\n') + '\n'
  )
}

export default defineCommand({
  name: 'exec',
  summary: 'Run one command on hosts or groups over SSH, in parallel',
  usage: 'exec <host|group>[,...] [options] -- <command...>',
  description: `
Runs the command on every host (inventory groups are expanded; 'all' means every inventory host),
at most --concurrency hosts at a time, one SSH connection per host. Hosts can be inventory names,
~/.ssh/config aliases or user@host:port. Host keys are checked against known_hosts: an unknown or
changed key is an error showing its fingerprint. A command that outlives --timeout is killed on
the host, with every process it started (its process group). The inventory is --inventory, else
$RUNBOOK_INVENTORY, else ./inventory.yaml, else the running lab's (runbook lab up).

Exit code: 0 when every command exited 0, 3 when a command failed or timed out, 7 when a host could
not be reached (DNS, refused, timeout, host key, authentication).`,
  maxPositionals: Infinity,
  options: {
    inventory: { type: 'string', short: 'i', valueName: 'FILE', description: 'Inventory file (YAML)' },
    concurrency: { type: 'string', short: 'c', valueName: 'N', description: 'Hosts at a time (default 20)' },
    timeout: { type: 'string', short: 't', valueName: 'DURATION', description: 'Command timeout, e.g. 30s (default 30s)' },
    'connect-timeout': { type: 'string', valueName: 'DURATION', description: 'Connect + handshake timeout (default 10s)' },
    sudo: { type: 'boolean', description: 'Run the command through sudo -n' },
    json: { type: 'boolean', description: 'Print one JSON document with every host result' },
    'accept-new-host-keys': { type: 'boolean', description: 'Record unknown host keys in known_hosts (never changed ones)' },
  },
  examples: [
    'runbook exec web1 -- uptime',
    'runbook exec web --concurrency 50 --json -- systemctl --failed --no-legend',
    'runbook exec root@198.18.1.11:22 --sudo -- iptables -S',
  ],
  async run({ values, positionals, rest, io }) {
    // Loaded here, not at start-up: `runbook --help` and other commands stay fast.
    const { SshExecutorFactory, fanOut } = await import('../../executors/pool.ts')
    const { findInventory } = await import('../../inventory/discover.ts')
    const { expandHosts } = await import('../../inventory/hosts.ts')
    if (positionals.length === 0)
      throw new RunbookError('RB_USAGE', 'exec: name at least one host or group. Usage: runbook exec <host|group> -- <command>')
    if (rest.length === 0) throw new RunbookError('RB_USAGE', 'exec: give the command after --, e.g. runbook exec web1 -- uptime')
    const command = rest.join(' ')
    const concurrency = values.concurrency === undefined ? 20 : Number(values.concurrency)
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new RunbookError('RB_USAGE', `--concurrency must be a positive integer, got '${String(values.concurrency)}'`)
    const timeoutMs = durationFlag('exec', 'timeout', values.timeout) ?? DEFAULTS.commandTimeoutMs
    const connectTimeoutMs = durationFlag('exec', 'connect-timeout', values['connect-timeout'])
    const inventory = findInventory(typeof values.inventory === 'string' ? values.inventory : undefined, io.env, io.cwd)
    const hosts = [
      ...new Set(
        positionals
          .flatMap((p) => p.split(','))
          .filter(Boolean)
          .flatMap((n) => expandHosts(n, inventory)),
      ),
    ]
    if (hosts.length === 0) throw new RunbookError('RB_USAGE', `exec: '${positionals.join(' ')}' names no host`)

    const factory = new SshExecutorFactory({
      inventory,
      env: io.env,
      acceptNewHostKeys: values['accept-new-host-keys'] === true,
      passphrase: promptPassphrase(io),
      ...(connectTimeoutMs === undefined ? {} : { connectTimeoutMs }),
      // One command per host: a keeper (remote-command.ts) would outlive it and save nothing.
      keeper: 0,
    })
    const width = Math.max(...hosts.map((h) => h.length))
    const json = values.json === true
    let outcomes: HostOutcome[]
    try {
      outcomes = await fanOut(hosts, concurrency, async (host): Promise<HostOutcome> => {
        let outcome: HostOutcome
        try {
          const result = await factory
            .executor(host)
            .exec({ host, command, sudo: values.sudo === true, timeoutMs, mutating: false }, io.signal)
          outcome = { host, ok: result.exitCode === 0 && !result.timedOut, result }
        } catch (err) {
          if (!(err instanceof ExecError)) throw err
          outcome = { host, ok: false, error: err.toFailure() }
        }
        if (!json) io.stdout.write(renderOutcome(outcome, width))
        return outcome
      })
    } finally {
      await factory.close()
    }
    const code = execExitCode(outcomes)
    if (json) {
      io.stdout.write(JSON.stringify({ command, sudo: values.sudo === true, exitCode: code, hosts: outcomes }, null, 2) + '\n')
    } else if (hosts.length > 1) {
      const ok = outcomes.filter((o) => o.ok).length
      const unreachable = outcomes.filter((o) => o.error).length
      io.stderr.write(`${ok}/${outcomes.length} ok, ${outcomes.length - ok - unreachable} failed, ${unreachable} unreachable\n`)
    }
    return code
  },
})

export function renderOutcome(o: HostOutcome, width = o.host.length): string {
  const name = o.host.padEnd(width)
  if (o.error) {
    const fp = o.error.detail?.fingerprint ? ` [${o.error.detail.fingerprint}]` : ''
    return `${name}  UNREACHABLE (${o.error.kind}) ${o.error.message}${fp}\n`
  }
  const r = o.result!
  const status = r.timedOut
    ? `TIMEOUT after ${Math.round(r.durationMs)} ms`
    : `${o.ok ? 'ok' : 'FAILED'} exit ${describeExitCode(r.exitCode, r.signal)}`
  let text = `${name}  ${status}  ${Math.round(r.durationMs)} ms${r.truncated ? ' (output truncated)' : ''}\n`
  if (r.stdout) text += indent(r.stdout, '  | ')
  if (r.stderr) text += indent(r.stderr, '  ! ')
  return text
}
