// Scenario 2: two workers on one task queue; one is SIGKILLed mid-job and never comes back. The
// survivor must take over the dead worker's units (after their heartbeat timeout) and its sticky
// workflow tasks, and finish the job with exactly the simulator's bars.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupScenario, type Scenario } from './harness/scenario.js';
import { sleep, waitForJobEnd, waitForPages } from './harness/stack.js';
import { waitForWorkflowClosed } from './harness/temporal.js';

describe('scenario 2: two workers, one killed mid-job, the other finishes', () => {
  let s: Scenario;
  beforeAll(async () => {
    s = await setupScenario('02-two-workers', {
      sim: { latencyMs: 30, maxResultsPerPage: 40 },
      // Each worker takes at most 2 units at once, so both hold units when one dies.
      env: { POLYGON_PAGE_LIMIT: '200', WORKER_MAX_CONCURRENT_ACTIVITIES: '2' },
    });
  });
  afterAll(async () => s?.teardown());

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

    const status = await waitForJobEnd(db.pool, jobId, 150_000, report, stack);
    expect(status).toBe('completed');
    await s.check([{ jobId, status: 'completed' }]);
    const wf = await waitForWorkflowClosed(s.client, workflowId);
    report.verify(wf === 'COMPLETED', `workflow ${workflowId} is ${wf} in Temporal`);
    expect(wf).toBe('COMPLETED');
    report.verify(survivor.running, `${survivor.name} is still running`);
    expect(survivor.running).toBe(true);
    const crashes = stack.unexpectedExits();
    report.verify(crashes.length === 0, `no product process exited on its own (${crashes.length})`);
    expect(crashes).toEqual([]);
  });
});
