/**
 * `npm run build`, second half: esbuild bundles the CLI that tsc compiled (dist/cli/main.js) into a
 * few files, dist/bundle/, which bin/runbook.js loads. Why: every CLI process loaded ~180 ES modules
 * one by one (resolve, read, compile, link), ~0.1 s of a 1-host `runbook run` that takes ~0.6 s; the
 * bundle has one module per lazily loaded command or part (esbuild's code splitting keeps each
 * `await import()` lazy). tests under vitest run the sources; the CLI tests run this bundle.
 *
 * Left out (loaded from node_modules as before):
 * - ssh2 and web-tree-sitter find files next to their own code (`__dirname`, the wasm);
 * - better-sqlite3 is native; ajv is only for a schema newer than its generated validator;
 * - fastify, Bolt, BullMQ, pg and ioredis are only for `serve` and `worker`, which load them lazily.
 */
import { build } from 'esbuild'
import { rmSync } from 'node:fs'

const EXTERNAL = [
  'ssh2',
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

rmSync('dist/bundle', { recursive: true, force: true })
await build({
  entryPoints: { main: 'dist/cli/main.js' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir: 'dist/bundle',
  external: EXTERNAL,
  // Bundled CommonJS dependencies (yaml, pino...) call require() for Node's own modules.
  banner: { js: "import { createRequire as __runbookRequire } from 'node:module'; const require = __runbookRequire(import.meta.url);" },
  sourcemap: 'linked',
  logLevel: 'warning',
})
