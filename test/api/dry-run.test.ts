// Dry run through the real stack (API app, Temporal dev server, in-process worker, simulator,
// Postgres): the plan starts nothing and writes nothing, and the job started from the same request
// then makes exactly the planned number of Polygon requests, counted at the simulator.
import { describe, expect, it } from 'vitest';
import type { BackfillPlan } from '../../src/api/plan-schema.js';
import type { BackfillStarted } from '../../src/api/schemas.js';
import { countJobs, countWorkflows, errorOf, readJson } from './harness.js';
import { useSimStack } from './sim-stack.js';

const RPM = 600;
// Two calendars (XNYS, CRYPTO), intraday and daily: 1m AAPL is 2 requests (61 sessions x 960
// minutes), 1m X:BTCUSD 3 (88 days x 1,440), the daily units 1 each.
const REQUEST = { symbols: ['AAPL', 'X:BTCUSD'], timeframes: ['1m', '1d'], start_date: '2024-01-02', end_date: '2024-03-29', adjusted: true };

const stack = useSimStack({ label: 'dryrun', env: { POLYGON_RATE_LIMIT_RPM: String(RPM) } });

const { post } = stack;

describe('POST /api/v1/backfill with dry_run', () => {
  it('answers 200 with the plan per unit and in total, and starts nothing, writes nothing, asks Polygon nothing', async () => {
    const before = stack.sim.stats().requests;
    const res = await post({ ...REQUEST, dry_run: true });
    expect(res.status).toBe(200);
    const plan = await readJson<BackfillPlan>(res);
    expect(plan.units.map((u) => [u.symbol, u.timeframe, u.calendar, u.strategy, u.requests])).toEqual([
      ['AAPL', '1m', 'XNYS', 'per_ticker', 2],
      ['AAPL', '1d', 'XNYS', 'per_ticker', 1],
      ['X:BTCUSD', '1m', 'CRYPTO', 'per_ticker', 3],
      ['X:BTCUSD', '1d', 'CRYPTO', 'per_ticker', 1],
    ]);
    const aapl1m = plan.units[0]!;
    expect(aapl1m).toMatchObject({ sessions: 61, min_requests: 2, expected_bars: 61 * 960 });
    expect(plan.units[3]).toMatchObject({ sessions: 88, expected_bars: 88 });
    // Crypto minutes: 2024-03-10 (DST starts) is a 23-hour New York day.
    expect(plan.units[2]).toMatchObject({ sessions: 88, expected_bars: 88 * 1440 - 60 });
    expect(plan.total).toEqual({
      units: 4, requests: 7, min_requests: 7, sessions: 61 * 2 + 88 * 2, expected_bars: 61 * 960 + 61 + (88 * 1440 - 60) + 88,
      sessions_held: 0, sessions_skipped: 0, requests_saved: 0,
    });
    // Nothing has run here yet: no measured throughput.
    expect(plan.measured).toEqual({ requests_per_second: null, jobs: 0, duration_seconds: null });
    expect(plan.reprocess).toBe('missing');
    expect(plan.duration_seconds).toBe(Math.ceil((7 / RPM) * 60));
    expect(plan).toMatchObject({ dry_run: true, page_limit: 50_000, rate_limit_rpm: RPM, date_range: { start_date: REQUEST.start_date, end_date: REQUEST.end_date } });

    const query = new URLSearchParams({ symbols: 'AAPL,X:BTCUSD', timeframes: '1m,1d', start_date: REQUEST.start_date, end_date: REQUEST.end_date, dry_run: 'true' });
    const viaQuery = await stack.h.app.request(`/api/v1/backfill?${query}`, { method: 'POST' });
    expect(viaQuery.status).toBe(200);
    expect(await readJson<BackfillPlan>(viaQuery)).toEqual(plan);

    expect(await countJobs(stack.h.db.pool)).toBe(0);
    expect(await countWorkflows(stack.h.client, stack.h.taskQueue)).toBe(0);
    expect(stack.sim.stats().requests).toBe(before);
  });

  it('validates dry_run like every field: 400 naming it, nothing written', async () => {
    for (const bad of [{ ...REQUEST, dry_run: 'yes' }, { ...REQUEST, dry_run: 1 }]) {
      const res = await post(bad);
      expect(res.status).toBe(400);
      expect((await errorOf(res)).field).toBe('dry_run');
    }
    const q = await stack.h.app.request(`/api/v1/backfill?symbols=AAPL&start_date=2024-01-02&end_date=2024-01-05&dry_run=maybe`, { method: 'POST' });
    expect(q.status).toBe(400);
    expect((await errorOf(q)).field).toBe('dry_run');
    // A dry run of a bad request is refused like the request itself.
    expect((await post({ ...REQUEST, timeframes: ['7x'], dry_run: true })).status).toBe(400);
    expect(await countJobs(stack.h.db.pool)).toBe(0);
  });

  it('the job started from the same request makes exactly the planned number of Polygon requests', async () => {
    const plan = await readJson<BackfillPlan>(await post({ ...REQUEST, dry_run: true }));
    const before = stack.sim.stats().requests;
    const res = await post(REQUEST);
    expect(res.status).toBe(202);
    const started = await readJson<BackfillStarted>(res);
    const result = await stack.h.client.workflow.getHandle(started.workflow_id).result();
    expect(result.status).toBe('completed');
    expect(stack.sim.stats().requests - before).toBe(plan.total.requests);
    expect(stack.sim.stats().status429).toBe(0);
  }, 120_000);
});
