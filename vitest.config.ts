import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Tests never reach the internet: nock blocks stray requests in each file that uses it.
    restoreMocks: true,
    // Vendor contract (test/contract): every request the connector sends in any test is recorded and checked against
    // the vendors' published descriptions when the run ends; an undescribed request fails the run.
    setupFiles: ['test/contract/recording/setup.ts'],
    globalSetup: ['test/contract/recording/global-setup.ts'],
  },
});
