/**
 * `npm run build`, second half: esbuild bundles the CLI that tsc compiled (dist/cli/main.js) into one
 * CommonJS file, dist/bundle/main.cjs, which bin/runbook.js compiles with V8's code cache. Why:
 * - every CLI process loaded ~180 ES modules one by one (resolve, read, compile, link), ~0.1 s of a
 *   1-host `runbook run` that took ~0.6 s; then the bundle's ES modules were still compiled at every
 *   start, and each function at its first call: Node 20 has no compile cache for ES modules;
 * - vm.Script takes a code cache for a CommonJS script, with every function a run compiled
 *   (bin/runbook.js): the same run takes ~0.4 s.
 * `await import()` of our own modules becomes a require() inside esbuild's lazy module wrappers, so a
 * module's code still runs only when first needed. CommonJS has no top-level await: modules that
 * need an asynchronous start export a function for it (dsl/shell-syntax.ts loadBash). Tests under
 * vitest run the sources; the CLI tests run this bundle.
 *
 * ssh2 is bundled too (its ~40 CommonJS files took ~40 ms to load), with the three places that find
 * files next to its own code pointed back at node_modules/ssh2 (see `ssh2Paths`).
 *
 * Left out (loaded from node_modules as before):
 * - web-tree-sitter finds its wasm next to its own code; cpu-features is native;
 * - better-sqlite3 is native; ajv is only for a schema newer than its generated validator;
 * - fastify, Bolt, BullMQ, pg and ioredis are only for `serve` and `worker`, which load them lazily.
 */
import { build } from 'esbuild'
import { createHash } from 'node:crypto'
import { readFileSync, rmSync } from 'node:fs'
import { dirname, relative, resolve } from 'node:path'

const EXTERNAL = [
  'cpu-features',
  'web-tree-sitter',
  'tree-sitter-bash',
  'better-sqlite3',
  'ajv',
  'fastify',
  '@fastify/*',
  '@slack/bolt',
  'bullmq',
  'ioredis',
  'pg',
  'playwright-core',
]

/**
 * ssh2 reads `__dirname` (agent.js: a Windows helper's path; poly1305.js: emscripten's script
 * folder) and loads its optional native crypto binding by a relative path. In the bundle those
 * would point into dist/bundle; here each ssh2 file gets its own folder back, found at run time from
 * wherever ssh2 is installed, and the binding is loaded from there (or, when it was not built,
 * fails as before and ssh2 uses its JavaScript fallback).
 */
const ssh2Paths = {
  name: 'ssh2-paths',
  setup(b) {
    const root = dirname(resolve('node_modules/ssh2/package.json'))
    b.onLoad({ filter: /[\\/]node_modules[\\/]ssh2[\\/].*\.js$/ }, (args) => {
      const sub = relative(root, dirname(args.path)).split('\\').join('/')
      const here = `require('node:path').join(require('node:path').dirname(require.resolve('ssh2/package.json')), ${JSON.stringify(sub)})`
      let source = readFileSync(args.path, 'utf8').replace(
        "require('./crypto/build/Release/sshcrypto.node')",
        "require(require('node:path').join(__dirname, 'crypto/build/Release/sshcrypto.node'))",
      )
      if (sub === 'lib' && args.path.endsWith('index.js')) source = lazyIndex(source)
      return {
        contents: `var __dirname = ${here}, __filename = require('node:path').join(__dirname, ${JSON.stringify(args.path.split('/').pop())});\n${source}`,
        loader: 'js',
      }
    })
  },
}

/**
 * ssh2's index loads its HTTP(S) agents (and with them Node's http, https and tls: ~15 ms of every
 * CLI start) and its SSH server, which the CLI never uses. In the bundle they become getters that
 * load on first use: the same exports, loaded lazily. Fails the build if ssh2's index changed shape.
 */
function lazyIndex(source) {
  const out = source
    .replace("const {\n  SSHTTPAgent: HTTPAgent,\n  SSHTTPSAgent: HTTPSAgent,\n} = require('./http-agents.js');\n", '')
    .replace('  HTTPAgent,\n', "  get HTTPAgent() { return require('./http-agents.js').SSHTTPAgent; },\n")
    .replace('  HTTPSAgent,\n', "  get HTTPSAgent() { return require('./http-agents.js').SSHTTPSAgent; },\n")
    .replace("  Server: require('./server.js'),\n", "  get Server() { return require('./server.js'); },\n")
  if (out.includes('HTTPAgent,') || out.includes('Server: require') || !out.includes('get Server()'))
    throw new Error('bundle: ssh2/lib/index.js is not shaped as expected; update lazyIndex in scripts/bundle.mjs')
  return out
}

/**
 * The read-only checker's identity (src/dsl/readonly-verdicts.ts): its sources, the bash grammar and
 * the tree-sitter runtime, hashed. A verdict the CLI remembers holds only for the same identity, so
 * any change to one of these makes every command be checked again.
 */
function readOnlyChecker() {
  const hash = createHash('sha256')
  const parts = [
    'src/dsl/readonly.ts',
    'src/dsl/readonly-programs.ts',
    'src/dsl/shell-syntax.ts',
    'node_modules/tree-sitter-bash/tree-sitter-bash.wasm',
    'node_modules/tree-sitter-bash/package.json',
    'node_modules/web-tree-sitter/package.json',
  ]
  for (const part of parts) hash.update(part).update('\0').update(readFileSync(part)).update('\0')
  return hash.digest('hex').slice(0, 32)
}

rmSync('dist/bundle', { recursive: true, force: true })
await build({
  entryPoints: { main: 'dist/cli/main.js' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  outdir: 'dist/bundle',
  outExtension: { '.js': '.cjs' },
  external: [...EXTERNAL, 'ssh2/package.json'],
  plugins: [ssh2Paths],
  // `await import()` of our own modules becomes a lazy require(): the module's code is still run
  // only when first needed, and vm.Script (bin/runbook.js) needs no dynamic-import hook.
  supported: { 'dynamic-import': false },
  define: {
    __RUNBOOK_READONLY_CHECKER__: JSON.stringify(readOnlyChecker()),
    'import.meta.url': '__runbook_import_meta_url',
  },
  banner: { js: "var __runbook_import_meta_url = require('node:url').pathToFileURL(__filename).href;" },
  sourcemap: 'linked',
  logLevel: 'warning',
})
const out = readFileSync('dist/bundle/main.cjs', 'utf8')
if (/[^\w$.]import\(/.test(out)) throw new Error('bundle: dist/bundle/main.cjs still calls import(), which vm.Script cannot run')
