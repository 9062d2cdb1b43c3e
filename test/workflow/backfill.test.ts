// The main path: a multi-symbol, multi-timeframe job stores exactly the simulator's bars and
// reports true counts; a second job over the same range stores nothing new and says so.
import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { useWorkflowStack } from '../helpers/workflow-stack.js';
import { resultOf, startBackfill } from '../helpers/worker.js';
import { progressQuery } from '../../workflows/messages.js';
import { expectCompletedExactly, expectedCounts, jobRow, unitRows } from './support.js';

const RANGE = { symbols: ['AAPL', 'MSFT', 'X:BTCUSD'], timeframes: ['1d', '1h', '15m'], startDate: '2024-03-04', endDate: '2024-03-12' };

describe('BackfillWorkflow', () => {
  const stack = useWorkflowStack('backfill', { sim: { maxResultsPerPage: 120 } });

  it('completes a multi-symbol, multi-timeframe job with exact bars and truthful counts', async () => {
    const jobId = randomUUID();
    const handle = await startBackfill(stack.client, stack.taskQueue, { jobId, ...RANGE, concurrency: 3 });
    const result = await resultOf(handle);
    const expected = expectedCounts(RANGE);
    await expectCompletedExactly(stack.db.pool, result, RANGE, 9);
    expect(result.barsUpdated).toBe(0);

    const job = await jobRow(stack.db.pool, jobId);
    expect(job).toMatchObject({ status: 'completed', units_total: 9, error: null });
    expect(job!.started_at).toBeInstanceOf(Date);
    expect(job!.completed_at).toBeInstanceOf(Date);
    const units = await unitRows(stack.db.pool, jobId);
    expect(units.map((u) => `${u.unit_no}:${u.symbol}:${u.timeframe}`)).toEqual(
      RANGE.symbols.flatMap((s, i) => RANGE.timeframes.map((tf, j) => `${i * 3 + j}:${s}:${tf}`)),
    );
    for (const u of units) {
      expect(u.status).toBe('completed');
      expect(u.bars_fetched).toBe(expected.bySeries.get(`${u.symbol}|${u.timeframe}`));
      expect(u.bars_inserted).toBe(u.bars_fetched);
    }
    // 120 results per response force pagination: the 15m units took several pages.
    expect(units.filter((u) => u.timeframe === '15m').every((u) => u.pages > 1)).toBe(true);

    // Web UI friendliness: search attributes and activity ids naming the unit.
    const desc = await handle.describe();
    expect(desc.searchAttributes).toMatchObject({ BackfillJobId: [jobId], BackfillSymbolsCount: [3], BackfillStatus: ['completed'] });
    const history = await handle.fetchHistory();
    const ids = history.events!.flatMap((e) => (e.activityTaskScheduledEventAttributes?.activityId ? [e.activityTaskScheduledEventAttributes.activityId] : []));
    expect(ids).toContain('unit-0-AAPL-1d');
    expect(ids).toContain('unit-8-X:BTCUSD-15m');

    // The query still answers on a closed workflow (a worker is up).
    expect((await handle.query(progressQuery)).status).toBe('completed');
  });

  it('a second job over the same range fetches everything again and inserts zero new rows', async () => {
    const before = (await stack.db.pool.query('SELECT count(*)::int AS n FROM bars')).rows[0].n;
    const jobId = randomUUID();
    const result = await resultOf(await startBackfill(stack.client, stack.taskQueue, { jobId, ...RANGE, concurrency: 4 }));
    const expected = expectedCounts(RANGE);
    expect(result.status).toBe('completed');
    expect(result.barsFetched).toBe(expected.total);
    expect(result.barsInserted).toBe(0);
    // Identical bars are not corrections: nothing was rewritten.
    expect(result.barsUpdated).toBe(0);
    expect((await stack.db.pool.query('SELECT count(*)::int AS n FROM bars')).rows[0].n).toBe(before);
    const units = await unitRows(stack.db.pool, jobId);
    expect(units.every((u) => u.status === 'completed' && u.bars_inserted === 0)).toBe(true);
  });
});
