import { defineConfig } from 'vitest/config';

// The fault suite (`npm run test:faults`): real worker, API, Temporal and Postgres processes that
// get killed, stopped and fed garbage. One file at a time: the scenarios time their faults against
// real work, and two of them on two cores at once would make each other's timing meaningless.
export default defineConfig({
  test: {
    pool: 'forks',
    include: ['test/faults/**/*.test.ts'],
    globalSetup: ['test/faults/global-setup.ts'],
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 240_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
    reporters: ['verbose'],
    // A flaky fault test must be fixed, not retried into passing.
    retry: 0,
  },
});
