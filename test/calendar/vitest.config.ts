import { defineConfig } from 'vitest/config';

// The calendar and the validator are pure: no Temporal, no Postgres, so no global setup.
export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/calendar/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
  },
});
