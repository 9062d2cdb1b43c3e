import { defineConfig } from 'vitest/config';

// The Polygon client and simulator need neither Temporal nor Postgres: no global setup.
export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/polygon/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
  },
});
