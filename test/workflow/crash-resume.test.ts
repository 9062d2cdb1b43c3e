// A worker process killed with SIGKILL in the middle of a unit: another process picks the unit up
// after the heartbeat timeout, resumes after the last committed page, and the job ends with exactly
// the simulator's bars, no duplicates, and counts that were not inflated by the lost attempt.
import { afterAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { useWorkflowStack } from '../helpers/workflow-stack.js';
import type { ManagedProcess } from '../helpers/proc.js';
import { resultOf, spawnWorkerProcess, startBackfill, workerEnv } from '../helpers/worker.js';
import { expectExactBars, expectedCounts, jobRow, unitRows } from './support.js';
import { waitFor } from '../helpers/wait.js';

const RANGE = { symbols: ['AAPL', 'MSFT'], timeframes: ['1m', '5m'], startDate: '2024-01-08', endDate: '2024-01-11' };

describe('worker crash', () => {
  // Workers here are real processes, spawned by the test itself.
  const stack = useWorkflowStack('crash', { sim: { latencyMs: 120, maxResultsPerPage: 250 }, workers: [] });
  const procs: ManagedProcess[] = [];
  afterAll(() => Promise.all(procs.map((p) => p.kill9())));

  it('SIGKILL mid-unit, restart: completed, exact bars, no duplicates, exact counts', async () => {
    const env = workerEnv({ db: stack.db, taskQueue: stack.taskQueue, polygonBaseUrl: stack.sim.url, configOverrides: { UNIT_HEARTBEAT_TIMEOUT_SECONDS: '2' } });
    const first = await spawnWorkerProcess(env);
    procs.push(first);
    const jobId = randomUUID();
    const handle = await startBackfill(stack.client, stack.taskQueue, { jobId, ...RANGE, concurrency: 2 });

    await waitFor('a unit mid-way', async () => {
      const units = await unitRows(stack.db.pool, jobId);
      return units.some((u) => u.status === 'running' && u.pages >= 3) && units;
    });
    await first.kill9();
    // Read after the kill: a unit still 'running' now was cut off by it (one that finished between
    // the check above and the kill is not interrupted).
    const atKill = await unitRows(stack.db.pool, jobId);
    const interrupted = atKill.filter((u) => u.status === 'running').map((u) => u.unit_no);
    expect(interrupted.length).toBeGreaterThan(0);

    const second = await spawnWorkerProcess(env);
    procs.push(second);
    const result = await resultOf(handle);
    const expected = expectedCounts(RANGE);

    expect(result.status).toBe('completed');
    expect(result.barsFetched).toBe(expected.total);
    expect(result.barsInserted).toBe(expected.total);
    expect(await expectExactBars(stack.db.pool, RANGE)).toBe(expected.total);
    expect((await stack.db.pool.query('SELECT count(*)::int AS n FROM bars')).rows[0].n).toBe(expected.total);

    const units = await unitRows(stack.db.pool, jobId);
    for (const u of units) {
      expect(u.status).toBe('completed');
      // Fetched counts only committed pages: the page lost with the process is not counted twice.
      expect(u.bars_fetched, `unit ${u.unit_no}`).toBe(expected.bySeries.get(`${u.symbol}|${u.timeframe}`));
      expect(u.bars_inserted, `unit ${u.unit_no}`).toBe(u.bars_fetched);
    }
    // The interrupted units were resumed by a second attempt, not restarted from scratch.
    for (const no of interrupted) {
      const u = units.find((x) => x.unit_no === no)!;
      const before = atKill.find((x) => x.unit_no === no)!;
      expect(u.attempts).toBeGreaterThanOrEqual(2);
      expect(u.pages).toBeGreaterThanOrEqual(before.pages);
    }
    expect((await jobRow(stack.db.pool, jobId))!.status).toBe('completed');
    expect(second.lines.some((l) => l.includes('test-polygon-key'))).toBe(false);

    // SIGTERM is a graceful stop: the worker drains, logs, and exits 0.
    expect((await second.stop())?.code).toBe(0);
    expect(second.lines.some((l) => l.includes('"msg":"worker stopped"'))).toBe(true);
  });
});
