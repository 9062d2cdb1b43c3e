// Cancellation through Temporal: running attempts stop promptly (HTTP and transaction aborted),
// unfinished units and the job end 'cancelled' in Postgres, and nothing is written afterwards.
import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { useWorkflowStack } from '../helpers/workflow-stack.js';
import { resultOf, startBackfill } from '../helpers/worker.js';
import { jobRow, unitRows } from './support.js';
import { waitFor } from '../helpers/wait.js';

const RANGE = { symbols: ['AAPL', 'MSFT', 'NVDA'], timeframes: ['1m'], startDate: '2024-02-05', endDate: '2024-02-09' };

describe('cancel', () => {
  // Many small, slow pages: a unit takes several seconds, so it is cancelled mid-way.
  const stack = useWorkflowStack('cancel', { sim: { latencyMs: 250, maxResultsPerPage: 200 } });

  it('ends the job cancelled, stops running attempts, and writes nothing after', async () => {
    const jobId = randomUUID();
    const handle = await startBackfill(stack.client, stack.taskQueue, { jobId, ...RANGE, concurrency: 2 });
    await waitFor('two pages committed', async () => (await unitRows(stack.db.pool, jobId)).some((u) => u.status === 'running' && u.pages >= 2));

    const t0 = Date.now();
    await handle.cancel();
    const err = await resultOf(handle).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    // Heartbeats every second deliver the cancellation: well under the 3 s heartbeat timeout + grace.
    expect(Date.now() - t0).toBeLessThan(6_000);

    const job = await jobRow(stack.db.pool, jobId);
    expect(job!.status).toBe('cancelled');
    expect(job!.completed_at).toBeInstanceOf(Date);
    const units = await unitRows(stack.db.pool, jobId);
    expect(units.filter((u) => u.status === 'cancelled').length).toBeGreaterThanOrEqual(2);
    expect(units.every((u) => u.status === 'cancelled' || u.status === 'completed')).toBe(true);
    // Counts in the unit rows equal what is stored: nothing half-written.
    const stored = (await stack.db.pool.query('SELECT count(*)::int AS n FROM bars')).rows[0].n;
    expect(units.reduce((s, u) => s + u.bars_inserted, 0)).toBe(stored);

    const requests = stack.sim.stats().requests;
    await new Promise((r) => setTimeout(r, 1_500));
    expect(stack.sim.stats().requests).toBe(requests);
    expect((await stack.db.pool.query('SELECT count(*)::int AS n FROM bars')).rows[0].n).toBe(stored);
    expect((await handle.describe()).searchAttributes.BackfillStatus).toEqual(['cancelled']);
  });
});
