/**
 * Processes of a lab host, seen from the machine. Each lab host has its own PID namespace, so the
 * pid in its sshd.pid is the namespace's view; these helpers map it to the machine's pid (to stop
 * the daemon with a signal) and list every process of the host (to prove nothing was left running).
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs'
import { join } from 'node:path'
import type { TestLab } from './lab.ts'

export interface HostProcess {
  /** pid on the machine (for kill) */
  pid: number
  /** pid inside the host's PID namespace */
  nsPid: number
  cmdline: string
  /** Its process group and session, as machine pids (a watcher or keeper is a fork: pid !== sid). */
  pgid: number
  sid: number
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return undefined // the process ended while we looked
  }
}

/** The host's PID namespace (`pid:[inode]`), read from its init: the child of the lab's `unshare`. */
function pidNamespace(lab: TestLab, host: string): string {
  const unshare = lab.up.state.hosts.find((h) => h.name === host)?.pid
  if (unshare === undefined) throw new Error(`lab host ${host} has no pid in the lab state`)
  const init = readdirSync(`/proc/${unshare}/task`)
    .flatMap((t) => (read(`/proc/${unshare}/task/${t}/children`) ?? '').trim().split(/\s+/))
    .find(Boolean)
  if (!init) throw new Error(`lab host ${host}: its unshare (${unshare}) has no child; is the host running?`)
  return readlinkSync(`/proc/${init}/ns/pid`)
}

/** Every process of the lab host, now. */
export function hostProcesses(lab: TestLab, host: string): HostProcess[] {
  const ns = pidNamespace(lab, host)
  const found: HostProcess[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    let link: string
    try {
      link = readlinkSync(`/proc/${entry}/ns/pid`)
    } catch {
      continue
    }
    if (link !== ns) continue
    const status = read(`/proc/${entry}/status`)
    const cmdline = read(`/proc/${entry}/cmdline`)
    const nsPid = status
      ?.match(/^NSpid:\s+(.*)$/m)?.[1]
      ?.trim()
      .split(/\s+/)
      .pop()
    // pid (comm) state ppid pgrp session ...: comm may hold spaces, so read after its closing paren.
    const stat = read(`/proc/${entry}/stat`)
    const fields = stat?.slice(stat.lastIndexOf(')') + 2).split(' ')
    if (status === undefined || cmdline === undefined || nsPid === undefined || !fields) continue
    found.push({
      pid: Number(entry),
      nsPid: Number(nsPid),
      cmdline: cmdline.replace(/\0/g, ' ').trim(),
      pgid: Number(fields[2]),
      sid: Number(fields[3]),
    })
  }
  return found
}

/** The machine pid of the host's listening sshd (the one that accepts new connections). */
export function sshdPid(lab: TestLab, host: string): number {
  const nsPid = Number(readFileSync(join(lab.dir, 'hosts', host, 'sshd.pid'), 'utf8').trim())
  const sshd = hostProcesses(lab, host).find((p) => p.nsPid === nsPid)
  if (!sshd) throw new Error(`lab host ${host}: no process with pid ${nsPid} (from sshd.pid) in its PID namespace`)
  return sshd.pid
}
