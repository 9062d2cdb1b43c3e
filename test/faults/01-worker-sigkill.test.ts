// Scenario 1: the only worker is SIGKILLed at random points, several times during one job, and
// restarted each time. The job must complete with exactly the simulator's bars and truthful counts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupScenario, type Scenario } from './harness/scenario.js';
import { jobProgress, sleep, waitForJobEnd, waitForPages } from './harness/stack.js';
import { waitFor } from '../helpers/wait.js';
import { waitForWorkflowClosed } from './harness/temporal.js';

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

    // Kill points: right after the job is posted (initialisation, first workflow tasks), after a
    // random number of further committed pages (mid-unit, before/during/after a page's transaction),
    // and once near the end (last units and the final status write).
    for (let k = 1; k <= KILLS; k++) {
      let where: string;
      if (k === 1) {
        const delay = rng.int(0, 600);
        await sleep(delay);
        where = `${delay} ms after the job was posted`;
      } else if (k < KILLS) {
        const p0 = (await jobProgress(db.pool, jobId))?.pages ?? 0;
        const target = p0 + rng.int(1, 12);
        await waitForPages(db.pool, jobId, target, 60_000, stack);
        const delay = rng.int(0, 400);
        await sleep(delay);
        where = `${delay} ms after the job reached ${target} committed pages`;
      } else {
        await waitFor('all but the last units to complete', async () => ((await jobProgress(db.pool, jobId))?.units.completed ?? 0) >= 4, 90_000, 100);
        const delay = rng.int(0, 300);
        await sleep(delay);
        where = `${delay} ms after 4 of 6 units completed`;
      }
      const at = await jobProgress(db.pool, jobId);
      const pid = worker.pid;
      await worker.kill9();
      report.inject(`kill ${k}/${KILLS}: SIGKILL worker pid ${pid} ${where} (progress then: ${at?.status}, units ${JSON.stringify(at?.units)}, pages ${at?.pages}, fetched ${at?.fetched}, new ${at?.inserted})`);
      const down = rng.int(0, 2000);
      await sleep(down);
      await stack.boot(worker);
      report.inject(`worker restarted after ${down} ms down`);
    }

    const status = await waitForJobEnd(db.pool, jobId, 150_000, report, stack);
    expect(status).toBe('completed');
    await s.check([{ jobId, status: 'completed' }]);
    const wf = await waitForWorkflowClosed(s.client, workflowId);
    report.verify(wf === 'COMPLETED', `workflow ${workflowId} is ${wf} in Temporal`);
    expect(wf).toBe('COMPLETED');
    const crashes = stack.unexpectedExits();
    report.verify(crashes.length === 0, `no product process exited on its own (${crashes.length})`);
    expect(crashes).toEqual([]);
  });
});
