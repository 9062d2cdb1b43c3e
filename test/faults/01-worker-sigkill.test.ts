// Scenario 1: the only worker is SIGKILLed at random points, several times during one job, and
// restarted each time. The job must complete with exactly the simulator's bars and truthful counts.
import { describe, it } from 'vitest';
import { useScenario, startStandardJob, expectJobCompleted, expectNoCrashes } from './harness/use-scenario.js';
import { jobProgress, sleep, waitForPages } from './harness/stack.js';
import { waitFor } from '../helpers/wait.js';

const KILLS = 4;

describe('scenario 1: worker SIGKILLed at random points and restarted', () => {
  const s = useScenario('01-worker-sigkill', {
    // Latency makes each page last long enough that kills land mid-unit and mid-page.
    sim: { latencyMs: 30, maxResultsPerPage: 40 },
    env: { POLYGON_PAGE_LIMIT: '200' },
  });

  it('completes the job with no missing, duplicate or extra bar and counts that add up', async () => {
    const { stack, report, rng, db } = s;
    const { worker, jobId, workflowId } = await startStandardJob(s);

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

    await expectJobCompleted(s, jobId, workflowId);
    expectNoCrashes(s);
  });
});
