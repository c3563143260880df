#!/usr/bin/env node
// Thin launcher: `npm run build` (run by `npm ci`/`npm install` via `prepare`) compiles the CLI to
// dist/ and bundles it into one CommonJS file, dist/bundle/main.cjs (scripts/bundle.mjs). The
// launcher is CommonJS too (bin/package.json): as an ES module it made Node start its ES module
// loader first, ~20 ms of every run.
//
// It is compiled here with V8's code cache: the bytecode of every function the last run of the same
// command compiled, saved at that run's end in dist/bundle/v8-cache/ (next to the code it comes
// from, so it is trusted as that code is). Compiling the bundle and the functions a run calls was
// about a third of a one-host `runbook run` (0.62 s, 0.40 s with the cache). V8 refuses a cache
// that is not for this source, V8 version and flags; then it is written again. A directory we may
// not write to (a package installed by another user) only means no cache.
// RUNBOOK_V8_CACHE=0 turns it off; RUNBOOK_V8_CACHE_DIR puts it elsewhere (tests).
const { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } = require('node:fs')
const { createRequire, Module } = require('node:module')
const { dirname, join } = require('node:path')
const { Script } = require('node:vm')

// The bash grammar (wasm, dsl/shell-syntax.ts) is compiled with V8's baseline compiler only
// (--liftoff-only), each function when first called (--wasm-lazy-compilation). Node 20 takes these
// flags from the running process when the grammar loads; Node 22 and later only from the command
// line, so there the launcher starts again with them (process.execve: same pid, ~40 ms). Not on
// Node 20's command line: any V8 flag there makes Node refuse its own code cache for the ~100
// built-in modules a run loads (net, crypto, zlib...), which it then compiles (~35 ms).
const WASM_FLAGS = ['--liftoff-only', '--wasm-lazy-compilation']
if (Number(process.versions.node.split('.')[0]) >= 22 && !process.execArgv.includes('--liftoff-only') && process.execve) {
  process.execve(process.execPath, [process.execPath, ...WASM_FLAGS, ...process.execArgv, __filename, ...process.argv.slice(2)])
}

const file = join(__dirname, '..', 'dist', 'bundle', 'main.cjs')
const useCache = process.env.RUNBOOK_V8_CACHE !== '0'
// One cache per command (the functions `run` compiles are not those `validate` does) and Node.
const command = process.argv.slice(2).find((a) => !a.startsWith('-'))
const name = `${/^[a-z][a-z-]{0,23}$/.test(command ?? '') ? command : 'other'}-${process.version}-${process.arch}`
const cacheDir = process.env.RUNBOOK_V8_CACHE_DIR || join(dirname(file), 'v8-cache')
// A cache holds the V8 flags it was made with. On Node 20 loading the grammar changes them, and a
// cache made after that would be refused by every next process: such a run makes its cache just
// before, with only what it had compiled by then (start-up and validation), kept apart as
// `partial` until a run that keeps its flags writes the whole one.
const fullFile = join(cacheDir, `${name}.bin`)
const partialFile = join(cacheDir, `${name}.partial.bin`)

const read = (path) => {
  try {
    return readFileSync(path)
  } catch {
    return undefined // none yet
  }
}
let cacheFile = fullFile
let cachedData = useCache ? read(fullFile) : undefined
if (useCache && !cachedData) {
  cachedData = read(partialFile)
  if (cachedData) cacheFile = partialFile
}
const script = new Script(Module.wrap(readFileSync(file, 'utf8')), { filename: file, cachedData })
if (process.env.RUNBOOK_V8_CACHE_DEBUG === '1')
  process.stderr.write(
    `v8 cache: ${!useCache ? 'off' : !cachedData ? 'none' : script.cachedDataRejected ? 'rejected' : 'accepted'} ${cacheFile}\n` +
      `node flags: ${process.execArgv.join(' ')}\n`,
  )
if (useCache && (cacheFile === partialFile || !cachedData || script.cachedDataRejected)) {
  let early
  if (!process.execArgv.includes('--liftoff-only'))
    globalThis[Symbol.for('runbook.beforeV8Flags')] = () => {
      early ??= script.createCachedData()
    }
  process.on('exit', (code) => {
    // Not after a bug or a usage error: such a run compiled too little to be worth remembering.
    if (code === 1 || code === 2 || code > 10) return
    // A partial cache does not replace one that V8 took.
    if (early && cachedData && !script.cachedDataRejected) return
    const target = early ? partialFile : fullFile
    const tmp = `${target}.${process.pid}.tmp`
    try {
      const data = early ?? script.createCachedData()
      mkdirSync(cacheDir, { recursive: true })
      writeFileSync(tmp, data)
      renameSync(tmp, target)
      if (!early) rmSync(partialFile, { force: true })
      else if (cacheFile === fullFile) rmSync(fullFile, { force: true }) // refused: for another Node or source
    } catch {
      rmSync(tmp, { force: true }) // not ours to write: no cache
    }
  })
}
const bundle = { exports: {} }
script.runInThisContext()(bundle.exports, createRequire(file), bundle, file, dirname(file))
void bundle.exports.run()
