import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Files that measure time against a bound (the multi-instance limits test) or arrivals against a limit (the
 * simulators stamp them in the test process, whose lag under load is the rig's network jitter) run each in a
 * group of its own, after every other file has finished, so that the machine is otherwise idle meanwhile.
 */
const ALONE = ['test/reliability/rate-limits.e2e.test.ts', 'test/reliability/instances.test.ts'];
const shared = { testTimeout: 30_000, hookTimeout: 30_000 };

export default defineConfig({
  test: {
    // Once for both projects (a project that extended this config would run it again).
    globalSetup: ['test/global-setup.ts'],
    // The machines have two cores; e2e tests spawn servers.
    maxWorkers: 2,
    projects: [
      { test: { ...shared, name: 'suite', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, ...ALONE], sequence: { groupOrder: 0 } } },
      ...ALONE.map((file, i) => ({ test: { ...shared, name: `alone ${i + 1}`, include: [file], sequence: { groupOrder: i + 1 } } })),
    ],
  },
});
