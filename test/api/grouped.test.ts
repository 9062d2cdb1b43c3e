// Grouped daily through the real stack (API app, Temporal dev server, in-process worker, simulator,
// Postgres), issue 13: `strategy: auto` picks grouped for a 500-symbol daily job over 20 sessions,
// the dry run shows it, and the job makes at most 25 requests (exactly the 20 planned), storing the
// per-ticker daily bars of every symbol with one unit per symbol.
import { describe, expect, it } from 'vitest';
import { BarSource, expectedBars } from '../../src/polygon-sim/index.js';
import type { BackfillPlan } from '../../src/api/plan-schema.js';
import type { BackfillStarted } from '../../src/api/schemas.js';
import { countJobs, errorOf, readJson } from './harness.js';
import { useSimStack } from './sim-stack.js';

// 500 distinct US-stock tickers (QAAA, QAAB, ...); 2024-05-01..2024-05-29 holds 20 XNYS sessions.
const SYMBOLS = Array.from({ length: 500 }, (_, i) => `Q${[2, 1, 0].map((k) => String.fromCharCode(65 + (Math.floor(i / 26 ** k) % 26))).join('')}`);
const REQUEST = { symbols: SYMBOLS, timeframes: ['1d'], start_date: '2024-05-01', end_date: '2024-05-29' };

const stack = useSimStack({ label: 'grouped', sim: { universe: SYMBOLS } });

const { post } = stack;

describe('strategy on POST /api/v1/backfill', () => {
  it('the dry run shows auto choosing grouped daily (20 requests instead of 500), per_ticker on request, and refuses grouped where it cannot apply', async () => {
    const auto = await readJson<BackfillPlan>(await post({ ...REQUEST, dry_run: true }));
    expect(auto.strategy).toBe('grouped');
    expect(auto.grouped).toEqual({ timeframe: '1d', symbols: 500, sessions: 20, requests: 20, sessions_skipped: 0, requests_saved: 0 });
    expect(auto.total.requests).toBe(20);
    expect(auto.units.every((u) => u.strategy === 'grouped' && u.requests === 0)).toBe(true);

    const per = await readJson<BackfillPlan>(await post({ ...REQUEST, strategy: 'per_ticker', dry_run: true }));
    expect(per).toMatchObject({ strategy: 'per_ticker', grouped: null, total: { requests: 500 } });
    // The query-string form takes it too.
    const q = new URLSearchParams({ symbols: 'AAPL,MSFT', start_date: '2024-05-01', end_date: '2024-05-02', strategy: 'grouped', dry_run: 'true' });
    expect(await readJson<BackfillPlan>(await stack.h.app.request(`/api/v1/backfill?${q}`, { method: 'POST' }))).toMatchObject({ strategy: 'grouped', total: { requests: 2 } });
    // Few symbols over many sessions: auto stays per ticker.
    expect(await readJson<BackfillPlan>(await post({ symbols: ['AAPL', 'MSFT'], start_date: '2024-01-02', end_date: '2024-12-31', dry_run: true }))).toMatchObject({
      strategy: 'per_ticker',
      total: { requests: 2 },
    });
    // Auto never picks grouped where it cannot apply (crypto in the job).
    expect(await readJson<BackfillPlan>(await post({ ...REQUEST, symbols: [...SYMBOLS.slice(0, 40), 'X:BTCUSD'], dry_run: true }))).toMatchObject({ strategy: 'per_ticker' });

    for (const bad of [
      { ...REQUEST, strategy: 'cheapest' },
      { ...REQUEST, symbols: ['AAPL', 'X:BTCUSD'], strategy: 'grouped' },
      { ...REQUEST, timeframes: ['1h'], strategy: 'grouped' },
      { ...REQUEST, strategy: 'grouped', validation: 'strict' },
    ]) {
      const res = await post(bad);
      expect(res.status, JSON.stringify(bad).slice(-80)).toBe(400);
      expect((await errorOf(res)).field).toBe('strategy');
    }
    expect(await countJobs(stack.h.db.pool)).toBe(0);
  });

  it('a 500-symbol daily job over 20 sessions makes at most 25 requests with auto (the 20 planned) and stores every symbol its per-ticker bars', async () => {
    const before = stack.sim.stats().requests;
    const res = await post(REQUEST);
    expect(res.status).toBe(202);
    const started = await readJson<BackfillStarted>(res);
    expect(started.estimate.requests).toBe(20);
    const result = await stack.h.client.workflow.getHandle(started.workflow_id).result();
    expect(result.status).toBe('completed');
    expect(result.counts).toEqual({ pending: 0, running: 0, completed: 500, failed: 0, cancelled: 0 });
    const made = stack.sim.stats().requests - before;
    expect(made).toBeLessThanOrEqual(25);
    expect(made).toBe(20);

    const { rows } = await stack.h.db.pool.query<{ status: string; n: number; pages: number }>(
      `SELECT status, count(*)::int AS n, min(pages)::int AS pages FROM job_units WHERE job_id = $1 GROUP BY status`,
      [started.job_id],
    );
    expect(rows).toEqual([{ status: 'completed', n: 500, pages: 20 }]);
    const stored = await stack.h.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM bars`);
    expect(stored.rows[0]!.n).toBe(500 * 20);
    expect(result.barsInserted).toBe(500 * 20);
    // A sample, value for value, against the per-ticker daily bars the simulator serves.
    const source = new BarSource();
    for (const symbol of SYMBOLS.filter((_, i) => i % 50 === 7)) {
      const want = expectedBars(symbol, '1d', REQUEST.start_date, REQUEST.end_date, true, source);
      const got = await stack.h.db.pool.query(
        `SELECT (extract(epoch FROM ts) * 1000)::float8 AS t, open AS o, high AS h, low AS l, close AS c, volume AS v, vwap AS vw, trades AS n
           FROM bars_by_symbol WHERE symbol = $1 AND timeframe = '1d' AND adjusted ORDER BY ts`,
        [symbol],
      );
      expect(got.rows, symbol).toEqual(want.map((b) => ({ ...b, vw: b.vw ?? null, n: b.n ?? null })));
    }
  }, 180_000);
});

/** Posts the job and runs it to completion: its status and the Polygon requests it made. */
const run = (body: object) => stack.run(() => post(body));

describe('grouped daily with reprocess "missing"', () => {
  // 12 symbols over 2024-06-03..06-14 (10 XNYS sessions). Held beforehand: 06-03..06-07 for all 12,
  // 06-10 and 06-11 for 11 of them; so 5 days are held by every symbol and 5 are to fetch.
  const S = SYMBOLS.slice(0, 12);
  const JOB = { symbols: S, timeframes: ['1d'], start_date: '2024-06-03', end_date: '2024-06-14', strategy: 'grouped' };

  it('skips the session days held final for every symbol, fetches a day held for only some, and reports the skipped days per unit and in total', async () => {
    expect((await run({ ...JOB, end_date: '2024-06-07' })).requests).toBe(5);
    expect((await run({ ...JOB, symbols: S.slice(0, 11), start_date: '2024-06-10', end_date: '2024-06-11' })).requests).toBe(2);

    const p = await readJson<BackfillPlan>(await post({ ...JOB, dry_run: true }));
    expect(p.strategy).toBe('grouped');
    expect(p.grouped).toEqual({ timeframe: '1d', symbols: 12, sessions: 5, requests: 5, sessions_skipped: 5, requests_saved: 5 });
    expect(p.total).toMatchObject({ requests: 5, sessions: 12 * 5, sessions_skipped: 12 * 5, requests_saved: 5 });
    expect(p.units.map((u) => [u.symbol, u.sessions, u.sessions_held, u.sessions_skipped])).toEqual(S.map((s, i) => [s, 5, i < 11 ? 7 : 5, 5]));

    const { status, requests } = await run(JOB);
    // Exactly (sessions - held by all) requests at the simulator: the dry run's count.
    expect(requests).toBe(10 - 5);
    expect(requests).toBe(p.total.requests);
    expect(status).toMatchObject({ status: 'completed', reprocess: 'missing', sessions_skipped: 12 * 5, requests_saved: 5 });
    expect(status.details.map((u) => [u.symbol, u.status, u.pages, u.pages_planned, u.sessions_skipped, u.requests_saved])).toEqual(S.map((s) => [s, 'completed', 5, 5, 5, 5]));
    // The symbol that lacked 06-10 and 06-11 has them now: every symbol holds all 10 sessions.
    const { rows } = await stack.h.db.pool.query<{ symbol: string; n: number }>(
      `SELECT symbol, count(*)::int AS n FROM bars_by_symbol WHERE symbol = ANY($1) AND timeframe = '1d' AND adjusted AND ts >= '2024-06-03' AND ts < '2024-06-15' GROUP BY symbol ORDER BY symbol`,
      [S],
    );
    expect(rows).toEqual(S.map((symbol) => ({ symbol, n: 10 })));
    // New: 06-12..06-14 for all 12, and the 12th symbol's 06-10 and 06-11; the other 11 symbols'
    // 06-10/06-11 bars came again unchanged.
    expect(status.total_records_inserted).toBe(12 * 3 + 2);
    expect(status.total_records_fetched).toBe(12 * 5);
  }, 180_000);

  it('a range held for every symbol makes no request and completes; reprocess "all" fetches every day again and inserts nothing', async () => {
    const none = await run(JOB);
    expect(none.requests).toBe(0);
    expect(none.status).toMatchObject({ status: 'completed', progress_pct: 100, total_records_fetched: 0, sessions_skipped: 12 * 10, requests_saved: 10 });
    expect(none.status.details.every((u) => u.status === 'completed' && u.sessions_skipped === 10 && u.pages === 0)).toBe(true);

    // The raw series are other series: none of their days is held, all are fetched.
    expect((await run({ ...JOB, adjusted: false })).requests).toBe(10);

    const p = await readJson<BackfillPlan>(await post({ ...JOB, reprocess: 'all', dry_run: true }));
    expect(p.grouped).toEqual({ timeframe: '1d', symbols: 12, sessions: 10, requests: 10, sessions_skipped: 0, requests_saved: 0 });
    const all = await run({ ...JOB, reprocess: 'all' });
    expect(all.requests).toBe(10);
    expect(all.status).toMatchObject({ status: 'completed', reprocess: 'all', sessions_skipped: 0, requests_saved: 0, total_records_fetched: 12 * 10, total_records_inserted: 0 });
  }, 180_000);
});
