#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm run build` (run by `npm ci`/`npm install` via `prepare`).
import { run } from '../dist/cli/main.js'
await run()
