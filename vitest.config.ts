import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Files that measure time against a bound (the multi-instance limits test) run in a group of their own, after
 * every other file has finished, so that the machine is otherwise idle while they measure.
 */
const ALONE = ['test/reliability/instances.test.ts'];
const shared = { testTimeout: 30_000, hookTimeout: 30_000 };

export default defineConfig({
  test: {
    // Once for both projects (a project that extended this config would run it again).
    globalSetup: ['test/global-setup.ts'],
    // The machines have two cores; e2e tests spawn servers.
    maxWorkers: 2,
    projects: [
      { test: { ...shared, name: 'suite', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, ...ALONE], sequence: { groupOrder: 0 } } },
      { test: { ...shared, name: 'alone', include: ALONE, sequence: { groupOrder: 1 } } },
    ],
  },
});
