import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The Temporal native bridge segfaults under worker threads; forks are separate processes.
    pool: 'forks',
    // Most files wait on servers (Temporal, the simulator, stand-in processes) and on timers (crash
    // tests wait out heartbeat timeouts) rather than compute: four at once on a 2-core machine.
    // With three, the suite's ~4,000 s of test time took 26 minutes on 2 December.
    poolOptions: { forks: { singleFork: false, minForks: 1, maxForks: 4 } },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/quiet-runtime.ts'],
  },
});
