import { defineParser, parseError } from './registry.ts'
import { int, nonBlankLines, stderrLines, type Line } from './text.ts'

export interface AccessLogEntry {
  client: string
  /** HTTP auth user (`$remote_user`), null for `-`. */
  user: string | null
  /** ISO 8601: `2026-11-21T05:42:48+00:00` (nginx); no offset for the dev servers, which log local time. */
  time: string
  /** The request line as logged (nginx escapes `"` and bytes ≥ 0x7f as `\xNN`). */
  request: string
  /** null when the request line is not `METHOD TARGET PROTOCOL` (TLS bytes sent to a plain HTTP port). */
  method: string | null
  target: string | null
  protocol: string | null
  status: number
  /** Body bytes sent; null where the dev servers log `-`. */
  bytes: number | null
  /** null for `-` and in the common format, which has no referer or agent. */
  referer: string | null
  agent: string | null
  /** Apache vhost_combined's `host:port` prefix; null otherwise. */
  vhost: string | null
  /** nginx `main` (RHEL/Fedora default): `$http_x_forwarded_for`; null when absent or `-`. */
  forwardedFor: string | null
  /** `CONNECT host:port` or an absolute-URI target (`GET http://...`): someone using the server as a proxy. */
  proxyProbe: boolean
  raw: string
}

export interface ProxyProbes {
  count: number
  byClient: Record<string, number>
  /** `host:port` of CONNECT, `scheme://host` of absolute URIs. */
  byTarget: Record<string, number>
  /** True when any probe got a 2xx: the server may really be relaying (or serving itself for foreign hosts). */
  anySucceeded: boolean
}

export interface AccessLogResult {
  /** `combined`, `common`, `dev-server` (werkzeug/Flask, python http.server) or `mixed`; null when empty. */
  format: 'combined' | 'common' | 'dev-server' | 'mixed' | null
  entries: AccessLogEntry[]
  proxyProbes: ProxyProbes
  /** Count per status code; keys are the codes as strings (`result.byStatus['404']`). */
  byStatus: Record<string, number>
  byClient: Record<string, number>
  /** Dev-server lines that are not requests: startup banner, `code 400, message ...`, Flask errors and tracebacks. */
  ignoredLines: number
}

const NAME = 'access-log'
const MONTHS: Record<string, string> = {
  Jan: '01',
  Feb: '02',
  Mar: '03',
  Apr: '04',
  May: '05',
  Jun: '06',
  Jul: '07',
  Aug: '08',
  Sep: '09',
  Oct: '10',
  Nov: '11',
  Dec: '12',
}
// A quoted field: nginx escapes `"` as \x22, werkzeug/http.server do not escape it but never log a referer.
const Q = String.raw`"((?:[^"\\]|\\.)*)"`
// nginx/Apache: `client ident user [21/Nov/2026:05:42:48 +0000] "request" status bytes ["referer" "agent"]`
// Also Apache's vhost_combined (`web1.example:80 client ...`) and nginx's `main` of RHEL/Fedora (a third
// quoted field: `"$http_x_forwarded_for"`).
const NCSA = new RegExp(
  String.raw`^(?:(\S+:\d+) )?(\S+) (\S+) (\S+) \[(\d\d)/(\w{3})/(\d{4}):(\d\d:\d\d:\d\d) ([+-]\d{4})\] ${Q} (\d{3}) (\d+|-)(?: ${Q} ${Q}(?: ${Q})?)?$`,
)
// werkzeug and python -m http.server (BaseHTTPRequestHandler): `client - - [21/Nov/2026 05:40:00] "request" status size`
const DEV = new RegExp(String.raw`^(\S+) - - \[(\d\d)/(\w{3})/(\d{4}) (\d\d:\d\d:\d\d)\] ${Q} (\d{3}) (\d+|-)$`)
// BaseHTTPRequestHandler.log_error: logged before the request line of the same request.
const DEV_ERROR = /^\S+ - - \[\d\d\/\w{3}\/\d{4} \d\d:\d\d:\d\d\] code \d{3}, message /
// Werkzeug/Flask startup banner and Flask's own error log line (`[2026-11-21 05:43:08,724] ERROR in app: ...`).
// python -m http.server prints `Serving HTTP on 0.0.0.0 port 8000 (http://0.0.0.0:8000/) ...` on start
// and `Keyboard interrupt received, exiting.` on Ctrl-C.
const DEV_CHATTER = [
  /^ \* /,
  /^WARNING: This is a development server/,
  /^Press CTRL\+C to quit$/,
  /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+\] [A-Z]+ in /,
  /^Serving HTTP on \S+ port \d+ \(https?:\/\/\S+\) \.\.\.$/,
  /^Keyboard interrupt received, exiting\.$/,
]
// A server that logs through syslog or the journal (`journalctl -u app`, nginx `access_log syslog:`):
// the access-log line follows the syslog header.
const SYSLOG_PREFIX =
  /^(?:(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)?|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?) \S+ [^\s[:]+(?:\[\d+\])?: ?/
// Werkzeug colours the line when it writes to a terminal (`script`, `unbuffer`, a pasted console).
const ANSI = /\x1b\[[0-9;]*m/g

/**
 * Web server access logs: nginx/Apache `combined` and `common` formats (also Apache's `vhost_combined`
 * and nginx's `main` with X-Forwarded-For), and the Flask/werkzeug dev server (or `python3 -m
 * http.server`, its `Serving HTTP on ...` banner included) lines, also behind a syslog or journal
 * header (`journalctl -u app -o short|short-iso`, nginx's `access_log syslog:`) `127.0.0.1 - - [21/Nov/2026 05:40:00] "GET / HTTP/1.1" 200 -`.
 *
 * Expects log lines as printed by `tail -n N /var/log/nginx/access.log` (or the dev server's
 * `nohup.log`). Dev-server chatter (banner, `code 400, message ...`, Flask tracebacks) is counted in
 * `ignoredLines`; any other line that is not an access-log line is a parse error. An empty log is a
 * valid, empty result; a failed `tail` (no such file) is a parse error.
 *
 * @example
 * // tail -n 100 nohup.log
 * // 87.121.69.52 - - [21/May/2024 13:50:06] "CONNECT google.com:443 HTTP/1.1" 404 -
 * // → { format: 'dev-server', proxyProbes: { count: 1, byClient: { '87.121.69.52': 1 }, anySucceeded: false, ... }, ... }
 */
export const accessLogParser = defineParser<AccessLogResult>({
  name: NAME,
  describe: 'tail -n N <access log>: nginx/Apache combined or common format, Flask/werkzeug or python http.server dev-server lines',
  fields: {
    format: 'string',
    entries: [
      {
        client: 'string',
        user: 'string',
        time: 'string',
        request: 'string',
        method: 'string',
        target: 'string',
        protocol: 'string',
        status: 'int',
        bytes: 'int',
        referer: 'string',
        agent: 'string',
        vhost: 'string',
        forwardedFor: 'string',
        proxyProbe: 'bool',
        raw: 'string',
      },
    ],
    proxyProbes: { count: 'int', byClient: { '*': 'int' }, byTarget: { '*': 'int' }, anySucceeded: 'bool' },
    byStatus: { '*': 'int' },
    byClient: { '*': 'int' },
    ignoredLines: 'int',
  },
  parse(result) {
    const all = nonBlankLines(result.stdout)
    if (all.length === 0 && result.exitCode !== 0) {
      const err = stderrLines(result)[0]
      throw parseError(NAME, `no log lines (exit code ${result.exitCode})${err ? `: ${err}` : ''}`)
    }
    const entries: AccessLogEntry[] = []
    const formats = new Set<NonNullable<AccessLogResult['format']>>()
    let ignoredLines = 0
    let inTraceback = false
    for (const l of all) {
      if (l.text.startsWith('-- ')) {
        ignoredLines++
        continue
      } // journalctl: `-- No entries --`, `-- Boot ... --`
      const plain = l.text.replace(ANSI, '').replace(SYSLOG_PREFIX, '')
      const line = plain === l.text ? l : { ...l, text: plain }
      const parsed = readEntry(line)
      if (parsed) {
        inTraceback = false
        entries.push(parsed.entry)
        formats.add(parsed.format)
        continue
      }
      // A traceback runs until the access-log line of the failed request.
      if (inTraceback || line.text.startsWith('Traceback (most recent call last):')) {
        inTraceback = true
        ignoredLines++
        continue
      }
      if (DEV_ERROR.test(line.text) || DEV_CHATTER.some((re) => re.test(line.text))) {
        ignoredLines++
        continue
      }
      throw parseError(NAME, 'expected an access-log line (combined, common or dev-server format)', line)
    }
    return summarize(entries, formats, ignoredLines)
  },
})

function readEntry(line: Line): { entry: AccessLogEntry; format: NonNullable<AccessLogResult['format']> } | null {
  const n = NCSA.exec(line.text)
  if (n) {
    const [, vhost, client, , user, day, mon, year, hms, zone, request, status, bytes, referer, agent, forwarded] = n
    return {
      format: referer === undefined ? 'common' : 'combined',
      entry: entry(line, {
        client: client!,
        user: dash(user!),
        time: `${year}-${month(mon!, line)}-${day}T${hms}${zone!.slice(0, 3)}:${zone!.slice(3)}`,
        request: unescape(request!),
        status: int(NAME, status, line, 'status'),
        bytes: bytes === '-' ? null : int(NAME, bytes, line, 'bytes'),
        referer: referer === undefined ? null : dash(unescape(referer)),
        agent: agent === undefined ? null : dash(unescape(agent)),
        vhost: vhost ?? null,
        forwardedFor: forwarded === undefined ? null : dash(unescape(forwarded)),
      }),
    }
  }
  const d = DEV.exec(line.text)
  if (d) {
    const [, client, day, mon, year, hms, request, status, bytes] = d
    return {
      format: 'dev-server',
      entry: entry(line, {
        client: client!,
        user: null,
        time: `${year}-${month(mon!, line)}-${day}T${hms}`,
        request: request!,
        status: int(NAME, status, line, 'status'),
        bytes: bytes === '-' ? null : int(NAME, bytes, line, 'bytes'),
        referer: null,
        agent: null,
        vhost: null,
        forwardedFor: null,
      }),
    }
  }
  return null
}

type EntryBase = Omit<AccessLogEntry, 'method' | 'target' | 'protocol' | 'proxyProbe' | 'raw'>

function entry(line: Line, base: EntryBase): AccessLogEntry {
  // `GET /` without a version is an HTTP/0.9 request line (python http.server logs it so).
  const r = /^([A-Z][A-Z_-]*) (\S+)(?: (HTTP\/\d(?:\.\d)?))?$/.exec(base.request)
  const [method, target, protocol] = r ? [r[1]!, r[2]!, r[3] ?? 'HTTP/0.9'] : [null, null, null]
  const proxyProbe = method === 'CONNECT' || (target !== null && /^[a-z][a-z0-9+.-]*:\/\//i.test(target))
  return { ...base, method, target, protocol, proxyProbe, raw: line.text }
}

function month(name: string, line: Line): string {
  const m = MONTHS[name]
  if (m === undefined) throw parseError(NAME, `unknown month ${JSON.stringify(name)}`, line)
  return m
}

function dash(v: string): string | null {
  return v === '-' ? null : v
}

/**
 * nginx writes `"` as `\x22` and `\` as `\x5C`; Apache writes `\"` and `\\`. Decode those so agents
 * read as sent. Other bytes stay escaped (`\x16\x03...`).
 */
function unescape(v: string): string {
  return v.replace(/\\x(22|5C)/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16))).replace(/\\(["\\])/g, '$1')
}

function probeTarget(e: AccessLogEntry): string {
  if (e.method === 'CONNECT' || e.target === null) return e.target ?? ''
  const u = /^([a-z][a-z0-9+.-]*:\/\/[^/?#]*)/i.exec(e.target)
  return u ? u[1]! : e.target
}

function count(into: Record<string, number>, key: string): void {
  into[key] = (into[key] ?? 0) + 1
}

function summarize(entries: AccessLogEntry[], formats: Set<NonNullable<AccessLogResult['format']>>, ignoredLines: number): AccessLogResult {
  const byStatus: Record<string, number> = {}
  const byClient: Record<string, number> = {}
  const proxyProbes: ProxyProbes = { count: 0, byClient: {}, byTarget: {}, anySucceeded: false }
  for (const e of entries) {
    count(byStatus, String(e.status))
    count(byClient, e.client)
    if (!e.proxyProbe) continue
    proxyProbes.count++
    count(proxyProbes.byClient, e.client)
    count(proxyProbes.byTarget, probeTarget(e))
    if (e.status >= 200 && e.status < 300) proxyProbes.anySucceeded = true
  }
  const format = formats.size === 0 ? null : formats.size === 1 ? [...formats][0]! : 'mixed'
  return { format, entries, proxyProbes, byStatus, byClient, ignoredLines }
}
