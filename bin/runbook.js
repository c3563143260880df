#!/usr/bin/env node
// Thin launcher: `npm run build` (run by `npm ci`/`npm install` via `prepare`) compiles the CLI to
// dist/ and bundles it into dist/bundle/ (scripts/bundle.mjs), which starts faster.
import { run } from '../dist/bundle/main.js'
await run()
