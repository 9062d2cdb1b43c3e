// Scenario 3: the Temporal dev server is SIGKILLed mid-job and restarted on the same port and the
// same SQLite file. Worker and API processes keep running and must reconnect by themselves; the
// job must resume from the persisted history and complete exactly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupScenario, type Scenario } from './harness/scenario.js';
import { jobProgress, sleep, waitForJobEnd, waitForPages } from './harness/stack.js';
import { waitForWorkflowClosed } from './harness/temporal.js';

const OUTAGES = 2;

describe('scenario 3: Temporal dev server killed and restarted on the same SQLite file', () => {
  let s: Scenario;
  beforeAll(async () => {
    s = await setupScenario('03-temporal-restart', {
      privateTemporal: true,
      sim: { latencyMs: 30, maxResultsPerPage: 40 },
      env: { POLYGON_PAGE_LIMIT: '200' },
    });
  });
  afterAll(async () => s?.teardown());

  it('workers reconnect and the job completes exactly', async () => {
    const { stack, report, rng, db, temporal } = s;
    await stack.startWorker('worker');
    await stack.startApi();
    const { jobId, workflowId } = await stack.startJob({
      symbols: ['AAPL', 'MSFT', 'NVDA'],
      timeframes: ['1m', '5m'],
      start_date: '2024-03-04',
      end_date: '2024-03-06',
      concurrency: 3,
    });

    for (let k = 1; k <= OUTAGES; k++) {
      const p0 = (await jobProgress(db.pool, jobId))?.pages ?? 0;
      await waitForPages(db.pool, jobId, p0 + rng.int(3, 10), 90_000, stack);
      const at = await jobProgress(db.pool, jobId);
      await temporal!.kill9();
      const down = rng.int(2_000, 6_000);
      report.inject(`outage ${k}/${OUTAGES}: SIGKILL Temporal dev server (port ${temporal!.port}) at pages ${at?.pages}, units ${JSON.stringify(at?.units)}; down for ${down} ms`);
      await sleep(down);
      await temporal!.start();
      report.inject(`Temporal restarted on ${temporal!.address} from ${temporal!.dbFile}`);
      // The job must make progress again before the next outage (proves reconnection, not luck).
      const before = (await jobProgress(db.pool, jobId))?.pages ?? 0;
      const moved = await waitForPages(db.pool, jobId, before + 1, 90_000, stack).catch((e: Error) => e);
      if (moved instanceof Error && !/job ended/.test(moved.message)) throw moved;
      report.check(`job progressed after restart ${k} (${moved instanceof Error ? 'it finished' : `${moved.pages} pages`})`);
    }

    const status = await waitForJobEnd(db.pool, jobId, 150_000, report, stack);
    expect(status).toBe('completed');
    await s.check([{ jobId, status: 'completed' }]);
    const wf = await waitForWorkflowClosed(s.client, workflowId);
    report.verify(wf === 'COMPLETED', `workflow ${workflowId} is ${wf} in the restarted server`);
    expect(wf).toBe('COMPLETED');
    const crashes = stack.unexpectedExits();
    report.verify(crashes.length === 0, `worker and API survived both outages without exiting (${crashes.length} exits)`);
    expect(crashes).toEqual([]);

    // The API still answers for the job after the outages.
    const st = await stack.http('GET', `/api/v1/backfill/status/${jobId}`);
    report.verify(st.status === 200 && st.body.status === 'completed', `GET status answers ${st.status} ${String(st.body?.status)}`);
    expect(st.status).toBe(200);
  });
});
