// Scenario 1: the only worker is SIGKILLed at random points, several times during one job, and
// restarted each time. The job must complete with exactly the simulator's bars and truthful counts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupScenario, type Scenario } from './harness/scenario.js';
import { jobProgress, sleep, waitForJobEnd, waitForPages } from './harness/stack.js';
import { workflowState } from './harness/temporal.js';

const KILLS = 4;

describe('scenario 1: worker SIGKILLed at random points and restarted', () => {
  let s: Scenario;
  beforeAll(async () => {
    s = await setupScenario('01-worker-sigkill', {
      // Latency makes each page last long enough that kills land mid-unit and mid-page.
      sim: { latencyMs: 30, maxResultsPerPage: 40 },
      env: { POLYGON_PAGE_LIMIT: '200' },
    });
  });
  afterAll(async () => s?.teardown());

  it('completes the job with no missing, duplicate or extra bar and counts that add up', async () => {
    const { stack, report, rng, db } = s;
    const worker = await stack.startWorker('worker');
    await stack.startApi();
    const { jobId, workflowId } = await stack.startJob({
      symbols: ['AAPL', 'MSFT', 'NVDA'],
      timeframes: ['1m', '5m'],
      start_date: '2024-03-04',
      end_date: '2024-03-06',
      concurrency: 3,
    });

    for (let k = 1; k <= KILLS; k++) {
      // A random point: after a random number of further committed pages, plus a random delay
      // (which lands before, during or after a page's transaction).
      const p0 = (await jobProgress(db.pool, jobId))?.pages ?? 0;
      const morePages = rng.int(1, 8);
      await waitForPages(db.pool, jobId, p0 + morePages, 60_000, stack);
      const delay = rng.int(0, 400);
      await sleep(delay);
      const at = await jobProgress(db.pool, jobId);
      await worker.kill9();
      report.inject(`kill ${k}/${KILLS}: SIGKILL worker pid ${worker.child?.pid} ${delay} ms after the job reached ${p0 + morePages} committed pages (progress then: ${JSON.stringify(at?.units)}, pages ${at?.pages}, fetched ${at?.fetched}, new ${at?.inserted})`);
      const down = rng.int(0, 2000);
      await sleep(down);
      await stack.boot(worker);
      report.inject(`worker restarted after ${down} ms down`);
    }

    const status = await waitForJobEnd(db.pool, jobId, 150_000, report, stack);
    expect(status).toBe('completed');
    await s.check([{ jobId, status: 'completed' }]);
    const wf = await workflowState(s.client, workflowId);
    report.verify(wf === 'COMPLETED', `workflow ${workflowId} is ${wf} in Temporal`);
    expect(wf).toBe('COMPLETED');
    const crashes = stack.unexpectedExits();
    report.verify(crashes.length === 0, `no product process exited on its own (${crashes.length})`);
    expect(crashes).toEqual([]);
  });
});
