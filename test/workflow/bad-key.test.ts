// A bad Polygon key is the job's failure, not each unit's (issue 16): the first unit that hears
// 401 fails the job with bad_key, and every unit not finished fails with it at once, without
// running. After a retry with the key fixed, the units run and the job completes.
import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { useWorkflowStack } from '../helpers/workflow-stack.js';
import { resultOf, startBackfill } from '../helpers/worker.js';
import { progressQuery, retryFailedUpdate } from '../../workflows/messages.js';
import { jobRow, unitRows } from './support.js';
import { waitFor } from '../helpers/wait.js';

const RANGE = { symbols: ['AAPL', 'MSFT', 'NVDA'], timeframes: ['1d', '1h'], startDate: '2024-05-06', endDate: '2024-05-08' };

describe('a bad Polygon key', () => {
  // The simulator knows one key; the worker sends another.
  const stack = useWorkflowStack('bad-key', { sim: { apiKeys: ['the-right-key'] }, worker: { configOverrides: { POLYGON_API_KEY: 'a-revoked-key' } } });

  it('fails the job at once with bad_key: one unit runs, the others fail without an attempt', async () => {
    const jobId = randomUUID();
    const handle = await startBackfill(stack.client, stack.taskQueue, { jobId, ...RANGE, concurrency: 1, retryWindowSeconds: 120 });
    // Postgres first (the workflow stays open for retries), then what the workflow says.
    const job = await waitFor('job failed in Postgres', async () => {
      const row = await jobRow(stack.db.pool, jobId);
      return row?.status === 'failed' && row;
    });
    expect((await handle.query(progressQuery)).counts).toEqual({ pending: 0, running: 0, completed: 0, failed: 6, cancelled: 0 });
    expect(job.error).toMatch(/^bad_key: /);
    expect(job.error).not.toContain('a-revoked-key');
    const units = await unitRows(stack.db.pool, jobId);
    expect(units.map((u) => [u.status, u.error_code])).toEqual(units.map(() => ['failed', 'bad_key']));
    // Only the first unit ever ran (concurrency 1): the other five failed without an attempt.
    expect(units.map((u) => u.attempts)).toEqual([1, 0, 0, 0, 0, 0]);

    // The key is fixed (the simulator now takes it); a retry runs every unit and the job completes.
    stack.sim.setOptions({ apiKeys: ['the-right-key', 'a-revoked-key'] });
    const r = await handle.executeUpdate(retryFailedUpdate, { args: [{}] });
    expect(r.requeued).toBe(6);
    const result = await resultOf(handle);
    expect(result.status).toBe('completed');
    expect(result.counts.completed).toBe(6);
    expect(await jobRow(stack.db.pool, jobId)).toMatchObject({ status: 'completed', error: null });
  });
});
