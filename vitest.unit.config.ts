import { defineConfig } from 'vitest/config';

// The unit-level part of the suite: tests that need no Temporal server, no Postgres and no browser
// (in-process HTTP servers such as the simulator are fine). `.ci/run` runs exactly this set on a
// second Node line (24) so that a break on one supported Node is caught; the full suite stays on
// the machine's Node. A file listed here must not need the global setup's servers.
export const UNIT_TESTS = [
  'test/polygon/**/*.test.ts',
  'test/calendar/**/*.test.ts',
  'test/config/**/*.test.ts',
  'test/lint/**/*.test.ts',
  'test/workflow/state.test.ts',
  'test/cli/args.test.ts',
  'test/cli/cli.test.ts',
  'test/cli/render.test.ts',
  'test/dashboard/routes.test.ts',
  'test/metrics/worker-endpoint.test.ts',
  'test/metrics/sdk-logs.test.ts',
  'test/webhooks/safety.test.ts',
];

export default defineConfig({
  test: {
    pool: 'forks',
    maxWorkers: 2,
    include: UNIT_TESTS,
    testTimeout: 60_000,
  },
});
