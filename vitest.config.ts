import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Validation is synchronous and its read-only check needs the bash grammar, loaded once per file.
    setupFiles: ['test/setup-shell-parser.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    // Lab tests reserve machine-wide slots (/run/runbook-lab-slots) and their own lab roots, so files may run in parallel.
    fileParallelism: true,
    pool: 'forks',
  },
})
