/**
 * Issue 8, items 6-8: what the CLI does with inputs that are not what they claim to be. Every case
 * is a clear error with a code and exit 2 (never a stack, never exit 1, never a hang), quoting
 * nothing of a file that is not a runbook, escaping what it does quote.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { PassThrough, Readable } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { main } from '../../../src/cli/main.ts'
import { cli } from '../../helpers/cli.ts'

let dirs: string[] = []
let writers: ChildProcess[] = []
afterEach(() => {
  // A writer still blocked opening its FIFO means the FIFO was never opened: the point. End it.
  for (const w of writers) if (w.exitCode === null && w.pid) process.kill(w.pid, 'SIGKILL')
  writers = []
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
  dirs = []
})

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'rb-inputs-'))
  dirs.push(d)
  return d
}

/**
 * A FIFO, plus a writer that opens it after 3 s. If the code under test opened the FIFO it would
 * block until then, read "x" and let the writer exit, so the test ends either way; if it never
 * opened it, the writer is still waiting for a reader afterwards (no timing involved).
 */
function fifo(path: string): { path: string; neverOpened(): Promise<boolean> } {
  const r = spawnSync('mkfifo', [path])
  if (r.status !== 0) throw new Error(`mkfifo failed: ${r.stderr}`)
  const writer = spawn('sh', ['-c', 'sleep 3; echo x > "$0"', path], { stdio: 'ignore' })
  writers.push(writer)
  return {
    path,
    async neverOpened() {
      // Let a pending 'exit' of the writer be seen.
      await new Promise((resolve) => setTimeout(resolve, 100))
      return writer.exitCode === null && writer.signalCode === null
    },
  }
}

const RUNBOOK = `apiVersion: runbook/v1
name: tiny
summary: A runbook that checks nothing
steps:
  check: { run: "true", next: done }
outcomes:
  done: { severity: ok, summary: fine }
`

describe('non-regular files are refused unread', () => {
  it('run of a device is RB_INPUT_NOT_FILE, exit 2', async () => {
    const r = await cli(['run', '/dev/null', '--local'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('[RB_INPUT_NOT_FILE]')
    expect(r.stderr).toContain('/dev/null: a character device')
  })

  it('run of a FIFO named x.yaml is refused without opening it (it used to block)', { timeout: 20_000 }, async () => {
    const f = fifo(join(tempDir(), 'x.yaml'))
    const r = await cli(['run', f.path, '--local'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('[RB_INPUT_NOT_FILE]')
    expect(r.stderr).toContain('a FIFO (named pipe)')
    expect(await f.neverOpened()).toBe(true)
  })

  it('replay of a FIFO named x.jsonl is refused without opening it', { timeout: 20_000 }, async () => {
    const f = fifo(join(tempDir(), 'x.jsonl'))
    const r = await cli(['replay', f.path])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('[RB_INPUT_NOT_FILE]')
    expect(await f.neverOpened()).toBe(true)
  })

  it('list reports a FIFO in a runbook folder as invalid, unopened, and lists the rest', { timeout: 20_000 }, async () => {
    const d = tempDir()
    writeFileSync(join(d, 'tiny.yaml'), RUNBOOK)
    const f = fifo(join(d, 'x.yaml'))
    const r = await cli(['list', '--json'], { env: { RUNBOOK_PATH: d } })
    expect(r.code).toBe(0)
    const rows = JSON.parse(r.stdout) as Array<{ name: string; valid: boolean }>
    expect(rows.find((x) => x.name === 'tiny')?.valid).toBe(true)
    expect(rows.find((x) => x.name === 'x')?.valid).toBe(false)
    expect(await f.neverOpened()).toBe(true)
  })

  it('a runbook over the size cap is RB_INPUT_TOO_LARGE', async () => {
    const d = tempDir()
    const path = join(d, 'huge.yaml')
    writeFileSync(path, RUNBOOK)
    truncateSync(path, 9 * 1024 * 1024) // sparse: no disk used
    const r = await cli(['validate', path])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('[RB_INPUT_TOO_LARGE]')
    expect(r.stderr).toContain('larger than 8 MiB')
  })
})

describe('validate <dir> with a symlink loop', () => {
  it('reports the loop as an error of that file; the other files still validate', async () => {
    const d = tempDir()
    writeFileSync(join(d, 'good.yaml'), RUNBOOK)
    symlinkSync('loop-b.yaml', join(d, 'loop-a.yaml'))
    symlinkSync('loop-a.yaml', join(d, 'loop-b.yaml'))
    mkdirSync(join(d, 'sub'))
    symlinkSync('..', join(d, 'sub', 'up')) // a directory loop: searched once
    const r = await cli(['validate', '--json', d])
    expect(r.code).toBe(2)
    const files = JSON.parse(r.stdout) as Array<{ file: string; valid: boolean; errors: Array<{ code: string; message: string }> }>
    expect(files.find((f) => f.file.endsWith('good.yaml'))?.valid).toBe(true)
    const loop = files.find((f) => f.file.endsWith('loop-a.yaml'))!
    expect(loop.errors[0]).toMatchObject({ code: 'RB_INPUT_NOT_FILE', message: expect.stringContaining('symlink loop') })
    expect(files.filter((f) => f.file.endsWith('good.yaml'))).toHaveLength(1)
  })
})

describe('files that are not runbooks are never quoted', () => {
  const SECRET = 'root:$6$c2VjcmV0IGhhc2g$notarealhash:19000:0:99999:7:::'

  it('run ../../etc/shadow-like path: RB_NOT_A_RUNBOOK, no line of the file in the output', async () => {
    const d = tempDir()
    mkdirSync(join(d, 'etc'))
    writeFileSync(join(d, 'etc', 'shadow'), `${SECRET}\ndaemon:*:19000:0:99999:7:::\n`)
    mkdirSync(join(d, 'a', 'b'), { recursive: true })
    const r = await cli(['run', '../../etc/shadow', '--local'], { cwd: join(d, 'a', 'b') })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('[RB_NOT_A_RUNBOOK]')
    expect(r.stderr + r.stdout).not.toContain('notarealhash')
    expect(r.stderr + r.stdout).not.toContain('daemon')
  })

  it('a .yaml without an apiVersion: runbook/ line is not quoted either', async () => {
    const d = tempDir()
    writeFileSync(join(d, 'creds.yaml'), `password: ${SECRET}\n  bad indent: [\n`)
    const r = await cli(['validate', join(d, 'creds.yaml')])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('[RB_NOT_A_RUNBOOK]')
    expect(r.stderr).not.toContain('notarealhash')
  })

  it('a real runbook with a syntax error still gets its code frame', async () => {
    const d = tempDir()
    writeFileSync(join(d, 'broken.yaml'), RUNBOOK.replace('steps:', 'steps: [\n'))
    const r = await cli(['validate', join(d, 'broken.yaml')])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('[RB_YAML_SYNTAX]')
    expect(r.stderr).toMatch(/> +\d+ \| /)
  })
})

describe('output cannot drive the terminal', () => {
  it('control characters from the file are escaped in the frame and the message, caret still aligned', async () => {
    const d = tempDir()
    // An unknown key holding ESC sequences (clear screen, set title) and a bidi override.
    const evil = 'x\u001b[2J\u001b]0;pwned\u0007\u202e'
    writeFileSync(join(d, 'evil.yaml'), RUNBOOK.replace('summary: A runbook', `"${evil}": 1\nsummary: A runbook`))
    const r = await cli(['validate', join(d, 'evil.yaml')])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('[RB_SCHEMA]')
    expect(r.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/)
    expect(r.stderr).toContain('\\x1b[2J\\x1b]0;pwned\\x07\\u202e')
    // The caret points at the key even though the escapes widened the line.
    const lines = r.stderr.split('\n')
    const at = lines.findIndex((l) => l.startsWith('>'))
    const caret = lines[at + 1]!.indexOf('^')
    expect(lines[at]![caret]).toBe('"')
  })
})

describe('transcripts with known event types but bad contents', () => {
  const started = {
    seq: 1,
    at: '2026-01-01T00:00:00.000Z',
    type: 'run.started',
    transcriptVersion: 1,
    runbook: 'tiny',
    hash: 'h',
    tool: { name: 'runbook', version: '0' },
    mode: 'dry-run',
    params: {},
    targets: ['local'],
    operator: 'me',
    startedAt: '2026-01-01T00:00:00.000Z',
  }
  const finished = { seq: 9, at: '2026-01-01T00:00:01.000Z', type: 'run.finished', status: 'healthy', exitCode: 0, durationMs: 1 }
  const write = (events: unknown[]) => {
    const path = join(tempDir(), 'run.jsonl')
    writeFileSync(path, events.map((e) => (typeof e === 'string' ? e : JSON.stringify(e))).join('\n') + '\n')
    return path
  }

  it.each([
    [
      'a command.finished without its spec',
      [
        started,
        {
          seq: 2,
          at: 'x',
          type: 'command.finished',
          step: 's',
          result: { exitCode: 0, signal: null, stdout: '', stderr: '', durationMs: 1, timedOut: false },
        },
        finished,
      ],
      2,
      'command.finished event: spec must be an object (got nothing)',
    ],
    ['null params', [{ ...started, params: null }, finished], 1, 'run.started event: params must be an object (got null)'],
    [
      'an outcome whose evidence is not a list',
      [started, { seq: 2, at: 'x', type: 'outcome', id: 'done', severity: 'ok', summary: 's', evidence: 'no' }, finished],
      2,
      'outcome event: evidence must be an array',
    ],
  ])('%s: RB_TRANSCRIPT_INVALID at file:line, exit 2', async (_, events, line, message) => {
    const path = write(events)
    const r = await cli(['replay', path])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('[RB_TRANSCRIPT_INVALID]')
    expect(r.stderr).toContain(`${path}:${line}:1: `)
    expect(r.stderr).toContain(message)
  })

  it('absurd nesting is RB_INPUT_TOO_LARGE at file:line, exit 2', async () => {
    const deep = `{"seq":2,"at":"x","type":"result.parsed","step":"s","parser":"text","value":${'['.repeat(100_000)}${']'.repeat(100_000)}}`
    const path = write([started, deep, finished])
    const r = await cli(['replay', path])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('[RB_INPUT_TOO_LARGE]')
    expect(r.stderr).toContain(`${path}:2:1: `)
  })

  it('runbook test reports a bad fixture as failed with its code, never a crash', async () => {
    const root = tempDir()
    mkdirSync(join(root, 'log-dir-full'))
    writeFileSync(join(root, 'log-dir-full', 'bad.jsonl'), JSON.stringify({ ...started, runbook: 'log-dir-full', params: null }) + '\n')
    const r = await cli(['test', 'log-dir-full', '--fixtures', relative(process.cwd(), root)])
    expect(r.code).toBe(7)
    expect(r.stdout).toContain('RB_TRANSCRIPT_INVALID')
    expect(r.stdout).toContain('params must be an object (got null)')
  })

  it('replay of a run that never finished exits 7 and says so', async () => {
    const text = readFileSync('fixtures/log-dir-full/rotated-dry-run.jsonl', 'utf8').split('\n').filter(Boolean)
    const path = write(text.slice(0, -1).map((l) => JSON.parse(l)))
    const r = await cli(['replay', path])
    expect(r.code).toBe(7)
    expect(r.stderr).toContain('this run never finished')
    expect(r.stderr).toContain(`ends after event ${text.length - 1}`)
  })
})

describe('interrupted while reading', () => {
  it('an aborted replay ends with 143 for SIGTERM (130 for SIGINT), not a stack', async () => {
    for (const [sig, code] of [
      ['SIGTERM', 143],
      ['SIGINT', 130],
    ] as const) {
      const controller = new AbortController()
      controller.abort(sig)
      const out = new PassThrough()
      const err = new PassThrough()
      let stderr = ''
      err.on('data', (d) => (stderr += d))
      const stdin = Object.assign(Readable.from([]), { isTTY: false })
      const exit = await main(['replay', 'fixtures/log-dir-full/rotated-dry-run.jsonl'], {
        stdout: out,
        stderr: err,
        stdin,
        env: { NO_COLOR: '1' },
        cwd: process.cwd(),
        signal: controller.signal,
      })
      expect(exit).toBe(code)
      expect(stderr).not.toContain('internal error')
    }
  })
})
