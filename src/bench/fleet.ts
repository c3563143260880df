/**
 * `npm run bench:fleet`: on lab fleets of N web hosts (N = 1, 10, 50; BENCH_SIZES), the `runbook`
 * CLI, as its own process, runs a diagnostic runbook on every host (`run fleet-bench-triage --hosts
 * web --concurrency N`: a login, then 6 reads in parallel on the same connection, parsed, and a
 * verdict). In the same run, on the same fleet:
 * - the raw-ssh2 floor runs exactly the commands the CLI's transcripts recorded for each host, with
 *   the same shape (one connection per host, the login command first, then the others in parallel),
 *   in this process (already started, ssh2 loaded and warm: the strictest reference), and the same
 *   floor as a script in a process of its own (`node floor.mjs`: what a hand-written ssh2 script
 *   would cost, Node's start and loading ssh2 included); and that script once more sending the
 *   CLI's own bytes and channels (executors/remote-command.ts: the first command of a connection
 *   starts its keeper, the others register with the keeper), which splits the CLI's
 *   cost into the guards' work on the hosts and the engine's and executor's here;
 * - Ansible (Debian's ansible-core) runs a playbook of the same recorded commands: forks = N,
 *   pipelining on, host keys checked, the play recap verified (fleet-ansible.ts);
 * - at 50 hosts (BENCH_SERVICE_SIZES), the same fleet through `POST /api/fleets` on the embedded
 *   service against serve + 2 BullMQ workers on a real Postgres and Redis (fleet-service.ts).
 * Both the CLI and the floor connect directly (a bench inventory with no bastion) and check host
 * keys against the lab's known_hosts. Also printed: Node's own start-up and `runbook --help`.
 * CLI and floors: a warm-up each, then 5 rounds (BENCH_ROUNDS) of CLI, floor, floor processes
 * (interleaved, so a machine that slows down mid-bench slows all of them), best of 5; Ansible: one
 * run; the services: best of 2 after a warm-up fleet each. Linux + root.
 */
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import ssh2 from 'ssh2'
import { keptCommand, registeredCommand, remoteCommand } from '../executors/remote-command.ts'
import { labDown, labUp } from '../lab/lab.ts'
import type { CommandSpec } from '../types.ts'
import { ansibleFleet, ansibleInstalled } from './fleet-ansible.ts'
import { serviceFleets, type ServiceTimes } from './fleet-service.ts'

const RUNBOOK = resolve('fixtures/runbooks/valid/fleet-bench-triage.yaml')
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const BIN = resolve('bin/runbook.js')

interface Host {
  name: string
  address: string
  /** Its host key as known_hosts has it (base64): the floors check it, as the CLI does. */
  key: string
}

/** `name,address type base64` lines of the lab's known_hosts → address → base64 key. */
function knownKeys(file: string): Map<string, string> {
  const keys = new Map<string, string>()
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [names, , blob] = line.trim().split(/\s+/)
    if (!names || !blob || names.startsWith('#')) continue
    for (const n of names.split(',')) keys.set(n, blob)
  }
  return keys
}

function proc(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string; seconds: number }> {
  return new Promise((res, rej) => {
    const t0 = performance.now()
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
    const chunks: Buffer[] = []
    child.stdout.on('data', (c: Buffer) => chunks.push(c))
    child.stderr.on('data', (c: Buffer) => chunks.push(c))
    child.on('error', rej)
    child.on('close', (code) => res({ code, out: Buffer.concat(chunks).toString('utf8'), seconds: (performance.now() - t0) / 1000 }))
  })
}

type RecordedSpec = Pick<CommandSpec, 'command' | 'sudo' | 'housekeeping' | 'repeatable'>

/** The commands a host's transcript recorded, in order: the first one ran alone, the rest in parallel. */
function recordedSpecs(dir: string, host: string): RecordedSpec[] {
  return readFileSync(join(dir, `${host}.jsonl`), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { type: string; spec?: RecordedSpec })
    .filter((e) => e.type === 'command.started')
    .map((e) => e.spec!)
}

/**
 * A command as a floor script sends it: `text`, or, when `registrable` (the command itself) is set
 * and the connection's keeper runs by then, registered with the keeper (remote-command.ts).
 */
interface WireCommand {
  text: string
  registrable?: string
}

/**
 * What the SSH executor really sends for a recorded command, as the pool does: behind its own
 * watcher, or registered with the connection's keeper once it runs (guarded, not through sudo).
 */
function onTheWire(spec: RecordedSpec): WireCommand {
  const guarded = !spec.housekeeping && !spec.repeatable
  return {
    text: remoteCommand(spec.command, spec.sudo, guarded),
    ...(guarded && !spec.sudo ? { registrable: spec.command } : {}),
  }
}

async function rawSsh2(hosts: Host[], key: Buffer, commands: Map<string, string[]>): Promise<void> {
  const run = (c: ssh2.Client, cmd: string): Promise<void> =>
    new Promise((res, rej) => {
      c.exec(cmd, (err, s) => {
        if (err) return rej(err)
        s.on('data', () => {}).stderr.on('data', () => {})
        s.on('close', () => res())
      })
    })
  await Promise.all(
    hosts.map(
      (h) =>
        new Promise<void>((res, rej) => {
          const c = new ssh2.Client()
          c.on('ready', () => {
            const [first, ...rest] = commands.get(h.name)!
            void run(c, first!)
              .then(() => Promise.all(rest.map((cmd) => run(c, cmd))))
              .then(() => {
                c.end()
                res()
              }, rej)
          }).on('error', rej)
          c.connect({
            host: h.address,
            port: 22,
            username: 'root',
            privateKey: key,
            hostVerifier: (k: Buffer) => k.toString('base64') === h.key,
          })
          c.setNoDelay(true)
        }),
    ),
  )
}

/**
 * The floor as a script of its own, for `node floor.mjs` (ssh2 from this package's node_modules).
 * With `keeper`, each connection's first command starts the CLI's keeper, as the SSH executor
 * does (its pid on that command's stderr), and the later commands register with it when it runs
 * by then.
 */
function floorScript(hosts: Host[], identityFile: string, commands: Map<string, WireCommand[]>, keeper = false): string {
  const ssh2 = resolve('node_modules/ssh2/lib/index.js')
  const plan = hosts.map((h) => ({ address: h.address, key: h.key, commands: commands.get(h.name)! }))
  // The executor's own texts, with the command, pid, token and nonce to fill in.
  const [before, after] = registeredCommand('\0', 1234567, 7654321).split('\0') as [string, string]
  const [keptBefore, keptAfter] = keptCommand('\0', 'N0NCE').split('\0') as [string, string]
  return `import ssh2 from ${JSON.stringify(ssh2)}
import { readFileSync } from 'node:fs'
const key = readFileSync(${JSON.stringify(identityFile)})
const plan = ${JSON.stringify(plan)}
const KEEPER = ${keeper ? 'true' : 'false'}
const registered = (cmd, pid, token) => ${JSON.stringify(before)}.replace('1234567', pid).replace('7654321', token) + cmd + ${JSON.stringify(after)}
const kept = (cmd, nonce) => ${JSON.stringify(keptBefore)}.replaceAll('N0NCE', nonce) + cmd + ${JSON.stringify(keptAfter)}
const run = (c, cmd, onErr = () => {}) => new Promise((res, rej) => c.exec(cmd, (err, s) => { if (err) return rej(err); s.on('data', () => {}).stderr.on('data', onErr); s.on('close', res) }))
const wire = (k, cmd) => (k?.pid && cmd.registrable ? registered(cmd.registrable, k.pid, k.token++) : cmd.text)
await Promise.all(plan.map((h, i) => new Promise((res, rej) => {
  const c = new ssh2.Client()
  c.on('ready', () => {
    const [first, ...rest] = h.commands
    const k = KEEPER && first.registrable ? { pid: null, token: 1, nonce: 'n' + i } : null
    let said = ''
    const start = k ? run(c, kept(first.registrable, k.nonce), (d) => { said += d; const m = new RegExp('\\x1erunbook-keeper ' + k.nonce + ' (\\d+)\\n').exec(said); if (m) k.pid = Number(m[1]) }) : run(c, first.text)
    start.then(() => Promise.all(rest.map((cmd) => run(c, wire(k, cmd))))).then(() => { c.end(); res() }, rej)
  }).on('error', rej)
  c.connect({ host: h.address, port: 22, username: 'root', privateKey: key, hostVerifier: (k) => k.toString('base64') === h.key })
  c.setNoDelay(true)
})))
`
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now()
  await fn()
  return (performance.now() - t0) / 1000
}

async function main(): Promise<void> {
  const sizes = (process.env.BENCH_SIZES ?? '1,10,50').split(',').map(Number)
  const serviceSizes = new Set((process.env.BENCH_SERVICE_SIZES ?? '50').split(',').filter(Boolean).map(Number))
  if (!ansibleInstalled()) throw new Error('bench:fleet: ansible-playbook is not installed (npm run system-deps installs ansible-core)')
  const labEnv = { ...process.env, RUNBOOK_LAB_DIR: '/run/runbook-lab-bench-fleet' }
  const rows = [
    '| hosts | raw ssh2 floor (s) | runbook CLI process (s) | CLI / floor | floor as a process (s) | CLI / floor process | floor process, watched commands (s) | CLI / that | Ansible playbook (s) | Ansible / CLI | `runbook --help` (s) | `node -e 0` (s) |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ]
  const services: Array<[number, ServiceTimes]> = []
  for (const n of sizes) {
    const up = await labUp('healthy', { name: 'fbench', webHosts: n, env: labEnv })
    const work = mkdtempSync(join(tmpdir(), 'runbook-bench-fleet-'))
    try {
      const identityFile = join(up.state.dir, 'id_ed25519')
      const knownHosts = join(up.state.dir, 'known_hosts')
      const known = knownKeys(knownHosts)
      const webs: Host[] = up.state.hosts
        .filter((h) => h.role === 'web')
        .map((h) => ({ name: h.name, address: h.address, key: known.get(h.address) ?? '' }))
      const inventory = join(work, 'inventory.yaml')
      writeFileSync(
        inventory,
        [
          'apiVersion: runbook/v1',
          'kind: Inventory',
          `defaults: { user: root, identityFiles: [${identityFile}], knownHostsFiles: [${knownHosts}] }`,
          'hosts:',
          ...webs.map((h) => `  ${h.name}: { address: ${h.address} }`),
          'groups:',
          `  web: { hosts: [${webs.map((h) => h.name).join(', ')}] }`,
          '',
        ].join('\n'),
      )
      const env = { ...process.env, RUNBOOK_STATE_DIR: join(work, 'state'), NO_COLOR: '1' }
      const cli = async (tag: string) => {
        // As an operator runs it: the bin itself (its #! line gives Node its flags).
        const r = await proc(
          BIN,
          [
            'run',
            RUNBOOK,
            '--hosts',
            'web',
            '--inventory',
            inventory,
            '--concurrency',
            String(n),
            '--transcript',
            join(work, tag),
            '--json',
          ],
          env,
        )
        const finished = r.out
          .split('\n')
          .filter((l) => l.startsWith('{"type":"fleet.finished"'))
          .map((l) => JSON.parse(l) as { exitCode: number; counts: Record<string, number> })[0]
        if (r.code !== 0 || finished?.counts.healthy !== n)
          throw new Error(`bench:fleet: the CLI run at ${n} hosts did not end healthy (exit ${r.code}):\n${r.out.slice(-2000)}`)
        return r.seconds
      }
      await cli('warm')
      const specs = new Map(webs.map((h) => [h.name, recordedSpecs(join(work, 'warm'), h.name)]))
      const commands = new Map([...specs].map(([h, list]) => [h, list.map((s) => s.command)]))
      const wire = new Map([...specs].map(([h, list]) => [h, list.map(onTheWire)]))
      const key = readFileSync(identityFile)
      const script = join(work, 'floor.mjs')
      writeFileSync(script, floorScript(webs, identityFile, new Map([...commands].map(([h, list]) => [h, list.map((text) => ({ text }))]))))
      // The same floor sending the CLI's own bytes (the first command starts the keeper, the others
      // register with it): what is left between it and the CLI is the
      // engine and the executor, not the work on the hosts.
      const wireScript = join(work, 'floor-wire.mjs')
      writeFileSync(wireScript, floorScript(webs, identityFile, wire, true))
      const floorProcess = async (file = script): Promise<number> => {
        const r = await proc('node', [file], env)
        if (r.code !== 0) throw new Error(`bench:fleet: the floor script failed (exit ${r.code}):\n${r.out.slice(-2000)}`)
        return r.seconds
      }
      await rawSsh2(webs, key, commands) // warm-ups
      await floorProcess()
      await floorProcess(wireScript)
      const times = { cli: [] as number[], raw: [] as number[], rawProcess: [] as number[], wireProcess: [] as number[] }
      for (let round = 1; round <= ROUNDS; round++) {
        times.cli.push(await cli(`run${round}`))
        times.raw.push(await time(() => rawSsh2(webs, key, commands)))
        times.rawProcess.push(await floorProcess())
        times.wireProcess.push(await floorProcess(wireScript))
      }
      const [rb, raw, rawProcess, wireProcess] = [
        Math.min(...times.cli),
        Math.min(...times.raw),
        Math.min(...times.rawProcess),
        Math.min(...times.wireProcess),
      ]
      const ansible = await ansibleFleet(
        webs.map((h) => ({ ...h, commands: commands.get(h.name)! })),
        { dir: join(work, 'ansible'), identityFile, knownHosts },
      )
      const help = Math.min((await proc(BIN, ['--help'], env)).seconds, (await proc(BIN, ['--help'], env)).seconds)
      const node = Math.min((await proc('node', ['-e', '0'], env)).seconds, (await proc('node', ['-e', '0'], env)).seconds)
      rows.push(
        `| ${n} | ${raw.toFixed(2)} | ${rb.toFixed(2)} | ${(rb / raw).toFixed(2)}x | ${rawProcess.toFixed(2)} | ${(rb / rawProcess).toFixed(2)}x | ${wireProcess.toFixed(2)} | ${(rb / wireProcess).toFixed(2)}x | ${ansible.toFixed(2)} | ${(ansible / rb).toFixed(1)}x | ${help.toFixed(2)} | ${node.toFixed(2)} |`,
      )
      if (serviceSizes.has(n)) {
        services.push([
          n,
          await serviceFleets({
            dir: join(work, 'service'),
            bin: BIN,
            runbookFile: RUNBOOK,
            runbook: 'fleet-bench-triage',
            inventory,
            hosts: webs.map((h) => h.name),
          }),
        ])
      }
    } finally {
      rmSync(work, { recursive: true, force: true })
      await labDown({ name: 'fbench', env: labEnv })
    }
  }
  const out = [
    ...rows,
    `(CLI and floors: best of ${ROUNDS} interleaved rounds after a warm-up; the floor in this process, the floor processes and the CLI as processes of their own; "watched commands": the floor process sending the bytes the CLI sends, guards included (the first command of a connection starts its keeper, the others register with it); Ansible: one run)`,
  ]
  if (services.length > 0) {
    out.push('', '| hosts | embedded `runbook serve` (s) | serve + 2 BullMQ workers (s) | workers / embedded |', '|---|---|---|---|')
    for (const [n, t] of services)
      out.push(`| ${n} | ${t.embedded.toFixed(2)} | ${t.workers.toFixed(2)} | ${(t.workers / t.embedded).toFixed(2)}x |`)
    out.push("(POST /api/fleets to the last run's end; best of 2 after a warm-up fleet; workers: Postgres store, Redis queue)")
  }
  // The floors and the CLI load the same ssh2: with its native binding (built at install when a
  // compiler and Node's headers are there) AES-GCM keeps one context per direction instead of a
  // new cipher object per packet.
  const { bindingAvailable } = createRequire(import.meta.url)('ssh2/lib/protocol/crypto.js') as { bindingAvailable: boolean }
  out.push('', `ssh2 crypto: ${bindingAvailable ? 'native binding' : 'JavaScript fallback (its native binding was not built)'}`)
  process.stdout.write(`${out.join('\n')}\n`)
}

await main()
