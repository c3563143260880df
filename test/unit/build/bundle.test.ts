/**
 * The CLI runs from the esbuild bundle (scripts/bundle.mjs; built by `npm run build`, which
 * `npm test` runs first). What the bundle must keep, checked on the modules a real process loads:
 * - `serve`/`worker` libraries (fastify, Bolt, BullMQ, pg, ioredis) stay unloaded by other commands;
 * - ssh2 comes from the bundle (its files are not read from node_modules), yet its native crypto
 *   binding is still found where npm built it (it is optional: checked when it loads in this Node);
 * - the package's own files (schemas, shipped runbooks) are found from the bundle's place;
 * - `run` does not load Node's http, https and tls when nothing probes HTTP;
 * - `run` loads the bash grammar only for commands it has not proved read-only before.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { createRequire } from 'node:module'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

/** Whether a native addon was built and loads in this Node (npm builds ssh2's binding for the Node that installed it). */
function loadsHere(addon: string): boolean {
  if (!existsSync(addon)) return false
  try {
    createRequire(import.meta.url)(resolve(addon))
    return true
  } catch {
    return false
  }
}

/** The ES modules and native addons a `runbook` process loads, by URL or path. */
function loaded(args: string[], env: NodeJS.ProcessEnv = {}): { code: number | null; modules: string[]; stdout: string } {
  // In-thread hooks where Node has them (22.15+, 24): the off-thread ones of `register` may not get
  // their lines out before the CLI's process.exit. Node 20 has only `register`.
  const hook = `data:text/javascript,${encodeURIComponent(
    [
      "import * as m from 'node:module'",
      "if (m.registerHooks) m.registerHooks({ resolve(s, c, n) { const r = n(s, c); process.stderr.write('LOADED ' + r.url + '\\n'); return r } })",
      "else m.register('data:text/javascript,' + encodeURIComponent(`export async function resolve(s, c, n) { const r = await n(s, c); process.stderr.write('LOADED ' + r.url + '\\\\n'); return r }`))",
    ].join('\n'),
  )}`
  // Native addons and CommonJS files go through Module._load; trace them too.
  const cjs = `data:text/javascript,${encodeURIComponent(
    "import Module from 'node:module'; const load = Module._load; Module._load = function (request, parent, isMain) { const r = load.apply(this, arguments); try { process.stderr.write('LOADED ' + Module._resolveFilename(request, parent, isMain) + '\\n') } catch {} return r }",
  )}`
  const r = spawnSync(process.execPath, ['--import', hook, '--import', cjs, 'bin/runbook.js', ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...env },
  })
  const modules = r.stderr
    .split('\n')
    .filter((l) => l.startsWith('LOADED '))
    .map((l) => l.slice('LOADED '.length))
  return { code: r.status, modules, stdout: r.stdout }
}

describe('the CLI bundle', () => {
  it('bin/runbook.js runs dist/bundle/main.cjs, one file, not the modules tsc wrote', () => {
    expect(existsSync('dist/bundle/main.cjs')).toBe(true)
    const r = loaded(['--version'])
    expect(r.code).toBe(0)
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/)
    expect(r.modules.filter((m) => m.includes('/dist/'))).toEqual([])
    // The launcher is CommonJS (bin/package.json): as an ES module it made Node 20 start its ES
    // module loader (~20 ms of every run), which nothing else needs.
    const dir = mkdtempSync(join(tmpdir(), 'rb-launcher-'))
    try {
      const preload = join(dir, 'esm-loader.cjs')
      writeFileSync(
        preload,
        "process.on('exit', () => process.stderr.write('ESM loader: ' + process.moduleLoadList.includes('NativeModule internal/modules/esm/module_job') + '\\n'))\n",
      )
      const plain = spawnSync(process.execPath, ['--require', preload, 'bin/runbook.js', '--version'], { encoding: 'utf8' })
      expect(plain.status).toBe(0)
      // (Node 22 and later load it at every start, for any entry point.)
      if (Number(process.versions.node.split('.')[0]) < 22) expect(plain.stderr).toContain('ESM loader: false')
      else expect(plain.stderr).toMatch(/ESM loader: (true|false)/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("compiles the bundle with V8's code cache of the same command's last run, and makes it again when V8 refuses it", () => {
    const dir = mkdtempSync(join(tmpdir(), 'rb-v8cache-'))
    try {
      const env = { RUNBOOK_V8_CACHE_DIR: dir, RUNBOOK_V8_CACHE_DEBUG: '1', RUNBOOK_STATE_DIR: join(dir, 'state'), NO_COLOR: '1' }
      const cli = (args: string[], extra: NodeJS.ProcessEnv = {}) => {
        const r = spawnSync('bin/runbook.js', args, { encoding: 'utf8', env: { ...process.env, ...env, ...extra } })
        return { code: r.status, stdout: r.stdout, cache: /^v8 cache: (\w+) (.*)$/m.exec(r.stderr)?.slice(1) ?? [] }
      }
      const validate = (extra: NodeJS.ProcessEnv = {}, file = 'fixtures/runbooks/valid/fleet-bench-triage.yaml') =>
        cli(['validate', file], extra)
      const full = (command: string) => join(dir, `${command}-${process.version}-${process.arch}.bin`)
      const partial = (command: string) => join(dir, `${command}-${process.version}-${process.arch}.partial.bin`)
      // Node 20 changes V8's flags when it loads the bash grammar (validate always does): the cache is
      // made before, with what was compiled by then, and kept as partial.
      const grammarChangesFlags = Number(process.versions.node.split('.')[0]) < 22
      const validateCache = grammarChangesFlags ? partial('validate') : full('validate')

      const first = validate()
      expect(first).toMatchObject({ code: 0, cache: ['none', full('validate')] })
      expect(first.stdout).toContain('1 valid, 0 invalid')
      const made = readFileSync(validateCache)
      expect(made.length).toBeGreaterThan(10_000) // the functions the run compiled, not only the top level

      expect(validate()).toMatchObject({ code: 0, cache: ['accepted', validateCache] })
      expect(readFileSync(validateCache).equals(made)).toBe(true) // an accepted cache is not written again

      // Not V8's: refused, the run is the same, and the cache is made again.
      writeFileSync(validateCache, Buffer.alloc(made.length, 7))
      const garbled = validate()
      expect(garbled).toMatchObject({ code: 0, cache: ['rejected', validateCache] })
      expect(garbled.stdout).toContain('1 valid, 0 invalid')
      expect(validate().cache[0]).toBe('accepted')

      // A usage error leaves no cache (it compiled too little); RUNBOOK_V8_CACHE=0 neither reads nor writes.
      rmSync(validateCache)
      expect(validate({}, join(dir, 'missing.yaml')).code).toBe(2)
      expect(existsSync(validateCache)).toBe(false)
      expect(validate({ RUNBOOK_V8_CACHE: '0' })).toMatchObject({ code: 0, cache: ['off', full('validate')] })
      expect(existsSync(validateCache)).toBe(false)

      // `run` loads the grammar only for commands not proved read-only before: its second run keeps
      // its flags and writes the whole cache, which replaces the partial one.
      const inventory = join(dir, 'inventory.yaml')
      writeFileSync(inventory, 'apiVersion: runbook/v1\nkind: Inventory\nhosts:\n  web1: { address: 127.0.0.1, port: 1 }\n')
      const run = () =>
        cli(['run', 'fixtures/runbooks/valid/fleet-bench-triage.yaml', '--hosts', 'web1', '--inventory', inventory, '--json'])
      expect(run().cache).toEqual(['none', full('run')])
      expect(existsSync(partial('run'))).toBe(grammarChangesFlags)
      expect(run().cache).toEqual(['accepted', grammarChangesFlags ? partial('run') : full('run')])
      expect(existsSync(partial('run'))).toBe(false)
      expect(run().cache).toEqual(['accepted', full('run')])
      expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('validate loads no serve/worker library and no ssh2 file from node_modules; schemas and runbooks are found', () => {
    const r = loaded(['validate', 'fixtures/runbooks/valid/fleet-bench-triage.yaml'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('1 valid, 0 invalid')
    for (const lib of ['fastify', '@slack/bolt', 'bullmq', '/pg/', 'ioredis'])
      expect(r.modules.filter((m) => m.includes(`node_modules/${lib}`))).toEqual([])
    const list = loaded(['list'])
    expect(list.stdout).toMatch(/^unreachable-host /m)
  })

  it('run loads ssh2 from the bundle, and its native crypto binding from node_modules when npm built it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rb-bundle-'))
    try {
      const inventory = join(dir, 'inventory.yaml')
      // A host on a loopback port nobody listens on: the run loads ssh2 and is refused at once.
      writeFileSync(inventory, 'apiVersion: runbook/v1\nkind: Inventory\nhosts:\n  web1: { address: 127.0.0.1, port: 1 }\n')
      const r = loaded(
        [
          'run',
          'fixtures/runbooks/valid/fleet-bench-triage.yaml',
          '--hosts',
          'web1',
          '--inventory',
          inventory,
          '--transcript',
          join(dir, 'runs'),
          '--json',
        ],
        {
          RUNBOOK_STATE_DIR: join(dir, 'state'),
        },
      )
      expect(r.stdout).toContain('"type":"fleet.finished"')
      // http, https and tls are for HTTP probes only (and ssh2's HTTP agents, made lazy in the
      // bundle): ~15 ms of every start when loaded up front.
      expect(r.modules.filter((m) => /^(node:)?(http|https|tls)$/.test(m))).toEqual([])
      // (ssh2/package.json is only resolved, to find its folder.)
      expect(r.modules.filter((m) => m.includes('node_modules/ssh2/') && !m.endsWith('.node') && !m.endsWith('/package.json'))).toEqual([])
      const binding = 'node_modules/ssh2/lib/protocol/crypto/build/Release/sshcrypto.node'
      if (loadsHere(binding)) expect(r.modules.some((m) => m.endsWith(binding))).toBe(true)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('run loads the bash grammar only for commands no earlier run proved read-only; authoring commands only read those proofs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rb-bundle-'))
    try {
      const env = { RUNBOOK_STATE_DIR: join(dir, 'state') }
      const inventory = join(dir, 'inventory.yaml')
      writeFileSync(inventory, 'apiVersion: runbook/v1\nkind: Inventory\nhosts:\n  web1: { address: 127.0.0.1, port: 1 }\n')
      const runbook = join(dir, 'triage.yaml')
      const original = readFileSync('fixtures/runbooks/valid/fleet-bench-triage.yaml', 'utf8')
      writeFileSync(runbook, original)
      const run = () =>
        loaded(['run', runbook, '--hosts', 'web1', '--inventory', inventory, '--transcript', join(dir, 'runs'), '--json'], env)
      const grammar = (r: { modules: string[] }) => r.modules.some((m) => m.includes('node_modules/web-tree-sitter/'))
      const cache = join(dir, 'state', 'cache', 'read-only.json')

      const validate = loaded(['validate', runbook], env)
      expect(validate.stdout).toContain('1 valid, 0 invalid')
      expect(grammar(validate)).toBe(true)
      expect(existsSync(cache)).toBe(false) // validate learns nothing: CI leaves no state behind

      const first = run()
      expect(first.stdout).toContain('"type":"fleet.finished"')
      expect(grammar(first)).toBe(true)
      expect(existsSync(cache)).toBe(true)

      const second = run()
      expect(second.stdout).toContain('"type":"fleet.finished"')
      expect(grammar(second)).toBe(false)
      expect(grammar(loaded(['validate', runbook], env))).toBe(false)

      // One command changed: it is checked, with the grammar; a mutating one is refused as ever.
      writeFileSync(runbook, original.replace('"free -b"', '"free -m"'))
      expect(grammar(run())).toBe(true)
      writeFileSync(runbook, original.replace('"free -b"', '"sync; free -b"'))
      const refused = run()
      expect(refused.code).toBe(2)
      expect(grammar(refused)).toBe(true)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("bin/runbook.js runs through its #! line; the wasm flags are on Node's command line only where Node needs them there", () => {
    expect(readFileSync('bin/runbook.js', 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node')
    const r = spawnSync('bin/runbook.js', ['--version'], { encoding: 'utf8', env: { ...process.env, RUNBOOK_V8_CACHE_DEBUG: '1' } })
    expect(r.status).toBe(0)
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/)
    const flags = /^node flags: (.*)$/m.exec(r.stderr)?.[1]
    // Node 20 takes them when the grammar loads (and refuses its built-in code cache with any flag
    // given at start); Node 22+ only at start: the launcher starts again with them.
    if (Number(process.versions.node.split('.')[0]) >= 22) expect(flags).toBe('--liftoff-only --wasm-lazy-compilation')
    else expect(flags).toBe('')
  })
})
