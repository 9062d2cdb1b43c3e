// Scenario 2: two workers on one task queue; one is SIGKILLed mid-job and never comes back. The
// survivor must take over the dead worker's units (after their heartbeat timeout) and its sticky
// workflow tasks, and finish the job with exactly the simulator's bars.
import { describe, expect, it } from 'vitest';
import { useScenario, expectJobCompleted, expectNoCrashes } from './harness/use-scenario.js';
import { sleep, waitForPages } from './harness/stack.js';

describe('scenario 2: two workers, one killed mid-job, the other finishes', () => {
  const s = useScenario('02-two-workers', {
    sim: { latencyMs: 30, maxResultsPerPage: 40 },
    // Each worker takes at most 2 units at once, so both hold units when one dies.
    env: { POLYGON_PAGE_LIMIT: '200', WORKER_MAX_CONCURRENT_ACTIVITIES: '2' },
  });

  it('the surviving worker completes the job exactly', async () => {
    const { stack, report, rng, db } = s;
    const a = await stack.startWorker('worker-a');
    const b = await stack.startWorker('worker-b');
    await stack.startApi();
    const { jobId, workflowId } = await stack.startJob({
      symbols: ['AAPL', 'MSFT', 'NVDA', 'AMZN'],
      timeframes: ['1m', '5m'],
      start_date: '2024-03-04',
      end_date: '2024-03-05',
      concurrency: 4,
    });

    const pages = rng.int(6, 16);
    const p = await waitForPages(db.pool, jobId, pages, 60_000, stack);
    await sleep(rng.int(0, 300));
    const victim = rng.chance(0.5) ? a : b;
    const survivor = victim === a ? b : a;
    await victim.kill9();
    report.inject(`SIGKILL ${victim.name} (pid ${victim.child?.pid}) after ${p.pages} pages committed (units ${JSON.stringify(p.units)}); it stays dead, ${survivor.name} must finish`);

    await expectJobCompleted(s, jobId, workflowId);
    report.verify(survivor.running, `${survivor.name} is still running`);
    expect(survivor.running).toBe(true);
    expectNoCrashes(s);
  });
});
