import { defineConfig } from 'vitest/config'

// Tests that load the whole machine on purpose — the fault test (real server, throwaway cluster,
// timing limits) and the benchmark's smoke run — run after everything else, one at a time, so that
// neither measures the other.
const EXCLUSIVE = ['test/faults/**/*.test.ts', 'test/bench/**/*.test.ts']

export default defineConfig({
  test: {
    globalSetup: ['test/helpers/global-setup.ts'],
    pool: 'forks',
    // Two cores: PostgreSQL needs one of them.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'service',
          include: ['test/**/*.test.ts'],
          exclude: EXCLUSIVE,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'exclusive',
          include: EXCLUSIVE,
          poolOptions: { forks: { singleFork: true } },
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
})
