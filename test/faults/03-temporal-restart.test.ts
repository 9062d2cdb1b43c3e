// Scenario 3: the Temporal dev server is SIGKILLed mid-job and restarted on the same port and the
// same SQLite file. Worker and API processes keep running and must reconnect by themselves; the
// job must resume from the persisted history and complete exactly.
import { describe, expect, it } from 'vitest';
import { useScenario, startStandardJob, expectJobCompleted, expectNoCrashes } from './harness/use-scenario.js';
import { jobProgress, sleep, waitForPages } from './harness/stack.js';

const OUTAGES = 2;

describe('scenario 3: Temporal dev server killed and restarted on the same SQLite file', () => {
  const s = useScenario('03-temporal-restart', {
    privateTemporal: true,
    sim: { latencyMs: 30, maxResultsPerPage: 40 },
    env: { POLYGON_PAGE_LIMIT: '200' },
  });

  it('workers reconnect and the job completes exactly', async () => {
    const { stack, report, rng, db, temporal } = s;
    const { jobId, workflowId } = await startStandardJob(s);

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

    await expectJobCompleted(s, jobId, workflowId);
    expectNoCrashes(s);

    // The API still answers for the job after the outages.
    const st = await stack.http('GET', `/api/v1/backfill/status/${jobId}`);
    report.verify(st.status === 200 && st.body.status === 'completed', `GET status answers ${st.status} ${String(st.body?.status)}`);
    expect(st.status).toBe(200);
  });
});
