// Scenario 4: the job's Postgres (a private cluster the suite started, so nothing else is touched)
// is stopped for 20-30 s mid-job, then started again. Units must retry through the outage and the
// job complete exactly; meanwhile the API must say the database is unavailable (503), never 500,
// and a POST refused during the outage and retried afterwards with its Idempotency-Key must give
// exactly one job.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupScenario, type Scenario } from './harness/scenario.js';
import { jobProgress, sleep, waitForJobEnd, waitForPages } from './harness/stack.js';
import { orphanWorkflows, workflowState } from './harness/temporal.js';

describe('scenario 4: Postgres unavailable for 20-30 s mid-job', () => {
  let s: Scenario;
  beforeAll(async () => {
    s = await setupScenario('04-postgres-outage', {
      privatePostgres: true,
      sim: { latencyMs: 30, maxResultsPerPage: 40 },
      env: { POLYGON_PAGE_LIMIT: '200', UNIT_DEADLINE_SECONDS: '180' },
    });
  });
  afterAll(async () => s?.teardown());

  it('retries through the outage and completes exactly; the API answers 503 meanwhile', async () => {
    const { stack, report, rng, db, pg } = s;
    await stack.startWorker('worker');
    await stack.startApi();
    const { jobId, workflowId } = await stack.startJob({
      symbols: ['AAPL', 'MSFT', 'NVDA'],
      timeframes: ['1m', '5m'],
      start_date: '2024-03-04',
      end_date: '2024-03-06',
      concurrency: 3,
    });
    await waitForPages(db.pool, jobId, rng.int(4, 12), 60_000, stack);
    const at = await jobProgress(db.pool, jobId);
    const outage = rng.int(20_000, 30_000);
    const mode = rng.pick(['fast', 'immediate'] as const);
    pg!.stop(mode);
    const downAt = Date.now();
    report.inject(`pg_ctl stop -m ${mode} on the private cluster at pages ${at?.pages} (units ${JSON.stringify(at?.units)}); down for ${outage} ms`);

    // While it is down: the API must tell the truth, never a 500, never a hang.
    await sleep(1_000);
    const ready = await stack.http('GET', '/readyz', { timeoutMs: 20_000 });
    report.verify(ready.status === 503, `GET /readyz during the outage: ${ready.status} ${ready.text.slice(0, 200)}`);
    const st = await stack.http('GET', `/api/v1/backfill/status/${jobId}`, { timeoutMs: 20_000 });
    report.verify(st.status === 200 || st.status === 503, `GET status during the outage: ${st.status} (200 from the live workflow or 503) ${st.text.slice(0, 200)}`);
    const key = `outage-${s.seed}`;
    const body = { symbols: ['AMZN'], timeframes: ['1d'], start_date: '2024-03-04', end_date: '2024-03-08' };
    const refused = await stack.http('POST', '/api/v1/backfill', { body: JSON.stringify(body), headers: { 'idempotency-key': key }, timeoutMs: 20_000 });
    report.verify(refused.status === 503 || refused.status === 202, `POST during the outage (Idempotency-Key ${key}): ${refused.status} (503, or 202 if it could still be recorded) ${refused.text.slice(0, 200)}`);

    await sleep(Math.max(0, outage - (Date.now() - downAt)));
    pg!.start();
    report.inject(`Postgres started again after ${Date.now() - downAt} ms`);

    const retried = await stack.http('POST', '/api/v1/backfill', { body: JSON.stringify(body), headers: { 'idempotency-key': key } });
    report.verify(retried.status >= 200 && retried.status < 300, `the same POST retried after the outage: ${retried.status} ${retried.text.slice(0, 200)}`);
    const second = String(retried.body?.job_id);
    if (refused.status === 202) report.verify(String(refused.body?.job_id) === second, `the retry returned the job the first POST started (${second})`);

    const status = await waitForJobEnd(db.pool, jobId, 180_000, report, stack);
    const status2 = await waitForJobEnd(db.pool, second, 60_000, report, stack);
    expect([status, status2]).toEqual(['completed', 'completed']);
    const { rows } = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM jobs WHERE idempotency_key = $1', [key]);
    report.verify(rows[0]?.n === 1, `exactly one job row carries Idempotency-Key ${key} (${rows[0]?.n})`);
    await s.check([{ jobId, status: 'completed' }, { jobId: second, status: 'completed' }]);
    const wf = await workflowState(s.client, workflowId);
    report.verify(wf === 'COMPLETED', `workflow ${workflowId} is ${wf}`);
    const orphans = await orphanWorkflows(s.client, s.taskQueue, db.pool);
    report.verify(orphans.length === 0, `every workflow on the task queue belongs to a job row (orphans: ${orphans.join(', ') || 'none'})`);
    const crashes = stack.unexpectedExits();
    report.verify(crashes.length === 0, `worker and API survived the outage without exiting (${crashes.length} exits)`);

    expect(ready.status).toBe(503);
    expect([200, 503]).toContain(st.status);
    expect([202, 503]).toContain(refused.status);
    if (refused.status === 202) expect(String(refused.body?.job_id)).toBe(second);
    expect(orphans).toEqual([]);
    expect(rows[0]?.n).toBe(1);
    expect(wf).toBe('COMPLETED');
    expect(crashes).toEqual([]);
  });
});
