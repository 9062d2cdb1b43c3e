// Scenario 11 (issue 16): long units under a tight rate limit. Four units share 40 requests a
// minute, so each gets a request every 6 s, and UNIT_DEADLINE_SECONDS is 4: every unit runs for
// several times its deadline and waits longer than it between pages. A deadline that counted
// working time (or limiter waits) would fail them all with deadline_exceeded; the job completes
// exactly, because the deadline counts only time without progress.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupScenario, type Scenario } from './harness/scenario.js';
import { waitForJobEnd } from './harness/stack.js';

const DEADLINE_S = 4;

describe('scenario 11: long units under a tight rate limit', () => {
  let s: Scenario;
  beforeAll(async () => {
    s = await setupScenario('11-long-unit', {
      sim: { latencyMs: 50 },
      env: { POLYGON_RATE_LIMIT_RPM: '40', UNIT_DEADLINE_SECONDS: String(DEADLINE_S), POLYGON_PAGE_LIMIT: '10' },
    });
  });
  afterAll(async () => s?.teardown());

  it('every unit completes, each running past its deadline, none failed deadline_exceeded', async () => {
    const { stack, report, db } = s;
    await stack.startWorker('worker');
    await stack.startApi();
    const job = { symbols: ['AAPL', 'MSFT', 'NVDA', 'AMZN'], timeframes: ['1d'], start_date: '2024-03-01', end_date: '2024-04-09', concurrency: 4 };
    report.inject(`4 units of 4 pages share 40 requests/min (one per unit every 6 s); UNIT_DEADLINE_SECONDS=${DEADLINE_S}`);
    const { jobId } = await stack.startJob(job);
    const status = await waitForJobEnd(db.pool, jobId, 150_000, report, stack);
    expect(status).toBe('completed');
    await s.check([{ jobId, status: 'completed' }]);
    const { rows } = await db.pool.query<{ status: string; attempts: number; pages: number; pages_planned: number; seconds: number }>(
      `SELECT status, attempts, pages, pages_planned, extract(epoch FROM completed_at - started_at)::float8 AS seconds
         FROM job_units WHERE job_id = $1 ORDER BY unit_no`,
      [jobId],
    );
    const longest = Math.max(...rows.map((r) => r.seconds));
    report.verify(longest > DEADLINE_S * 2, `the longest unit ran ${longest.toFixed(1)} s, over twice its ${DEADLINE_S} s deadline`);
    expect(rows.map((r) => [r.status, r.attempts, r.pages === r.pages_planned])).toEqual(rows.map(() => ['completed', 1, true]));
    expect(longest).toBeGreaterThan(DEADLINE_S * 2);
    expect(stack.unexpectedExits()).toEqual([]);
  });
});
