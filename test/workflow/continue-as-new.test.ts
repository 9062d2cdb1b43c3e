// A job forced through several continue-as-new runs (the server suggests it after 100 history
// events here, instead of ~4,096) keeps its counts and still answers queries and updates.
import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { useWorkflowStack } from '../helpers/workflow-stack.js';
import { resultOf, startBackfill } from '../helpers/worker.js';
import { pauseUpdate, progressQuery, resumeUpdate } from '../../workflows/messages.js';
import { expectedCounts, jobRow, unitRows } from './support.js';
import { waitFor } from '../helpers/wait.js';

const SYMBOLS = Array.from({ length: 24 }, (_, i) => `T${String(i).padStart(2, '0')}X`);
const RANGE = { symbols: SYMBOLS, timeframes: ['1d', '1h'], startDate: '2024-07-08', endDate: '2024-07-10' };

describe('continue-as-new', () => {
  const stack = useWorkflowStack('can', { sim: { latencyMs: 60 }, devServer: { dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 100 } } });

  it('runs 48 units over several runs with exact counts; queries and updates reach the current run', async () => {
    const jobId = randomUUID();
    const handle = await startBackfill(stack.client, stack.taskQueue, { jobId, ...RANGE, concurrency: 3 });

    // An update addressed by workflow id alone lands on whichever run is current.
    const second = await waitFor('a second run', async () => {
      const p = await handle.query(progressQuery);
      return p.run >= 2 && p;
    }, 30_000, 50);
    expect(second.counts.completed).toBeGreaterThan(0);
    const paused = await handle.executeUpdate(pauseUpdate);
    expect(paused.paused).toBe(true);
    await waitFor('in-flight units to drain', async () => (await handle.query(progressQuery)).counts.running === 0);
    const held = await handle.query(progressQuery);
    expect(held.paused).toBe(true);
    expect((await jobRow(stack.db.pool, jobId))!.status).toBe('paused');
    expect((await handle.executeUpdate(resumeUpdate)).paused).toBe(false);

    const result = await resultOf(handle);
    const expected = expectedCounts(RANGE);
    expect(result.run).toBeGreaterThanOrEqual(3);
    expect(result.status).toBe('completed');
    expect(result.counts).toEqual({ pending: 0, running: 0, completed: 48, failed: 0, cancelled: 0 });
    expect(result.barsFetched).toBe(expected.total);
    expect(result.barsInserted).toBe(expected.total);
    expect((await stack.db.pool.query('SELECT count(*)::int AS n FROM bars')).rows[0].n).toBe(expected.total);
    const units = await unitRows(stack.db.pool, jobId);
    expect(units.every((u) => u.status === 'completed' && u.attempts === 1)).toBe(true);
    expect((await jobRow(stack.db.pool, jobId))!.status).toBe('completed');

    // Every run stayed small: the history of none came near the limits.
    const runs: number[] = [];
    for await (const wf of stack.client.workflow.list({ query: `WorkflowId = '${handle.workflowId}'` })) runs.push(wf.historyLength);
    expect(runs.length).toBe(result.run);
    expect(Math.max(...runs)).toBeLessThan(400);
    // The search attributes survive each continue-as-new.
    expect((await handle.describe()).searchAttributes).toMatchObject({ BackfillJobId: [jobId], BackfillStatus: ['completed'] });
  });
});
