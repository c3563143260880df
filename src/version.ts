import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The folder of this package (its package.json, schemas/, actions/, runbooks/, templates/), found
 * by walking up from this module: src/ under vitest and tsx, dist/ when built, or the bundle in
 * dist/bundle/main.cjs (scripts/bundle.mjs), where a module's file no longer says how deep its source was.
 */
export const PACKAGE_ROOT: string = packageRoot(dirname(fileURLToPath(import.meta.url)))

function packageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'schemas'))) return dir
    if (dirname(dir) === dir) throw new Error(`runbook: no package.json with schemas/ above ${from}`)
  }
}

/** The tool's version, from package.json (recorded in every transcript). */
export const VERSION: string = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version
