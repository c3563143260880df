/**
 * Which executor a CLI run uses: `--local` runs everything on this machine; otherwise SSH (with the
 * inventory: --inventory, $RUNBOOK_INVENTORY, ./inventory.yaml, or the running lab's), except for
 * the host `local`, which always runs here. Probes go through the SSH factory's prober, which maps
 * inventory names to addresses (a bare name must never become a DNS query off this machine).
 */
import { createLocalExecutorFactory } from '../executors/local.ts'
import { SshExecutorFactory } from '../executors/pool.ts'
import { findInventory } from '../inventory/discover.ts'
import type { ExecutorFactory } from '../types.ts'
import type { Io } from './command.ts'

export interface ExecutorChoice {
  local: boolean
  inventory?: string | undefined
  acceptNewHostKeys?: boolean
}

export function chooseExecutors(choice: ExecutorChoice, io: Io): ExecutorFactory {
  const local = createLocalExecutorFactory()
  if (choice.local) return local
  const ssh = new SshExecutorFactory({
    inventory: findInventory(choice.inventory, io.env, io.cwd),
    acceptNewHostKeys: choice.acceptNewHostKeys ?? false,
    env: io.env,
  })
  return {
    prober: ssh.prober,
    executor: (host) => (host === 'local' ? local.executor(host) : ssh.executor(host)),
    fresh: (host) => (host === 'local' ? local.executor(host) : ssh.fresh(host)),
    sourceAddress: (host) => (host === 'local' ? Promise.resolve('127.0.0.1') : ssh.sourceAddress(host)),
    bastionOf: (host) => (host === 'local' ? undefined : ssh.bastionOf(host)),
    warm: (host) => {
      if (host !== 'local') ssh.warm(host)
    },
    release: (host) => {
      if (host !== 'local') ssh.release(host)
    },
    close: async () => {
      await Promise.all([ssh.close(), local.close()])
    },
  }
}
