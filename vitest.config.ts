import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Time-skipping tests whose waits look dozens of times on workflow timers while a helper skips
 * time: seconds alone, but beside the other files' load they hung (twice on 5 December, past 7
 * minutes, with the time-skipping server's connection throttling pings). They run in a second,
 * serial pass: `SERIAL=1 vitest run` (npm test runs both passes).
 */
const SERIAL = [
  'test/workflows/upgrade.stall.logic.test.ts',
  // The analysis loop measures on workflow timers the same way (interval × count, early end of a soak).
  'test/workflows/upgrade.analysis.logic.test.ts',
];
const serialPass = process.env.SERIAL === '1';

export default defineConfig({
  test: {
    include: serialPass ? SERIAL : ['test/**/*.test.ts'],
    exclude: serialPass ? configDefaults.exclude : [...configDefaults.exclude, ...SERIAL],
    // The Temporal native bridge segfaults under worker threads; forks are separate processes.
    pool: 'forks',
    // Most files wait on servers (Temporal, the simulator, stand-in processes) and on timers (crash
    // tests wait out heartbeat timeouts) rather than compute: four at once on a 2-core machine.
    // With three, the suite's ~4,000 s of test time took 26 minutes on 2 December; with four, the
    // 178 files of 5 December (3,400 s of test time) took 16.5 minutes, too close to the 20-minute
    // budget: five. The 195 files of the next round (4,860 s of test time) took 18.5 minutes with
    // five: over budget with the install, and the slowest files are where to cut next.
    poolOptions: { forks: { singleFork: serialPass, minForks: 1, maxForks: serialPass ? 1 : 5 } },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/quiet-runtime.ts'],
  },
});
