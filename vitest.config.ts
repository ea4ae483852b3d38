import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'web/src/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two workers on the 2-core CI machine: one left the second core idle but for spawned servers (suite 857 s → ~600 s).
    maxWorkers: 2,
    globalSetup: ['test/support/global-setup.ts'],
  },
});
