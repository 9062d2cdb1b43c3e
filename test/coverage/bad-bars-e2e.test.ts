// Issue 12's "the bars are stored anyway", through the real stack (worker, Temporal, Postgres, the
// product's Polygon client against the simulator serving a high<low bar and a repeated timestamp):
// the parser lets both through, the bars table holds every bar (the repeated timestamp once, with
// its first bar's values), the two days are `suspect` with their rules, GET /backfill/{id}/issues
// lists them, and a `strict` job over the same data fails the unit with bad_data. A 1e999 price, a
// negative volume and swapped timestamps are likewise stored (Infinity as float8) and flagged.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { expectedBars } from '../../src/polygon-sim/index.js';
import { temporalAddress } from '../helpers/env.js';
import { useWorkflowStack } from '../helpers/workflow-stack.js';
import { expectLedgerMatchesBars, ledgerStates, runOneSymbolJob } from './ledger-support.js';

const HIGH_BELOW_LOW = { date: '2024-07-08', kind: 'high_below_low' as const, index: 30 };
const DUPLICATE = { date: '2024-07-09', kind: 'ts_duplicate' as const, index: 40 };
const OTHERS = [
  { date: '2024-07-08', kind: 'price_not_finite' as const, index: 100 },
  { date: '2024-07-08', kind: 'volume_invalid' as const, index: 200 },
  { date: '2024-07-09', kind: 'ts_out_of_order' as const, index: 100 },
];
const tickers = { AAPL: { badBars: [HIGH_BELOW_LOW, DUPLICATE] }, MSFT: { badBars: [HIGH_BELOW_LOW, DUPLICATE] }, NVDA: { badBars: OTHERS } };
const range = { timeframes: ['1m'], startDate: '2024-07-08', endDate: '2024-07-09' };

describe('bad bars are stored and flagged, end to end', () => {
  const stack = useWorkflowStack('bad-bars', { sim: { maxResultsPerPage: 500, tickers } });
  const storedBars = async (symbol: string) =>
    (
      await stack.db.pool.query<{ t: number; h: number; l: number }>(
        `SELECT (extract(epoch FROM b.ts) * 1000)::float8 AS t, b.high AS h, b.low AS l
           FROM bars b JOIN series s USING (series_id) WHERE s.symbol = $1 AND s.timeframe = '1m' ORDER BY b.ts`,
        [symbol],
      )
    ).rows;

  it('record: every bar stored (the repeat once), both days suspect with their rules, listed at /issues', async () => {
    const { jobId, result, units } = await run('AAPL', 'record');
    expect(result.status).toBe('completed');
    const clean = expectedBars('AAPL', '1m', range.startDate, range.endDate, true);
    const day9 = clean.findIndex((b) => new Date(b.t).toISOString() >= '2024-07-09T04:00');
    const highBelowLow = clean[HIGH_BELOW_LOW.index]!;
    const repeated = clean[day9 + DUPLICATE.index]!;
    // The simulator serves bar 40 of 07-09 stamped with bar 39's time: that time is stored once
    // (bar 39's values, the first to arrive), bar 40's own time is absent, every other bar is there.
    const stored = await storedBars('AAPL');
    expect(stored.map((b) => b.t)).toEqual(clean.filter((b) => b !== repeated).map((b) => b.t));
    const hbl = stored.find((b) => b.t === highBelowLow.t)!;
    expect(hbl.h < hbl.l).toBe(true);
    expect([hbl.h, hbl.l]).toEqual([highBelowLow.l, highBelowLow.h + Math.max(highBelowLow.h - highBelowLow.l, 0.01)]);
    expect(stored.find((b) => b.t === clean[day9 + DUPLICATE.index - 1]!.t)!.h).toBe(clean[day9 + DUPLICATE.index - 1]!.h);
    // Counted truthfully: every served bar fetched, one fewer stored.
    expect([units[0]!.bars_fetched, units[0]!.bars_inserted]).toEqual([clean.length, clean.length - 1]);
    await expectLedgerMatchesBars(stack.db.pool, 'AAPL', '1m', range.startDate, range.endDate);
    expect(await ledgerStates(stack.db.pool, 'AAPL', '1m')).toEqual({ '2024-07-08': 'suspect', '2024-07-09': 'suspect' });

    const res = await api().request(`/api/v1/backfill/${jobId}/issues`);
    expect(res.status).toBe(200);
    const { issues } = (await res.json()) as { issues: Array<{ symbol: string; ts: string; rule: string }> };
    expect(issues.map((i) => [i.symbol, i.ts, i.rule])).toEqual([
      ['AAPL', new Date(highBelowLow.t).toISOString(), 'high_below_low'],
      ['AAPL', new Date(clean[day9 + DUPLICATE.index - 1]!.t).toISOString(), 'ts_duplicate'],
    ]);
  });

  it('record: a 1e999 high (Infinity in float8), a negative volume and two swapped timestamps are stored and flagged', async () => {
    const { jobId, result } = await run('NVDA', 'record');
    expect(result.status).toBe('completed');
    const clean = expectedBars('NVDA', '1m', range.startDate, range.endDate, true);
    const stored = await storedBars('NVDA');
    expect(stored.map((b) => b.t)).toEqual(clean.map((b) => b.t));
    expect(stored[OTHERS[0]!.index]!.h).toBe(Infinity);
    await expectLedgerMatchesBars(stack.db.pool, 'NVDA', '1m', range.startDate, range.endDate);
    const { rows } = await stack.db.pool.query(`SELECT rule FROM bar_violations WHERE job_id = $1 ORDER BY ts`, [jobId]);
    expect(rows.map((r) => r.rule)).toEqual(['price_not_finite', 'volume_invalid', 'ts_out_of_order']);
  });

  it('strict: the same bars fail the unit with bad_data and store none of the page', async () => {
    const { result, units } = await run('MSFT', 'strict');
    expect(result.status).toBe('failed');
    expect([units[0]!.status, units[0]!.error_code]).toEqual(['failed', 'bad_data']);
    expect(units[0]!.error_message).toMatch(/failed validation: high_below_low at 2024-07-08T/);
    expect((await storedBars('MSFT')).some((b) => b.h < b.l)).toBe(false);
  });

  const run = (symbol: string, validation: 'record' | 'strict') => runOneSymbolJob(stack, symbol, range, validation);
  const api = () => {
    const config = loadConfig({ DATABASE_URL: stack.db.url, TEMPORAL_ADDRESS: temporalAddress(), TEMPORAL_TASK_QUEUE: stack.taskQueue, LOG_LEVEL: 'warn' });
    const sink = new Writable({ write: (_chunk, _enc, cb) => cb() });
    return createApp({ config, pool: stack.db.pool, temporal: stack.client, logger: createLogger(config, { destination: sink }) });
  };
});
