#!/usr/bin/env -S node --liftoff-only --wasm-lazy-compilation
// --liftoff-only: V8 compiles the bash grammar (wasm, dsl/shell-syntax.ts) with its baseline compiler
// only. Node 20 also takes it from the running process; Node 24 only from its command line.
// --wasm-lazy-compilation: and each grammar function only when first called (with --liftoff-only on
// the command line, V8 would otherwise compile all of the 1.3 MB grammar at load, ~40 ms).
// Thin launcher: `npm run build` (run by `npm ci`/`npm install` via `prepare`) compiles the CLI to
// dist/ and bundles it into dist/bundle/ (scripts/bundle.mjs), which starts faster.
import { run } from '../dist/bundle/main.js'
await run()
