// Pause: the running unit finishes, no new one starts, Postgres says 'paused'; resume carries on.
import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { useWorkflowStack } from '../helpers/workflow-stack.js';
import { resultOf, startBackfill } from '../helpers/worker.js';
import { pauseSignal, pauseUpdate, progressQuery, resumeSignal, resumeUpdate } from '../../workflows/messages.js';
import { expectedCounts, jobRow, unitRows } from './support.js';
import { waitFor } from '../helpers/wait.js';

const RANGE = { symbols: ['AAPL', 'MSFT', 'NVDA', 'AMZN', 'META'], timeframes: ['1d'], startDate: '2024-04-01', endDate: '2024-04-05' };

describe('pause and resume', () => {
  // Each unit is one request of ~400 ms: slow enough to pause between units.
  const stack = useWorkflowStack('pause', { sim: { latencyMs: 400 } });

  it('no new unit starts while paused; running ones finish; resume completes the job', async () => {
    const jobId = randomUUID();
    const handle = await startBackfill(stack.client, stack.taskQueue, { jobId, ...RANGE, concurrency: 1 });
    await waitFor('a unit running', async () => (await handle.query(progressQuery)).counts.running === 1);

    const paused = await handle.executeUpdate(pauseUpdate);
    expect(paused.paused).toBe(true);
    expect(paused.status).toBe('paused');
    // The answer is the workflow's state; Postgres follows through the ordered status writes.
    await waitFor('the job row paused', async () => (await jobRow(stack.db.pool, jobId))!.status === 'paused');

    // The unit in flight finishes; then nothing moves.
    const settled = await waitFor('the running unit to finish', async () => {
      const p = await handle.query(progressQuery);
      return p.counts.running === 0 && p;
    });
    const requests = stack.sim.stats().requests;
    await new Promise((r) => setTimeout(r, 1_500));
    const still = await handle.query(progressQuery);
    expect(still.counts).toEqual(settled.counts);
    expect(still.counts.pending).toBeGreaterThanOrEqual(3);
    expect(stack.sim.stats().requests).toBe(requests);
    const units = await unitRows(stack.db.pool, jobId);
    expect(units.filter((u) => u.status === 'running')).toEqual([]);
    expect(units.filter((u) => u.status === 'pending').length).toBe(still.counts.pending);
    expect((await handle.describe()).searchAttributes.BackfillStatus).toEqual(['paused']);

    // Pausing twice is harmless; resume starts units again.
    expect((await handle.executeUpdate(pauseUpdate)).paused).toBe(true);
    const resumed = await handle.executeUpdate(resumeUpdate);
    expect(resumed.paused).toBe(false);
    expect(resumed.status).toBe('running');

    // The signal forms do the same (for the Web UI / `temporal workflow signal`).
    await handle.signal(pauseSignal);
    await waitFor('paused by signal', async () => (await handle.query(progressQuery)).paused);
    await handle.signal(resumeSignal);

    const result = await resultOf(handle);
    expect(result.status).toBe('completed');
    expect(result.counts.completed).toBe(5);
    expect(result.barsInserted).toBe(expectedCounts(RANGE).total);
    expect((await jobRow(stack.db.pool, jobId))!.status).toBe('completed');
    // A finished job refuses a pause.
    await expect(handle.executeUpdate(pauseUpdate)).rejects.toThrow();
  });
});
