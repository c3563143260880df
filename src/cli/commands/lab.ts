/**
 * `runbook lab up <scenario> | down | status | ssh <host> [command]`: disposable real hosts with a
 * seeded fault (src/lab/). Linux and root only.
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { EXIT, RunbookError } from '../../errors.ts'
import { defineCommand } from '../command.ts'
import { SCENARIOS } from '../../lab/scenarios.ts'

/** Scenario names in `lab --help` line up in a column wide enough for the longest, plus two spaces. */
const SCENARIO_COLUMN = Math.max(...[...SCENARIOS.keys()].map((n) => n.length)) + 2

const SUBCOMMANDS = ['up', 'down', 'status', 'ssh'] as const

export default defineCommand({
  name: 'lab',
  summary: 'Disposable real hosts (network namespaces with sshd) with a seeded fault',
  usage: 'lab up <scenario> | down | status | ssh <host> [-- command]',
  description: `
Builds hosts on this Linux machine (root needed): each is a network namespace on 198.18.<n>.0/24
with its own real sshd, host key (in the lab's known_hosts) and home folder. The operator (this
machine) gets 198.18.<n>.1 on the lab bridge. Hosts: bastion, web1, web2 (web hosts are reached
through the bastion). The faulty host is web1.

Scenarios:
${[...SCENARIOS.values()].map((s) => `  ${s.name.padEnd(SCENARIO_COLUMN)}${s.summary}`).join('\n')}

While the default lab is up, runbook run and runbook exec find its inventory
(/run/runbook-lab/default/inventory.yaml) without flags; OpenSSH works with
ssh -F /run/runbook-lab/default/ssh_config web1. 'lab up' is idempotent; 'lab down' removes every
namespace, link, process and file the lab created, also after a crash.`,
  maxPositionals: 2,
  options: {
    name: { type: 'string', valueName: 'NAME', description: "Lab name, to run several labs at once (default 'default')" },
    hosts: { type: 'string', valueName: 'N', description: 'Number of web hosts (default 2)' },
    'fault-hosts': {
      type: 'string',
      valueName: 'LIST',
      description: 'sshguard-block: seed the block on these web hosts, e.g. web3,web6 (sshguard then runs on every web host)',
    },
    json: { type: 'boolean', description: 'status: print JSON' },
  },
  examples: ['runbook lab up sshguard-block', 'runbook exec web1 -- uptime', 'runbook lab ssh web1 -- iptables -S', 'runbook lab down'],
  async run({ values, positionals, rest, io }) {
    // Loaded here, not at start-up: `runbook --help` and other commands stay fast.
    const { labDown, labStatus, labUp } = await import('../../lab/lab.ts')
    const [sub, arg] = positionals
    if (!sub || !(SUBCOMMANDS as readonly string[]).includes(sub)) {
      throw new RunbookError(
        'RB_USAGE',
        `lab: expected one of ${SUBCOMMANDS.join(', ')}. Usage: runbook lab up <scenario> | down | status | ssh <host>`,
      )
    }
    const name = typeof values.name === 'string' ? values.name : 'default'
    const env = io.env
    switch (sub) {
      case 'up': {
        if (!arg) throw new RunbookError('RB_USAGE', `lab up: name a scenario (${[...SCENARIOS.keys()].join(', ')})`)
        if (!SCENARIOS.has(arg))
          throw new RunbookError('RB_USAGE', `lab up: unknown scenario '${arg}' (known: ${[...SCENARIOS.keys()].join(', ')})`)
        const webHosts = values.hosts === undefined ? undefined : Number(values.hosts)
        if (webHosts !== undefined && (!Number.isInteger(webHosts) || webHosts < 1 || webHosts > 200)) {
          throw new RunbookError('RB_USAGE', `--hosts must be an integer from 1 to 200, got '${String(values.hosts)}'`)
        }
        let r
        try {
          const faultHosts =
            typeof values['fault-hosts'] === 'string'
              ? values['fault-hosts']
                  .split(',')
                  .map((h) => h.trim())
                  .filter(Boolean)
              : undefined
          r = await labUp(arg, {
            name,
            env,
            log: (l) => io.stderr.write(`${l}\n`),
            ...(webHosts === undefined ? {} : { webHosts }),
            ...(faultHosts ? { faultHosts } : {}),
          })
        } catch (err) {
          // Reported by main like any error: its code's fix, and the exit code of its kind (user 2, operational 7).
          if (!(err instanceof RunbookError)) throw err
          throw new RunbookError(err.code, `lab up failed (everything created was removed): ${err.message}`, {
            cause: err,
            detail: err.detail,
          })
        }
        const s = r.state
        io.stdout.write(
          `${r.reused ? 'Lab already up' : 'Lab up'}: '${s.name}', scenario ${s.scenario}, operator address ${s.operatorAddress}\n`,
        )
        for (const h of s.hosts) io.stdout.write(`  ${h.name.padEnd(8)} ${h.address}${h.role === 'web' ? '  (via bastion)' : ''}\n`)
        io.stdout.write(r.seeded.length > 0 ? `Seeded:\n${r.seeded.map((l) => `  ${l}\n`).join('')}` : 'Seeded: nothing (healthy)\n')
        io.stdout.write(`Inventory: ${r.inventory}${name === 'default' ? ' (used automatically)' : ' (pass --inventory)'}\n`)
        io.stdout.write(`Try: runbook exec web1 -- uptime   |   ssh -F ${join(s.dir, 'ssh_config')} web1   |   runbook lab down\n`)
        return EXIT.OK
      }
      case 'down': {
        const r = await labDown({ name, env })
        io.stdout.write(
          r.removed.length > 0 ? `Lab '${name}' removed:\n${r.removed.map((l) => `  ${l}\n`).join('')}` : `No lab '${name}' to remove\n`,
        )
        return EXIT.OK
      }
      case 'status': {
        const st = labStatus({ name, env })
        if (values.json) {
          io.stdout.write(JSON.stringify(st ?? null, null, 2) + '\n')
          return st ? EXIT.OK : EXIT.PROBLEM
        }
        if (!st) {
          io.stdout.write(`No lab '${name}' (runbook lab up <scenario> builds one)\n`)
          return EXIT.PROBLEM
        }
        io.stdout.write(
          `Lab '${name}': scenario ${st.state.scenario}, ${st.healthy ? 'up' : 'BROKEN (run runbook lab down, then up)'}, operator ${st.state.operatorAddress}\n`,
        )
        for (const h of st.hosts) {
          io.stdout.write(
            `  ${h.name.padEnd(8)} ${h.address.padEnd(14)} ${h.running ? 'running' : 'STOPPED'}${h.seeded.length ? `  seeded: ${h.seeded.join('; ')}` : ''}\n`,
          )
        }
        io.stdout.write(`Inventory: ${join(st.state.dir, 'inventory.yaml')}\n`)
        // No lab, or a broken one, is a problem found (exit 3), as `systemctl status` says of a stopped unit.
        return st.healthy ? EXIT.OK : EXIT.PROBLEM
      }
      case 'ssh': {
        if (!arg) throw new RunbookError('RB_USAGE', 'lab ssh: name a host (bastion, web1, ...)')
        const st = labStatus({ name, env })
        if (!st) throw new RunbookError('RB_USAGE', `lab ssh: no lab '${name}' is up`)
        if (!st.hosts.some((h) => h.name === arg))
          throw new RunbookError(
            'RB_USAGE',
            `lab ssh: no host '${arg}' in lab '${name}' (hosts: ${st.hosts.map((h) => h.name).join(', ')})`,
          )
        const child = spawn('ssh', ['-F', join(st.state.dir, 'ssh_config'), arg, ...rest], { stdio: 'inherit', env: { ...env } })
        // ssh's own exit code is the remote command's (as with ssh itself); killed by a signal, it has none.
        return await new Promise<number>((resolve, reject) => {
          child.on('error', (err) => reject(new RunbookError('RB_LAB_COMMAND', `lab ssh: cannot run ssh: ${err.message}`, { cause: err })))
          child.on('exit', (code) => resolve(code ?? EXIT.INCOMPLETE))
        })
      }
    }
    return EXIT.USAGE
  },
})
