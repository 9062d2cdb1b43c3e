// One unit's permanent failure stays its own: the job ends completed_with_errors with the reason,
// then `retryFailed` (update or signal, or a restart after the workflow closed) completes it once
// the cause is gone. The validator rejects requests that name nothing retryable.
import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { useWorkflowStack } from '../helpers/workflow-stack.js';
import { resultOf, startBackfill } from '../helpers/worker.js';
import { BackfillWorkflow } from '../../workflows/backfill.js';
import { progressQuery, retryFailedSignal, retryFailedUpdate, workflowIdForJob, type BackfillInput } from '../../workflows/messages.js';
import { expectCompletedExactly, jobRow, unitRows } from './support.js';
import { waitFor } from '../helpers/wait.js';

const RANGE = { symbols: ['AAPL', 'NFLX', 'MSFT'], timeframes: ['1d', '1h'], startDate: '2024-05-06', endDate: '2024-05-10' };

describe('retryFailed', () => {
  const stack = useWorkflowStack('retry', { sim: { faults: { notAuthorizedTickers: ['NFLX'] } } });

  it('a not-entitled symbol fails alone; retryFailed (update, then signal) completes it after the cause is fixed', async () => {
    stack.sim.setOptions({ faults: { notAuthorizedTickers: ['NFLX'] } });
    const jobId = randomUUID();
    const handle = await startBackfill(stack.client, stack.taskQueue, { jobId, ...RANGE, concurrency: 2, retryWindowSeconds: 300 });

    const waiting = await waitFor('completed_with_errors', async () => {
      const p = await handle.query(progressQuery);
      return p.status === 'completed_with_errors' && p;
    });
    expect(waiting.counts).toEqual({ pending: 0, running: 0, completed: 4, failed: 2, cancelled: 0 });
    expect(waiting.retryDeadline).not.toBeNull();
    expect(waiting.recentFailures.map((f) => [f.symbol, f.code]).sort()).toEqual([['NFLX', 'not_entitled'], ['NFLX', 'not_entitled']]);
    // Postgres says the same without the workflow (its write follows the status the query shows).
    await waitFor('Postgres to say completed_with_errors', async () => (await jobRow(stack.db.pool, jobId))!.status === 'completed_with_errors');
    const failedRows = (await unitRows(stack.db.pool, jobId)).filter((u) => u.status === 'failed');
    // A permanent error is not retried: each unit ran exactly once.
    expect(failedRows.map((u) => [u.symbol, u.error_code, u.attempts])).toEqual([['NFLX', 'not_entitled', 1], ['NFLX', 'not_entitled', 1]]);
    expect(failedRows[0]!.error_message).toMatch(/not|author|entitle|plan/i);
    const desc = await handle.describe();
    expect(desc.searchAttributes.BackfillStatus).toEqual(['completed_with_errors']);

    // The validator turns away what cannot be retried, without touching the workflow's history.
    const reject = (req: object) => handle.executeUpdate(retryFailedUpdate, { args: [req] });
    await expect(reject({ symbols: ['TSLA'] })).rejects.toThrow(WorkflowUpdateFailedError);
    await expect(reject({ timeframes: ['5m'] })).rejects.toThrow(WorkflowUpdateFailedError);
    await expect(reject({ symbols: ['AAPL'] })).rejects.toThrow(WorkflowUpdateFailedError);

    stack.sim.setOptions({ faults: { notAuthorizedTickers: [] } });
    const r = await handle.executeUpdate(retryFailedUpdate, { args: [{ symbols: ['NFLX'], timeframes: ['1d'] }] });
    expect(r).toEqual({ requeued: 1, units: [{ unitNo: 2, symbol: 'NFLX', timeframe: '1d' }] });
    await waitFor('NFLX 1d completed', async () => (await unitRows(stack.db.pool, jobId)).find((u) => u.unit_no === 2)?.status === 'completed');

    // The signal form (what `temporal workflow signal --name retryFailedSignal --input '{}'` sends).
    await handle.signal(retryFailedSignal, {});
    const result = await resultOf(handle);
    await expectCompletedExactly(stack.db.pool, result, RANGE, 6);
    expect(await jobRow(stack.db.pool, jobId)).toMatchObject({ status: 'completed', error: null });
    expect((await unitRows(stack.db.pool, jobId)).every((u) => u.status === 'completed' && u.error_code === null)).toBe(true);
  });

  it('after the workflow closed with errors, a restart with input.retry runs only the failed units', async () => {
    stack.sim.setOptions({ faults: { notAuthorizedTickers: ['MSFT'] } });
    const range = { ...RANGE, startDate: '2024-06-03', endDate: '2024-06-05' };
    const jobId = randomUUID();
    const first = await resultOf(await startBackfill(stack.client, stack.taskQueue, { jobId, ...range, retryWindowSeconds: 0 }));
    expect(first.status).toBe('completed_with_errors');
    expect(first.counts.failed).toBe(2);
    const requestsBefore = stack.sim.stats().requests;

    stack.sim.setOptions({ faults: { notAuthorizedTickers: [] } });
    // What the API does for POST /retry on a closed job: same workflow id, same input, `retry` set.
    const input: BackfillInput = { jobId, ...range, adjusted: true, concurrency: 4, retryWindowSeconds: 0, retry: { symbols: ['MSFT'] } };
    const again = await stack.client.workflow.start(BackfillWorkflow, { taskQueue: stack.taskQueue, workflowId: workflowIdForJob(jobId), args: [input] });
    const result = await resultOf(again);
    await expectCompletedExactly(stack.db.pool, result, range, 6);
    // Only the two MSFT units went back to Polygon (one request each for this short range).
    expect(stack.sim.stats().requests - requestsBefore).toBe(2);
    expect((await jobRow(stack.db.pool, jobId))!.status).toBe('completed');
  });
});
