// Scenario 4: the job's Postgres (a private cluster the suite started, so nothing else is touched)
// is stopped for 20-30 s mid-job, then started again. Units must retry through the outage and the
// job complete exactly; meanwhile the API must say the database is unavailable (503), never 500,
// and a POST refused during the outage and retried afterwards with its Idempotency-Key must give
// exactly one job.
import { describe, expect, it } from 'vitest';
import { useScenario, startStandardJob } from './harness/use-scenario.js';
import { jobProgress, sleep, waitForJobEnd, waitForPages } from './harness/stack.js';
import pgLib from 'pg';
import { waitFor } from '../helpers/wait.js';
import { orphanWorkflows, waitForWorkflowClosed } from './harness/temporal.js';

const PgClient = pgLib.Client;

describe('scenario 4: Postgres unavailable for 20-30 s mid-job', () => {
  const s = useScenario('04-postgres-outage', {
    privatePostgres: true,
    sim: { latencyMs: 30, maxResultsPerPage: 40 },
    env: { POLYGON_PAGE_LIMIT: '200', UNIT_DEADLINE_SECONDS: '180' },
  });

  it('retries through the outage and completes exactly; the API answers 503 meanwhile', async () => {
    const { stack, report, rng, db, pg } = s;
    const { jobId, workflowId } = await startStandardJob(s);
    await waitForPages(db.pool, jobId, rng.int(4, 12), 60_000, stack);
    const at = await jobProgress(db.pool, jobId);
    const outage = rng.int(20_000, 30_000);
    // Work in flight when the server goes, as a restart under load would find it: a lock on bars
    // holds the workers' page transactions open (checked-out connections, mid-query), and a lock
    // on jobs holds an API request's query open, until the stop.
    const locker = new PgClient({ connectionString: db.url, application_name: 'faults-locker' });
    await locker.connect();
    locker.on('error', () => undefined);
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE bars IN SHARE ROW EXCLUSIVE MODE');
    await locker.query('LOCK TABLE jobs IN ACCESS EXCLUSIVE MODE');
    const waiting = async (app: string) => {
      const { rows } = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`, [app]);
      return rows[0]?.n ?? 0;
    };
    const blocked = await waitFor('worker page transactions to queue behind the lock', async () => ((await waiting('backfill-worker')) >= 1 ? waiting('backfill-worker') : undefined), 15_000, 50);
    const inflight = stack.http('GET', '/api/v1/backfill/recent', { timeoutMs: 30_000 }).catch((e: Error) => e);
    const apiBlocked = await waitFor('an API query to queue behind the lock', async () => ((await waiting('backfill-api')) >= 1 ? 1 : undefined), 15_000, 50).catch(() => 0);
    // `fast` is what a restart or failover does: every backend gets FATAL 57P01 ("terminating
    // connection due to administrator command").
    const mode = 'fast';
    pg!.stop(mode);
    const downAt = Date.now();
    report.inject(`pg_ctl stop -m ${mode} on the private cluster at pages ${at?.pages} (units ${JSON.stringify(at?.units)}) with ${blocked} worker page transaction(s) and ${apiBlocked} API request(s) in flight; down for ${outage} ms`);
    const cut = await inflight;
    const cutOk = !(cut instanceof Error) && (cut.status === 503 || cut.status === 200);
    report.verify(cutOk, `the API request in flight at the stop (GET /recent) answered (200 if it finished first, else 503) ${cut instanceof Error ? `nothing (${(cut.cause as Error)?.message ?? cut.message})` : `${cut.status} ${cut.text.slice(0, 160)}`}`);

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
    await locker.end().catch(() => undefined);
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
    const wf = await waitForWorkflowClosed(s.client, workflowId);
    report.verify(wf === 'COMPLETED', `workflow ${workflowId} is ${wf}`);
    const orphans = await orphanWorkflows(s.client, s.taskQueue, db.pool);
    report.verify(orphans.length === 0, `every workflow on the task queue belongs to a job row (orphans: ${orphans.join(', ') || 'none'})`);
    const crashes = stack.unexpectedExits();
    report.verify(crashes.length === 0, `worker and API survived the outage without exiting (${crashes.length} exits)`);

    expect(cutOk).toBe(true);
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
