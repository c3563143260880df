/**
 * Scenario `proxy-probes` (seed 003): the Flask dev server of the story, for real, on web1 and web2
 * (port 80 of each host's lab address only). Bots at two extra addresses of the lab (secondary
 * addresses on the bastion's interface, 198.18.<slot>.201 and .202) send it what the seed's log
 * shows: `CONNECT google.com:443`, `CONNECT api.ipify.org:443`, and an absolute-URI
 * `GET http://azenv.net/azenv.php` (a proxy judge). The app answers 404 to each, like the seed's.
 * Normal visitors (the bastion) read `/` and `/about` on both hosts; web2 gets no probe.
 *
 * The host names in the requests are only text: every byte goes to a lab address. The access log
 * is the dev server's stderr, `/var/log/flask/access.log` inside the host, where /var/log is a
 * folder of the lab bind-mounted in the host's own mount namespace (never the machine's /var/log).
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import { join } from 'node:path'
import { hostFiles } from './host.ts'
import { BASE, web1, type Scenario } from './scenario-kit.ts'
import type { LabHostState, LabState } from './state.ts'
import { cleanEnv, sh, sleep } from './sys.ts'
import { RunbookError } from '../errors.ts'

/** The access log, as a path inside web1 and web2 (what `runbook run open-proxy-probes` reads). */
export const PROXY_PROBES_LOG = '/var/log/flask/access.log'
export const PROXY_PROBES_PORT = 80

/** The site of the seed: a Flask app with two pages; everything else is Flask's 404. */
const APP = `# Flask site of lab host %HOST% (runbook lab scenario proxy-probes), like the seed's droplet.
import sys
from flask import Flask

app = Flask('site')


@app.route('/')
def index():
    return 'hello from %HOST%\\n'


@app.route('/about')
def about():
    return 'a small site on a dev server\\n'


if __name__ == '__main__':
    app.run(host=sys.argv[1], port=int(sys.argv[2]))
`

/**
 * Sends raw HTTP requests from a lab network namespace (optionally from a given source address)
 * and prints each status line. Plain sockets: the target is always the lab address given, whatever
 * the request line names.
 */
const SENDER = `import json, socket, sys
src, dst, port, reqs = json.loads(sys.argv[1])
for r in reqs:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(5)
    if src:
        s.bind((src, 0))
    s.connect((dst, port))
    s.sendall(r.encode())
    data = b''
    while b'\\r\\n' not in data:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    s.close()
    print(data.split(b'\\r\\n', 1)[0].decode('latin-1'))
`

/** A python3 that can import flask: $RUNBOOK_LAB_PYTHON, the operator's python3 (or pyenv's, which sudo drops from PATH), then the system's. */
export function flaskPython(): string | undefined {
  const home = process.env.HOME ?? '/root'
  const candidates = [process.env.RUNBOOK_LAB_PYTHON, 'python3', join(home, '.pyenv', 'shims', 'python3'), '/usr/bin/python3'].filter(
    (c): c is string => c !== undefined && c !== '',
  )
  for (const c of candidates) {
    const r = spawnSync(c, ['-c', 'import sys, flask; print(sys.executable)'], { encoding: 'utf8', timeout: 20_000 })
    const exe = r.status === 0 ? r.stdout.trim() : ''
    if (exe !== '') return exe
  }
  return undefined
}

let python: string | undefined

function appPython(): string {
  python ??= flaskPython()
  if (python === undefined)
    throw new RunbookError(
      'RB_LAB_UNSUPPORTED',
      'lab proxy-probes: no python3 with Flask (apt-get install python3-flask, or set RUNBOOK_LAB_PYTHON)',
    )
  return python
}

/** The host's private /var/log, on the operator's side. */
export function varLogDir(state: LabState, host: string): string {
  return join(hostFiles(state.dir, host).dir, 'var-log')
}

/** web1's access log as a file of the lab folder (to read it without SSH). */
export function accessLogOnDisk(state: LabState, host = 'web1'): string {
  return join(varLogDir(state, host), 'flask', 'access.log')
}

/** The extra source addresses of the bots (secondary addresses of the bastion's eth0). */
export function botAddresses(state: LabState): [string, string] {
  return [`198.18.${state.slot}.201`, `198.18.${state.slot}.202`]
}

function host(state: LabState, name: string): LabHostState {
  const h = state.hosts.find((x) => x.name === name)
  if (!h) throw new RunbookError('RB_LAB_SETUP', `lab proxy-probes: no host ${name}`)
  return h
}

/** One request as a bot or a browser writes it (with Connection: close, so each gets its own line). */
export function request(line: string, hostHeader: string): string {
  return `${line}\r\nHost: ${hostHeader}\r\nUser-Agent: Mozilla/5.0 (runbook lab)\r\nConnection: close\r\n\r\n`
}

/**
 * Sends requests from lab host `from` (its network namespace; `source` picks one of its addresses)
 * to `to`:80. Returns the status line of each answer.
 */
export function sendRequests(state: LabState, from: string, source: string | undefined, to: string, requests: string[]): string[] {
  const src = host(state, from)
  const dst = host(state, to)
  const arg = JSON.stringify([source ?? null, dst.address, PROXY_PROBES_PORT, requests])
  const r = spawnSync('ip', ['netns', 'exec', src.netns, 'python3', '-c', SENDER, arg], {
    env: cleanEnv(),
    encoding: 'utf8',
    timeout: 30_000,
  })
  if (r.status !== 0)
    throw new RunbookError(
      'RB_LAB_SETUP',
      `lab proxy-probes: sending requests from ${from} to ${to} failed (exit ${r.status ?? 'signal'}): ${r.stderr.trim()}`,
    )
  return r.stdout.trim().split('\n')
}

async function waitPort(address: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: address, port, timeout: 500 })
      const done = (ok: boolean): void => {
        s.destroy()
        resolve(ok)
      }
      s.once('connect', () => done(true))
      s.once('error', () => done(false))
      s.once('timeout', () => done(false))
    })
    if (open) return
    await sleep(100)
  }
  throw new RunbookError('RB_LAB_SETUP', `lab proxy-probes: nothing listens on ${address}:${port} after ${timeoutMs} ms`)
}

/** Waits until the access log holds `count` request lines (the dev server writes each after answering). */
async function waitLogLines(file: string, count: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  const lines = (): number =>
    existsSync(file)
      ? readFileSync(file, 'utf8')
          .split('\n')
          .filter((l) => l.includes('] "')).length
      : 0
  while (lines() < count && Date.now() < deadline) await sleep(50)
  if (lines() < count) throw new RunbookError('RB_LAB_SETUP', `lab proxy-probes: ${file} has ${lines()} request lines, expected ${count}`)
}

const VISITS = [request('GET / HTTP/1.1', 'www.example.org'), request('GET /about HTTP/1.1', 'www.example.org')]
/** What the seed's bots sent, plus a proxy judge by absolute URI. */
const PROBES: Array<[bot: 0 | 1, line: string, hostHeader: string]> = [
  [0, 'CONNECT google.com:443 HTTP/1.1', 'google.com:443'],
  [1, 'CONNECT api.ipify.org:443 HTTP/1.1', 'api.ipify.org:443'],
  [0, 'GET http://azenv.net/azenv.php HTTP/1.1', 'azenv.net'],
  [1, 'CONNECT google.com:443 HTTP/1.1', 'google.com:443'],
  [0, 'CONNECT google.com:443 HTTP/1.1', 'google.com:443'],
]

export const proxyProbes: Scenario = {
  name: 'proxy-probes',
  summary:
    'a Flask dev server on web1:80 received CONNECT google.com:443 and absolute-URI probes from two bots (all 404); web2 runs the same site, visitors only',
  requires: [...BASE, { bin: 'python3', pkg: 'python3-flask' }],
  extras(state, h) {
    if (h.role !== 'web') return {}
    const f = hostFiles(state.dir, h.name)
    const varLog = varLogDir(state, h.name)
    mkdirSync(join(varLog, 'flask'), { recursive: true })
    const app = join(f.dir, 'site.py')
    writeFileSync(app, APP.replaceAll('%HOST%', h.name))
    const py = appPython()
    // The host's /root is its own lab folder; a Flask installed under the operator's /root (pyenv)
    // is reached by dropping that bind in a mount namespace of the app's own.
    const reveal = py.startsWith('/root/') ? 'umount /root && ' : ''
    const run = `${reveal}exec '${py}' '${app}' ${h.address} ${PROXY_PROBES_PORT} >> ${PROXY_PROBES_LOG} 2>&1`
    return {
      binds: [[varLog, '/var/log']],
      daemons: [`unshare --mount --propagation private sh -c "${run}"`],
    }
  },
  async seed(ctx) {
    const state = ctx.state
    const w1 = web1(state)
    const w2 = host(state, 'web2')
    const bastion = host(state, 'bastion')
    await Promise.all([waitPort(w1.address, PROXY_PROBES_PORT, 20_000), waitPort(w2.address, PROXY_PROBES_PORT, 20_000)])
    const bots = botAddresses(state)
    for (const b of bots) sh('ip', ['-n', bastion.netns, 'addr', 'add', `${b}/24`, 'dev', 'eth0'])
    // Visitors first, then the bots, then one more visit: the probes sit among normal traffic.
    const statuses: string[] = []
    statuses.push(...sendRequests(state, 'bastion', undefined, 'web1', VISITS))
    statuses.push(...sendRequests(state, 'bastion', undefined, 'web2', VISITS))
    const probeStatus = PROBES.map(
      ([bot, line, hostHeader]) => sendRequests(state, 'bastion', bots[bot], 'web1', [request(line, hostHeader)])[0] ?? '',
    )
    statuses.push(...sendRequests(state, 'bastion', undefined, 'web1', [VISITS[0]!]))
    const refused = probeStatus.filter((s) => / 404 /.test(s)).length
    if (refused !== PROBES.length)
      throw new RunbookError('RB_LAB_SETUP', `lab proxy-probes: expected 404 for every probe, got ${JSON.stringify(probeStatus)}`)
    await waitLogLines(accessLogOnDisk(state, 'web1'), VISITS.length + PROBES.length + 1, 10_000)
    await waitLogLines(accessLogOnDisk(state, 'web2'), VISITS.length, 10_000)
    return [
      `web1: Flask dev server on ${w1.address}:${PROXY_PROBES_PORT} (log ${PROXY_PROBES_LOG} inside the host) received ${PROBES.length} proxy probes ` +
        `(CONNECT google.com:443, CONNECT api.ipify.org:443, GET http://azenv.net/azenv.php) from ${bots.join(' and ')}, all answered 404, among ${VISITS.length + 1} visits from ${bastion.address}`,
      `web2: the same site on ${w2.address}:${PROXY_PROBES_PORT}, ${VISITS.length} visits, no probes`,
    ]
  },
}
