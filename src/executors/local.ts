/**
 * Runs commands on the operator's own machine: `--local` runs, and anything a runbook does "from
 * here". Same contract as every executor (src/types.ts): a command that starts always resolves,
 * whatever its exit code; only a command that cannot start (or an abort) rejects with ExecError.
 */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import type { Readable } from 'node:stream'
import { ExecError } from '../errors.ts'
import type { CommandResult, CommandSpec, Executor, ExecutorFactory } from '../types.ts'
import { LocalProber } from './probe.ts'
import { DEFAULTS } from '../shared/defaults.ts'
import { withSudo } from '../shared/quote.ts'
import { guardLocalCommand } from './remote-command.ts'

export interface LocalExecutorOptions {
  /** Bytes kept per stream (stdout, stderr); the rest is read and dropped. Default 8 MiB. */
  maxOutputBytes?: number
  /** Time between SIGTERM and SIGKILL when a command is stopped. Default 500 ms. */
  killGraceMs?: number
  /** Shell that runs `spec.command` with `-c`. Default `/bin/sh`. */
  shell?: string
}

/**
 * After the shell exits, how long to wait for its output pipes to close. A command that leaves a
 * background process holding stdout (`sleep 60 &`) would otherwise keep the step open until its
 * timeout, and the timeout would then kill the group: exactly what a commit-confirmed revert
 * scheduled with `(sleep 60; revert) &` must survive.
 */
const DRAIN_AFTER_EXIT_MS = 200

/**
 * Runs each command as `/bin/sh -c <command>` in its own process group, so that a timeout, an abort
 * or `close()` stops the whole pipeline (SIGTERM, then SIGKILL after a grace), not just the shell.
 *
 * The environment is inherited with `LC_ALL=C` forced, so output parses the same on every machine.
 * Stdin is closed. `sudo: true` wraps the command in `sudo -n` unless we already run as root.
 *
 * @example
 * const local = new LocalExecutor({ maxOutputBytes: 1024 * 1024 })
 * const r = await local.exec({ host: 'local', command: 'ss -tln', sudo: false, timeoutMs: 5000, mutating: false })
 * if (r.exitCode !== 0) console.error(r.stderr)
 */
export class LocalExecutor implements Executor {
  readonly #options: Required<LocalExecutorOptions>
  /** Commands still running, so close() can stop them. */
  readonly #running = new Set<ChildProcess>()

  constructor(options: LocalExecutorOptions = {}) {
    // Field by field, so an explicit `undefined` (e.g. from an unset env var) keeps the default.
    this.#options = {
      maxOutputBytes: options.maxOutputBytes ?? DEFAULTS.local.maxOutputBytes,
      killGraceMs: options.killGraceMs ?? DEFAULTS.local.killGraceMs,
      shell: options.shell ?? DEFAULTS.local.shell,
    }
    this.#posix = /(^|\/)(sh|bash|dash|ksh|zsh|ash|busybox)$/.test(this.#options.shell)
  }

  /** The stdin-EOF watcher is POSIX sh: another shell gets the command as written. */
  readonly #posix: boolean

  exec(spec: CommandSpec, signal?: AbortSignal): Promise<CommandResult> {
    if (signal?.aborted) {
      return Promise.reject(new ExecError('aborted', spec.host, `Aborted before running: ${spec.command}`, { cause: signal.reason }))
    }
    const { maxOutputBytes, killGraceMs, shell } = this.#options
    // Root needs no sudo, and a minimal container or bastion may not even have it installed.
    // Guarded like an SSH command (remote-command.ts): fd 3 is a pipe we never write to, and the
    // command's process group is killed when it reaches EOF before the command ends, i.e. when this
    // process dies (a SIGKILLed `runbook serve`): no orphaned apply goes on behind a resumed run.
    // (Not under sudo, which closes fds above 2.)
    const sudo = spec.sudo && process.getuid?.() !== 0
    // Engine lock upkeep (renew, release; housekeeping or repeatable) is short and must end cleanly: killed half-way it could
    // leave the lease's busy mark behind, which blocks the lock's release and take-over.
    const guard = this.#posix && !sudo && !spec.housekeeping && !spec.repeatable
    const command = sudo ? withSudo(spec.command) : guard ? guardLocalCommand(spec.command) : spec.command

    return new Promise<CommandResult>((resolve, reject) => {
      const started = performance.now()
      let child: ChildProcess
      try {
        child = spawn(shell, ['-c', command], {
          detached: true, // own process group: kill(-pid) reaches every process of the pipeline
          stdio: guard ? ['ignore', 'pipe', 'pipe', 'pipe'] : ['ignore', 'pipe', 'pipe'],
          env: { ...process.env, LC_ALL: 'C', ...hostDirFor(spec.host) },
        })
      } catch (err) {
        reject(spawnFailed(spec, shell, err))
        return
      }

      const stdout = capture(child.stdout, maxOutputBytes)
      const stderr = capture(child.stderr, maxOutputBytes)
      let settled = false
      let timedOut = false
      let sentSignal: NodeJS.Signals | null = null
      let drainTimer: NodeJS.Timeout | undefined
      let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined

      // Once started, the SIGKILL escalation is never cancelled: the shell may be gone while a
      // child that ignores SIGTERM still runs in its group.
      const stopGroup = (): void => {
        if (sentSignal !== null) return
        sentSignal = 'SIGTERM'
        killGroup(child, 'SIGTERM')
        setTimeout(() => {
          sentSignal = 'SIGKILL'
          killGroup(child, 'SIGKILL')
        }, killGraceMs)
      }

      const cleanup = (): void => {
        settled = true
        clearTimeout(timeoutTimer)
        clearTimeout(drainTimer)
        signal?.removeEventListener('abort', onAbort)
        this.#running.delete(child)
      }

      const finish = (): void => {
        if (settled || exit === undefined) return
        cleanup()
        // Stop reading pipes a background process may still hold, so nothing keeps us waiting.
        child.stdout?.destroy()
        child.stderr?.destroy()
        const killedBy = exit.signal ?? (timedOut ? sentSignal : null)
        resolve({
          exitCode: timedOut ? null : exit.code,
          signal: killedBy === null ? null : killedBy.replace(/^SIG/, ''),
          stdout: stdout.text(),
          stderr: stderr.text(),
          durationMs: Math.round(performance.now() - started),
          timedOut,
          truncated: stdout.truncated() || stderr.truncated(),
        })
      }

      const onAbort = (): void => {
        if (settled) return
        // The command already finished; only its output is still draining: report it.
        if (exit !== undefined) return finish()
        cleanup()
        stopGroup()
        reject(new ExecError('aborted', spec.host, `Aborted: ${spec.command}`, { cause: signal?.reason }))
      }

      const timeoutTimer = setTimeout(() => {
        timedOut = true
        stopGroup()
      }, spec.timeoutMs)

      signal?.addEventListener('abort', onAbort, { once: true })
      this.#running.add(child)

      child.once('error', (err) => {
        if (settled) return
        cleanup()
        reject(spawnFailed(spec, shell, err))
      })
      child.once('exit', (code, sig) => {
        exit = { code, signal: sig }
        // The shell is reaped: the watcher's EOF now finds it gone and leaves the group alone.
        ;(child.stdio[3] as Readable | undefined)?.destroy()
        // It finished in time; a background process holding the pipes must not turn it into a timeout.
        clearTimeout(timeoutTimer)
        drainTimer = setTimeout(finish, DRAIN_AFTER_EXIT_MS)
      })
      // 'close' = exited and both pipes drained: the normal way to finish.
      child.once('close', finish)
    })
  }

  /** Stops every command still running (SIGTERM, then SIGKILL) and waits for the shells to exit. */
  async close(): Promise<void> {
    const waits = [...this.#running].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve()
          const timer = setTimeout(() => killGroup(child, 'SIGKILL'), this.#options.killGraceMs)
          child.once('exit', () => {
            clearTimeout(timer)
            resolve()
          })
          killGroup(child, 'SIGTERM')
        }),
    )
    await Promise.all(waits)
  }
}

/** Signals the whole process group of a detached child; a group already gone is not an error. */
function killGroup(child: ChildProcess, sig: NodeJS.Signals): void {
  if (child.pid === undefined) return
  try {
    process.kill(-child.pid, sig)
  } catch {
    // ESRCH: every process of the group has exited already.
  }
}

function spawnFailed(spec: CommandSpec, shell: string, err: unknown): ExecError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? 'unknown error'
  return new ExecError('spawn-failed', spec.host, `Could not start ${shell} for: ${spec.command} (${code})`, {
    cause: err,
    detail: { shell, code },
  })
}

interface Captured {
  text(): string
  truncated(): boolean
}

/** Keeps the first `max` bytes of a stream and keeps draining the rest, so the writer never blocks. */
function capture(stream: Readable | null, max: number): Captured {
  const chunks: Buffer[] = []
  let kept = 0
  let dropped = false
  stream?.on('data', (chunk: Buffer) => {
    const room = max - kept
    if (room <= 0) {
      dropped = true
      return
    }
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk
    if (part.length < chunk.length) dropped = true
    chunks.push(part)
    kept += part.length
  })
  // Destroying the pipe of a lingering background process must not surface as an error.
  stream?.on('error', () => {})
  return {
    text: () => Buffer.concat(chunks).toString('utf8'),
    truncated: () => dropped,
  }
}

export type LocalExecutorFactoryOptions = LocalExecutorOptions

/**
 * An ExecutorFactory for `--local` runs: every host name maps to this machine, and probes run here
 * too. One LocalExecutor is shared by all hosts so `close()` stops everything still running.
 *
 * @example
 * const factory = createLocalExecutorFactory()
 * const r = await factory.executor('web1').exec({ host: 'web1', command: 'uptime', sudo: false, timeoutMs: 5000, mutating: false })
 * const p = await factory.prober.probe({ kind: 'tcp', host: '127.0.0.1', port: 22, timeoutMs: 1000 })
 * await factory.close()
 */
export function createLocalExecutorFactory(options: LocalExecutorFactoryOptions = {}): ExecutorFactory {
  const executor = new LocalExecutor(options)
  const prober = new LocalProber()
  return {
    executor: () => executor,
    prober,
    close: () => executor.close(),
  }
}

/**
 * `{host}` in RUNBOOK_HOST_DIR becomes the command's host: local stand-ins for several hosts (a
 * fleet or scale-out test on one machine) keep separate engine state (lock, backups, reverts).
 */
function hostDirFor(host: string): { RUNBOOK_HOST_DIR?: string } {
  const dir = process.env.RUNBOOK_HOST_DIR
  return dir?.includes('{host}') ? { RUNBOOK_HOST_DIR: dir.replaceAll('{host}', host.replace(/[^A-Za-z0-9._-]/g, '_')) } : {}
}
