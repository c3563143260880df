#!/usr/bin/env -S node --liftoff-only --wasm-lazy-compilation
// --liftoff-only: V8 compiles the bash grammar (wasm, dsl/shell-syntax.ts) with its baseline compiler
// only. Node 20 also takes it from the running process; Node 24 only from its command line.
// --wasm-lazy-compilation: and each grammar function only when first called (with --liftoff-only on
// the command line, V8 would otherwise compile all of the 1.3 MB grammar at load, ~40 ms).
//
// Thin launcher: `npm run build` (run by `npm ci`/`npm install` via `prepare`) compiles the CLI to
// dist/ and bundles it into one CommonJS file, dist/bundle/main.cjs (scripts/bundle.mjs).
//
// It is compiled here with V8's code cache: the bytecode of every function the last run of the same
// command compiled, saved at that run's end in dist/bundle/v8-cache/ (next to the code it comes
// from, so it is trusted as that code is). Compiling the bundle and the functions a run calls was
// about a third of a one-host `runbook run` (0.62 s, 0.40 s with the cache). V8 refuses a cache
// that is not for this source, V8 version and flags; then it is written again. A directory we may
// not write to (a package installed by another user) only means no cache.
// RUNBOOK_V8_CACHE=0 turns it off; RUNBOOK_V8_CACHE_DIR puts it elsewhere (tests).
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire, Module } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setFlagsFromString } from 'node:v8'
import { Script } from 'node:vm'

const file = fileURLToPath(new URL('../dist/bundle/main.cjs', import.meta.url))
const useCache = process.env.RUNBOOK_V8_CACHE !== '0'
// One cache per command (the functions `run` compiles are not those `validate` does) and Node.
const command = process.argv.slice(2).find((a) => !a.startsWith('-'))
const name = `${/^[a-z][a-z-]{0,23}$/.test(command ?? '') ? command : 'other'}-${process.version}-${process.arch}.bin`
const cacheFile = join(process.env.RUNBOOK_V8_CACHE_DIR || join(dirname(file), 'v8-cache'), name)

// The flags a cache is made with are part of it. dsl/shell-syntax.ts sets this one when it loads the
// grammar, which on Node 20 would change them mid-run (`node bin/runbook.js`, without the #! line):
// set it first, so a cache written at exit is for the flags the next process starts with.
setFlagsFromString('--liftoff-only')
let cachedData
if (useCache) {
  try {
    cachedData = readFileSync(cacheFile)
  } catch {
    /* none yet */
  }
}
const script = new Script(Module.wrap(readFileSync(file, 'utf8')), { filename: file, cachedData })
if (process.env.RUNBOOK_V8_CACHE_DEBUG === '1')
  process.stderr.write(
    `v8 cache: ${!useCache ? 'off' : !cachedData ? 'none' : script.cachedDataRejected ? 'rejected' : 'accepted'} ${cacheFile}\n`,
  )
if (useCache && (!cachedData || script.cachedDataRejected)) {
  process.on('exit', (code) => {
    // Not after a bug or a usage error: such a run compiled too little to be worth remembering.
    if (code === 1 || code === 2 || code > 10) return
    const tmp = `${cacheFile}.${process.pid}.tmp`
    try {
      const data = script.createCachedData()
      mkdirSync(dirname(cacheFile), { recursive: true })
      writeFileSync(tmp, data)
      renameSync(tmp, cacheFile)
    } catch {
      rmSync(tmp, { force: true }) // not ours to write: no cache
    }
  })
}
const bundle = { exports: {} }
script.runInThisContext()(bundle.exports, createRequire(file), bundle, file, dirname(file))
await bundle.exports.run()
