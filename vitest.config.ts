import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The Temporal native bridge segfaults under worker threads; forks are separate processes.
    pool: 'forks',
    // Most files wait on servers (Temporal, the simulator, stand-in processes) rather than compute:
    // three at once on a 2-core machine keep the run well under its time budget.
    poolOptions: { forks: { singleFork: false, minForks: 1, maxForks: 3 } },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/quiet-runtime.ts'],
  },
});
