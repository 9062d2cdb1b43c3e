// Scenario 10: an operator terminates the job's workflow from the Temporal CLI mid-job (the real
// CLI binary, as from a terminal). The API must see the closed run, answer from Postgres and close
// the job as failed with every unfinished unit closed; /retry then restarts it, runs only what did
// not complete, and the job ends with exactly the simulator's bars.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupScenario, type Scenario } from './harness/scenario.js';
import { waitForJobEnd, waitForPages } from './harness/stack.js';
import { waitFor } from '../helpers/wait.js';
import { waitForWorkflowClosed } from './harness/temporal.js';
// @ts-expect-error plain ESM helper shared with npm scripts, no type declarations
import { ensureTemporalCli } from '../../scripts/temporal-cli.mjs';

interface StatusBody {
  status: string;
  live: boolean;
  error: string | null;
  units: { total: number; pending: number; running: number; completed: number; failed: number };
}

describe('scenario 10: workflow terminated outside the product', () => {
  let s: Scenario;
  beforeAll(async () => {
    s = await setupScenario('10-terminated-workflow', { sim: { latencyMs: 40, maxResultsPerPage: 40 }, env: { POLYGON_PAGE_LIMIT: '200' } });
  });
  afterAll(async () => s?.teardown());

  it('closes the job as failed, then a retry completes it with exactly the bars', async () => {
    const { stack, report, db, rng } = s;
    await stack.startWorker('worker');
    await stack.startApi();
    const { jobId, workflowId } = await stack.startJob({ symbols: ['AAPL', 'MSFT', 'NVDA'], timeframes: ['1m', '5m'], start_date: '2024-03-04', end_date: '2024-03-06', concurrency: 2 });
    const pages = rng.int(3, 12);
    await waitForPages(db.pool, jobId, pages, 90_000, stack);
    execFileSync(ensureTemporalCli() as string, ['workflow', 'terminate', '--address', s.temporalAddress, '--namespace', 'default', '--workflow-id', workflowId, '--reason', 'fault scenario 10'], { encoding: 'utf8' });
    report.inject(`terminated ${workflowId} with the Temporal CLI after ${pages} committed pages`);
    expect(await waitForWorkflowClosed(s.client, workflowId)).toBe('TERMINATED');

    const failed = await waitFor(
      'the API to report the job failed',
      async () => {
        const r = await stack.http<StatusBody>('GET', `/api/v1/backfill/status/${jobId}`);
        return r.status === 200 && r.body.status === 'failed' ? r.body : undefined;
      },
      30_000,
    );
    report.verify(failed.live === false && /TERMINATED/.test(failed.error ?? ''), `status answers from Postgres: failed, "${failed.error}"`);
    expect(failed.live).toBe(false);
    expect(failed.error).toMatch(/TERMINATED/);
    const { rows } = await db.pool.query<{ open: number; job: string }>(
      `SELECT (SELECT count(*)::int FROM job_units WHERE job_id = $1 AND status IN ('pending', 'running')) AS open,
              (SELECT status FROM jobs WHERE job_id = $1) AS job`,
      [jobId],
    );
    report.verify(rows[0]!.open === 0 && rows[0]!.job === 'failed', `Postgres: job ${rows[0]!.job}, ${rows[0]!.open} units left open`);
    expect(rows[0]).toEqual({ open: 0, job: 'failed' });

    const retry = await stack.http<{ restarted: boolean; requeued: number }>('POST', `/api/v1/backfill/${jobId}/retry`, { body: '{}', headers: { 'content-type': 'application/json' } });
    report.inject(`POST /retry: ${retry.status} ${retry.text}`);
    expect(retry.status).toBe(202);
    expect(retry.body).toMatchObject({ restarted: true, requeued: failed.units.failed });
    // The row still reads failed until the new run writes its status: wait for it to move on first.
    await waitFor('the restarted run to reopen the job', async () => (await db.pool.query<{ status: string }>('SELECT status FROM jobs WHERE job_id = $1', [jobId])).rows[0]?.status !== 'failed', 30_000);
    expect(await waitForJobEnd(db.pool, jobId, 150_000, report, stack)).toBe('completed');
    await s.check([{ jobId, status: 'completed' }]);
    expect(stack.unexpectedExits()).toEqual([]);
  });
});
