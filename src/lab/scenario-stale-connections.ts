/**
 * Scenario `stale-connections` (seed 002): an app on web1 whose outgoing HTTP call has no timeout,
 * and a remote that accepts and never answers. For real:
 *
 * - web2 runs a "hung CRL server" on port 80 of its lab address: it accepts, reads the request,
 *   never answers and never closes (it closes only when the client does).
 * - web1 runs `app` (port 8080 of its lab address) under a tiny supervisor `app-supervisor`, both
 *   in web1's own PID and mount namespaces, each with a pid file. Every `GET /login` makes the app
 *   fetch the CRL from web2 in a background thread with no timeout (urllib's default), holding a
 *   256 KiB buffer while it waits, so the connections and the memory pile up. SIGHUP to the
 *   supervisor restarts the app (SIGTERM, then a new one), like a graceful service restart;
 *   an app that exits is started again.
 * - The seed is the story's bot: 111 `GET /login` from the bastion, then a wait until the 111
 *   connections to web2 have waited {@link STALE_IDLE_SECONDS} s for an answer.
 *
 * Nothing here touches the machine's services: every process runs in a lab namespace, every byte
 * goes to a lab address, the pid files live in the lab's folder. The programs are Python (stdlib).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { hostFiles } from './host.ts'
import { BASE, web1, type Scenario } from './scenario-kit.ts'
import type { LabHostState, LabState } from './state.ts'
import { inNetns, sleep } from './sys.ts'
import { RunbookError } from '../errors.ts'

export const APP_PORT = 8080
export const CRL_PORT = 80
export const STALE_REQUESTS = 111
/** The seed waits until the connections have waited this long (the runbook's idle_seconds defaults to 10). */
export const STALE_IDLE_SECONDS = 11

/** One program, several roles: `python3 labapp.py <role> ...`. */
const PROGRAM = String.raw`# Programs of runbook lab scenario stale-connections (seed 002). Python 3, stdlib only.
import argparse, ctypes, http.client, http.server, os, selectors, signal, socket, subprocess, sys, threading, time, urllib.request


def name(comm):
    # What ps and ss show (the comm), instead of python3.
    try:
        ctypes.CDLL(None).prctl(15, comm.encode(), 0, 0, 0)
    except Exception:
        pass


def pidfile(path):
    with open(path, 'w') as f:
        f.write('%d\n' % os.getpid())


def log(*a):
    print(time.strftime('%H:%M:%S'), *a, flush=True)


def hold(listen, echo):
    # Accepts and keeps every connection. echo=False: never answers (the hung CRL server);
    # echo=True: echoes what it gets (a busy, healthy peer).
    host, port = listen.rsplit(':', 1)
    srv = socket.create_server((host, int(port)), backlog=1024)
    sel = selectors.DefaultSelector()
    sel.register(srv, selectors.EVENT_READ)
    while True:
        for key, _ in sel.select():
            s = key.fileobj
            if s is srv:
                c, _ = srv.accept()
                sel.register(c, selectors.EVENT_READ)
                continue
            try:
                data = s.recv(65536)
            except OSError:
                data = b''
            if not data:
                sel.unregister(s)
                s.close()
            elif echo:
                s.sendall(data)


def app(a):
    name('app')
    if a.pidfile:
        pidfile(a.pidfile)

    def check_crl():
        buf = b'\x5a' * (a.hold_kb * 1024)  # what a pending check holds
        with urllib.request.urlopen(a.crl) as r:  # no timeout: the bug of the seed
            r.read()
        del buf

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = 'HTTP/1.1'

        def do_GET(self):
            if self.path.startswith('/login'):
                threading.Thread(target=check_crl, daemon=True).start()
                body, code = b'certificate check queued\n', 202
            else:
                body, code = b'ok\n', 200
            self.send_response(code)
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    host, port = a.listen.rsplit(':', 1)
    server = http.server.ThreadingHTTPServer((host, int(port)), Handler)
    server.daemon_threads = True
    log('app listening on', a.listen, 'CRL', a.crl)
    server.serve_forever()


def supervise(a):
    name('app-supervisor')
    pidfile(a.pidfile)
    state = {'child': None, 'stop': False}

    def end_child():
        c = state['child']
        if c is None or c.poll() is not None:
            return
        c.terminate()
        threading.Timer(5, lambda: c.poll() is None and c.kill()).start()

    def on_hup(*_):
        log('SIGHUP: restarting the app')
        end_child()

    def on_term(*_):
        state['stop'] = True
        end_child()

    signal.signal(signal.SIGHUP, on_hup)
    signal.signal(signal.SIGTERM, on_term)
    while not state['stop']:
        state['child'] = subprocess.Popen(a.cmd)
        log('started app, pid', state['child'].pid)
        rc = state['child'].wait()
        log('app exited', rc)
        time.sleep(0.3)
    os.unlink(a.pidfile)


def bot(a):
    # The crawler of the story: GET /login, read the answer, close (the client closes first).
    host, port = a.target.rsplit(':', 1)
    n = 0
    while a.count == 0 or n < a.count:
        c = http.client.HTTPConnection(host, int(port), timeout=5)
        try:
            c.request('GET', '/login?n=%d' % n)
            c.getresponse().read()
            n += 1
        except OSError:
            if a.count:  # a counted run must deliver every request; a crawler just goes on
                raise
        finally:
            c.close()
        if a.interval:
            time.sleep(a.interval)
    print('sent', n)


def pool(a):
    # A busy, healthy client: size connections, each exchanging a line every second.
    name('worker-pool')
    host, port = a.target.rsplit(':', 1)
    conns = [socket.create_connection((host, int(port)), timeout=5) for _ in range(a.size)]
    if a.pidfile:
        pidfile(a.pidfile)
    while True:
        for c in conns:
            c.sendall(b'ping\n')
            c.recv(64)
        time.sleep(1)


p = argparse.ArgumentParser()
sub = p.add_subparsers(dest='role', required=True)
s = sub.add_parser('hung-server'); s.add_argument('--listen', required=True)
s = sub.add_parser('echo-server'); s.add_argument('--listen', required=True)
s = sub.add_parser('app'); s.add_argument('--listen', required=True); s.add_argument('--crl', required=True)
s.add_argument('--hold-kb', type=int, default=256); s.add_argument('--pidfile')
s = sub.add_parser('supervise'); s.add_argument('--pidfile', required=True); s.add_argument('cmd', nargs='+')
s = sub.add_parser('bot'); s.add_argument('--target', required=True); s.add_argument('--count', type=int, default=1)
s.add_argument('--interval', type=float, default=0)
s = sub.add_parser('pool'); s.add_argument('--target', required=True); s.add_argument('--size', type=int, default=60); s.add_argument('--pidfile')
a = p.parse_args()
if a.role == 'hung-server':
    name('crl-server'); hold(a.listen, False)
elif a.role == 'echo-server':
    name('echo-server'); hold(a.listen, True)
elif a.role == 'app':
    app(a)
elif a.role == 'supervise':
    supervise(a)
elif a.role == 'bot':
    bot(a)
else:
    pool(a)
`

/** Where the scenario's files are, for the recording script and the integration test. */
export interface StaleConnectionsFiles {
  /** The program (a copy in each host's folder). */
  program: string
  /** The supervisor's and the app's pid files (web1; each holds the PID as web1's PID namespace sees it). */
  supervisorPid: string
  appPid: string
  log: string
}

export function staleConnectionsFiles(labDir: string, host = 'web1'): StaleConnectionsFiles {
  const dir = join(hostFiles(labDir, host).dir, 'app')
  return {
    program: join(dir, 'labapp.py'),
    supervisorPid: join(dir, 'supervise.pid'),
    appPid: join(dir, 'app.pid'),
    log: join(dir, 'app.log'),
  }
}

/** Write the lab program into a host's folder (labs of other scenarios too); returns its path. */
export function writeLabProgram(labDir: string, hostName: string): string {
  const f = staleConnectionsFiles(labDir, hostName)
  mkdirSync(join(f.program, '..'), { recursive: true })
  writeFileSync(f.program, PROGRAM)
  return f.program
}

function host(state: LabState, name: string): LabHostState {
  const h = state.hosts.find((x) => x.name === name)
  if (!h) throw new RunbookError('RB_LAB_SETUP', `lab: scenario stale-connections needs a host ${name}`)
  return h
}

/** ESTABLISHED TCP connections in a host's network namespace to address:port (read with ss). */
export function establishedTo(netns: string, address: string, port: number): { count: number; minIdleMs: number } {
  const out = inNetns(netns, 'ss', ['-Htni', 'state', 'established', 'dst', `${address}:${port}`])
  let count = 0
  let minIdleMs = Infinity
  for (const line of out.split('\n')) {
    const rcv = /\blastrcv:(\d+)/.exec(line)
    if (/^\S/.test(line)) count++
    if (rcv) minIdleMs = Math.min(minIdleMs, Number(rcv[1]))
  }
  return { count, minIdleMs: count === 0 ? 0 : minIdleMs }
}

/** Run the program's bot from a host's network namespace against web1's app. */
export function crawl(state: LabState, from: string, count: number): string {
  const w = web1(state)
  return inNetns(host(state, from).netns, 'python3', [
    staleConnectionsFiles(state.dir, from).program,
    'bot',
    '--target',
    `${w.address}:${APP_PORT}`,
    '--count',
    String(count),
  ])
}

export const staleConnections: Scenario = {
  name: 'stale-connections',
  summary: `app on web1 (under app-supervisor, pid files) holds ${STALE_REQUESTS} ESTABLISHED connections to a hung CRL server on web2:${CRL_PORT} that never answers`,
  requires: [...BASE, { bin: 'python3', pkg: 'python3' }, { bin: 'ss', pkg: 'iproute2' }],
  extras(state, h) {
    const f = staleConnectionsFiles(state.dir, h.name)
    writeLabProgram(state.dir, h.name)
    if (h.name === 'web2') {
      return { daemons: [`python3 '${f.program}' hung-server --listen '${h.address}:${CRL_PORT}' >> '${f.log}' 2>&1`] }
    }
    if (h.name !== 'web1') return {}
    const crl = `http://${host(state, 'web2').address}:${CRL_PORT}/pki/ca.crl`
    const appCmd = `python3 '${f.program}' app --listen '${h.address}:${APP_PORT}' --crl '${crl}' --pidfile '${f.appPid}'`
    return { daemons: [`python3 '${f.program}' supervise --pidfile '${f.supervisorPid}' -- ${appCmd} >> '${f.log}' 2>&1`] }
  },
  async seed(ctx) {
    const w1 = web1(ctx.state)
    const w2 = host(ctx.state, 'web2')
    // The app and the CRL server start with their hosts; the first requests may come too early.
    const deadline = Date.now() + 20_000
    for (;;) {
      try {
        crawl(ctx.state, 'bastion', 1)
        break
      } catch (err) {
        if (Date.now() > deadline)
          throw new RunbookError('RB_LAB_SETUP', `lab: the app on web1 did not answer within 20 s: ${(err as Error).message}`)
        await sleep(200)
      }
    }
    crawl(ctx.state, 'bastion', STALE_REQUESTS - 1)
    let seen = establishedTo(w1.netns, w2.address, CRL_PORT)
    const until = Date.now() + 20_000 + STALE_IDLE_SECONDS * 1000
    while (seen.count < STALE_REQUESTS || seen.minIdleMs < STALE_IDLE_SECONDS * 1000) {
      if (Date.now() > until)
        throw new RunbookError(
          'RB_LAB_SETUP',
          `lab: expected ${STALE_REQUESTS} connections idle for ${STALE_IDLE_SECONDS} s from web1 to ${w2.address}:${CRL_PORT}, have ${seen.count} (least idle ${seen.minIdleMs} ms)`,
        )
      await sleep(500)
      seen = establishedTo(w1.netns, w2.address, CRL_PORT)
    }
    return [
      `web1: app (under app-supervisor) holds ${seen.count} ESTABLISHED connections to ${w2.address}:${CRL_PORT}, unanswered for ${Math.floor(seen.minIdleMs / 1000)} s or more (a hung CRL server on web2; the app's fetch has no timeout)`,
    ]
  },
}
