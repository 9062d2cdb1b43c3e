// Grouped daily through the workflow (issue 13): one request per session day for all the job's 1d
// symbols stores exactly the rows the per-ticker strategy stores; units stay per symbol; a failed
// day fails the grouped units with its reason and a retry re-runs that day alone.
import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { useWorkflowStack } from '../helpers/workflow-stack.js';
import { resultOf, startBackfill } from '../helpers/worker.js';
import { progressQuery, retryFailedUpdate, workflowIdForJob, type BackfillInput } from '../../workflows/messages.js';
import { BackfillWorkflow } from '../../workflows/backfill.js';
import { CalendarSet } from '../../src/calendar/index.js';
import type { Pool } from '../../src/db/pool.js';
import { jobRow, unitRows, waitFor } from './support.js';

const SYMBOLS = Array.from({ length: 12 }, (_, i) => `G${String.fromCharCode(65 + i)}X`);
const RANGE = { symbols: SYMBOLS, timeframes: ['1d'], startDate: '2024-05-01', endDate: '2024-05-31' };
const SESSIONS = new CalendarSet().get('XNYS').sessionCount(RANGE.startDate, RANGE.endDate);

async function snapshot(pool: Pool) {
  const bars = await pool.query(`SELECT symbol, timeframe, adjusted, ts, open, high, low, close, volume, vwap, trades FROM bars_by_symbol ORDER BY symbol, ts`);
  const ledger = await pool.query(
    `SELECT s.symbol, c.day::text, c.state, c.bars, c.first_bar FROM coverage_days c JOIN series s USING (series_id) WHERE c.session ORDER BY s.symbol, c.day`,
  );
  return { bars: bars.rows, ledger: ledger.rows };
}

describe('grouped daily', () => {
  let perTickerRows: Awaited<ReturnType<typeof snapshot>> | undefined;
  // GHX is missing from the answer on one session: a fetched day with no bar for that series only.
  const stack = useWorkflowStack('grouped', { sim: { universe: SYMBOLS, tickers: { GHX: { missingSessions: ['2024-05-15'] } } } });

  it('stores exactly the rows per_ticker stores, with one request per session day instead of one per symbol', async () => {
    const pool = stack.db.pool;
    let before = stack.sim.stats().requests;
    const perTicker = await resultOf(await startBackfill(stack.client, stack.taskQueue, { jobId: randomUUID(), ...RANGE }));
    expect(perTicker.status).toBe('completed');
    const perTickerRequests = stack.sim.stats().requests - before;
    const a = await snapshot(pool);
    expect(a.bars.length).toBe(SYMBOLS.length * SESSIONS - 1);

    await pool.query(`DELETE FROM bars; DELETE FROM coverage_days`);
    before = stack.sim.stats().requests;
    const jobId = randomUUID();
    const grouped = await resultOf(await startBackfill(stack.client, stack.taskQueue, { jobId, ...RANGE, strategy: 'grouped' }));
    const groupedRequests = stack.sim.stats().requests - before;
    expect(grouped.status).toBe('completed');
    expect(grouped.counts).toEqual({ pending: 0, running: 0, completed: SYMBOLS.length, failed: 0, cancelled: 0 });
    const b = await snapshot(pool);
    perTickerRows = a;
    expect(b.bars).toEqual(a.bars);
    expect(b.ledger).toEqual(a.ledger);
    expect(b.ledger.find((r: { symbol: string; day: string }) => r.symbol === 'GHX' && r.day === '2024-05-15')).toMatchObject({ state: 'no_bars', bars: 0 });
    expect(groupedRequests).toBe(SESSIONS);
    expect(perTickerRequests).toBeGreaterThanOrEqual(SYMBOLS.length);
    // Units stay per symbol: one page per session day each, its own bars counted.
    const units = await unitRows(pool, jobId);
    expect(units).toHaveLength(SYMBOLS.length);
    for (const u of units) {
      expect(u).toMatchObject({ status: 'completed', timeframe: '1d', pages: SESSIONS, error_code: null });
      expect(Number(u.bars_fetched)).toBe(u.symbol === 'GHX' ? SESSIONS - 1 : SESSIONS);
    }
    expect(grouped.barsInserted).toBe(SYMBOLS.length * SESSIONS - 1);
    expect(grouped.barsFetched).toBe(SYMBOLS.length * SESSIONS - 1);
  });

  it('a failed day fails the grouped units with its reason; a retry runs that day alone and completes them', async () => {
    const pool = stack.db.pool;
    await pool.query(`DELETE FROM bars; DELETE FROM coverage_days`);
    // The first session of the range is not in the "plan": that day's request answers 403.
    stack.sim.setOptions({ faults: { notAuthorizedBefore: '2024-05-02' } });
    const jobId = randomUUID();
    const handle = await startBackfill(stack.client, stack.taskQueue, { jobId, ...RANGE, retryWindowSeconds: 300, strategy: 'grouped' });
    const waiting = await waitFor('completed_with_errors', async () => {
      const p = await handle.query(progressQuery);
      return p.status === 'failed' && p;
    });
    expect(waiting.counts).toMatchObject({ failed: SYMBOLS.length, completed: 0, running: 0 });
    const failed = await unitRows(pool, jobId);
    for (const u of failed) {
      expect(u.status).toBe('failed');
      expect(u.error_code).toBe('not_entitled');
      expect(u.error_message).toContain(`1 of ${SESSIONS} session days failed (grouped daily); first 2024-05-01`);
      expect(u.pages).toBe(SESSIONS - 1);
    }

    stack.sim.setOptions({ faults: { notAuthorizedBefore: undefined } });
    const before = stack.sim.stats().requests;
    // Naming one symbol retries them all: the one request serves every symbol.
    const r = await handle.executeUpdate(retryFailedUpdate, { args: [{ symbols: [SYMBOLS[3]!] }] });
    expect(r.requeued).toBe(SYMBOLS.length);
    const result = await resultOf(handle);
    expect(stack.sim.stats().requests - before).toBe(1);
    expect(result.status).toBe('completed');
    expect(result.counts).toEqual({ pending: 0, running: 0, completed: SYMBOLS.length, failed: 0, cancelled: 0 });
    expect(await snapshot(pool)).toEqual(perTickerRows);
    expect(result.barsFetched).toBe(SYMBOLS.length * SESSIONS - 1);
    for (const u of await unitRows(pool, jobId)) expect(u).toMatchObject({ status: 'completed', pages: SESSIONS, error_code: null });
    expect((await jobRow(pool, jobId))!.status).toBe('completed');
  });

  it('carries its days across continue-as-new: every day once, the units completed with their totals', async () => {
    const pool = stack.db.pool;
    await pool.query(`DELETE FROM bars; DELETE FROM coverage_days`);
    const before = stack.sim.stats().requests;
    const jobId = randomUUID();
    // Five days a run: the month's sessions take several runs, each carrying the days left.
    const result = await resultOf(await startBackfill(stack.client, stack.taskQueue, { jobId, ...RANGE, strategy: 'grouped', maxUnitsPerRun: 5, concurrency: 2 }));
    expect(result.run).toBeGreaterThanOrEqual(Math.ceil(SESSIONS / 5));
    expect(result.status).toBe('completed');
    expect(result.counts).toEqual({ pending: 0, running: 0, completed: SYMBOLS.length, failed: 0, cancelled: 0 });
    expect(stack.sim.stats().requests - before).toBe(SESSIONS);
    expect(result.barsFetched).toBe(SYMBOLS.length * SESSIONS - 1);
    expect(result.barsInserted).toBe(SYMBOLS.length * SESSIONS - 1);
    expect(await snapshot(pool)).toEqual(perTickerRows);
  });

  it('after the workflow closed, a restart with input.retry naming one symbol requeues every grouped unit and fetches only the failed day', async () => {
    const pool = stack.db.pool;
    await pool.query(`DELETE FROM bars; DELETE FROM coverage_days`);
    stack.sim.setOptions({ faults: { notAuthorizedBefore: '2024-05-02' } });
    const jobId = randomUUID();
    const first = await resultOf(await startBackfill(stack.client, stack.taskQueue, { jobId, ...RANGE, strategy: 'grouped', retryWindowSeconds: 0 }));
    expect(first.status).toBe('failed');
    expect(first.counts.failed).toBe(SYMBOLS.length);
    stack.sim.setOptions({ faults: { notAuthorizedBefore: undefined } });
    const before = stack.sim.stats().requests;
    // What the API's POST /retry does for a closed job: same workflow id and input, `retry` set.
    const input: BackfillInput = { jobId, ...RANGE, adjusted: true, concurrency: 4, retryWindowSeconds: 0, strategy: 'grouped', retry: { symbols: [SYMBOLS[0]!] } };
    const again = await resultOf(await stack.client.workflow.start(BackfillWorkflow, { taskQueue: stack.taskQueue, workflowId: workflowIdForJob(jobId), args: [input] }));
    expect(stack.sim.stats().requests - before).toBe(1);
    expect(again.status).toBe('completed');
    expect(again.counts).toEqual({ pending: 0, running: 0, completed: SYMBOLS.length, failed: 0, cancelled: 0 });
    expect(again.barsFetched).toBe(SYMBOLS.length * SESSIONS - 1);
    expect(await snapshot(pool)).toEqual(perTickerRows);
    for (const u of await unitRows(pool, jobId)) expect(u).toMatchObject({ status: 'completed', pages: SESSIONS });
  });
});
