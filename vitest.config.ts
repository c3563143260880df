import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    // Lab integration tests create network namespaces with fixed names: never run two files at once.
    fileParallelism: true,
    pool: 'forks',
  },
})
