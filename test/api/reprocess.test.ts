// Reprocess modes through the real stack (API app, Temporal dev server, in-process worker, simulator,
// Postgres), requests counted at the simulator: a stored, final range costs zero Polygon requests and
// says what it saved; `reprocess: "all"` fetches it again and inserts nothing; a partly held range
// fetches exactly what the dry run planned; days fetched before they settled are fetched again.
import { describe, expect, it } from 'vitest';
import type { BackfillPlan } from '../../src/api/plan-schema.js';
import { jsonHeaders, readJson } from './harness.js';
import { useSimStack } from './sim-stack.js';

// AAPL 1m (61 sessions: 2 requests), AAPL 1d and MSFT 1d (1 each); adjusted.
const REQUEST = { symbols: ['AAPL', 'MSFT'], timeframes: ['1m', '1d'], start_date: '2024-01-02', end_date: '2024-03-28', adjusted: true };
const SESSIONS = 61;

const stack = useSimStack({ label: 'reprocess', env: { POLYGON_RATE_LIMIT_RPM: '600' } });

const { post } = stack;
const plan = async (body: object) => readJson<BackfillPlan>(await post({ ...body, dry_run: true }));

const { run } = stack;

describe('reprocess modes', () => {
  let firstInserted = 0;

  it('the first job fetches everything: nothing held, nothing skipped', async () => {
    const p = await plan(REQUEST);
    expect(p.total).toMatchObject({ requests: 6, sessions: SESSIONS * 4, sessions_held: 0, requests_saved: 0 });
    const { status, requests } = await run(() => post(REQUEST));
    expect(requests).toBe(6);
    expect(status).toMatchObject({ reprocess: 'missing', sessions_skipped: 0, requests_saved: 0 });
    firstInserted = status.total_records_inserted;
    expect(firstInserted).toBeGreaterThan(0);
  }, 120_000);

  it('a second identical job makes zero Polygon requests, completes, and reports what it saved per unit and in total', async () => {
    const p = await plan(REQUEST);
    expect(p.total).toMatchObject({ requests: 0, sessions: 0, sessions_held: SESSIONS * 4, sessions_skipped: SESSIONS * 4, requests_saved: 6 });
    expect(p.units.map((u) => [u.symbol, u.timeframe, u.requests, u.sessions_held, u.requests_saved])).toEqual([
      ['AAPL', '1m', 0, SESSIONS, 2],
      ['AAPL', '1d', 0, SESSIONS, 1],
      ['MSFT', '1m', 0, SESSIONS, 2],
      ['MSFT', '1d', 0, SESSIONS, 1],
    ]);
    // The first job gave this installation a measured rate; zero requests take zero seconds at it.
    expect(p.measured.jobs).toBe(1);
    expect(p.measured.requests_per_second).toBeGreaterThan(0);
    expect(p.measured.duration_seconds).toBe(0);

    const { status, requests } = await run(() => post(REQUEST));
    expect(requests).toBe(0);
    expect(status).toMatchObject({ status: 'completed', progress_pct: 100, total_records_fetched: 0, total_records_inserted: 0, sessions_skipped: SESSIONS * 4, requests_saved: 6 });
    expect(status.details.map((u) => [u.symbol, u.timeframe, u.status, u.pages, u.pages_planned, u.sessions_skipped, u.requests_saved])).toEqual([
      ['AAPL', '1m', 'completed', 0, 0, SESSIONS, 2],
      ['AAPL', '1d', 'completed', 0, 0, SESSIONS, 1],
      ['MSFT', '1m', 'completed', 0, 0, SESSIONS, 2],
      ['MSFT', '1d', 'completed', 0, 0, SESSIONS, 1],
    ]);
  }, 120_000);

  it('reprocess "all" (query-string form too) fetches everything again and inserts zero rows', async () => {
    const p = await plan({ ...REQUEST, reprocess: 'all' });
    expect(p.total).toMatchObject({ requests: 6, sessions: SESSIONS * 4, sessions_held: 0, requests_saved: 0 });
    const { status, requests } = await run(() => post({ ...REQUEST, reprocess: 'all' }));
    expect(requests).toBe(6);
    expect(status).toMatchObject({ reprocess: 'all', total_records_inserted: 0, total_records_updated: 0, sessions_skipped: 0, requests_saved: 0 });
    expect(status.total_records_fetched).toBe(firstInserted);

    const q = new URLSearchParams({ symbols: 'AAPL', timeframes: '1d', start_date: REQUEST.start_date, end_date: REQUEST.end_date, reprocess: 'all' });
    const viaQuery = await run(() => stack.h.app.request(`/api/v1/backfill?${q}`, { method: 'POST' }));
    expect(viaQuery.requests).toBe(1);
    expect(viaQuery.status).toMatchObject({ reprocess: 'all', total_records_inserted: 0 });
    const bad = await stack.h.app.request(`/api/v1/backfill?${new URLSearchParams({ symbols: 'AAPL', start_date: REQUEST.start_date, end_date: REQUEST.end_date, reprocess: 'some' })}`, { method: 'POST' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { field: string } }).error.field).toBe('reprocess');
  }, 120_000);

  it('a partly held range makes exactly the planned requests: only the sessions after the held ones', async () => {
    // January to March is held; April 2024 (22 sessions) is new. Minute bars: April alone is one
    // window where the whole range takes two. Adjusted and raw are separate series: raw holds nothing.
    const wider = { symbols: ['AAPL'], timeframes: ['1m', '1d'], start_date: '2024-01-02', end_date: '2024-04-30', adjusted: true };
    const p = await plan(wider);
    expect(p.units.map((u) => [u.timeframe, u.sessions, u.sessions_held, u.sessions_skipped, u.requests, u.requests_saved])).toEqual([
      ['1m', 22, SESSIONS, SESSIONS, 1, 1],
      ['1d', 22, SESSIONS, SESSIONS, 1, 0],
    ]);
    const { status, requests } = await run(() => post(wider));
    expect(requests).toBe(p.total.requests);
    expect(stack.sim.stats().status429).toBe(0);
    expect(status).toMatchObject({ sessions_skipped: SESSIONS * 2, requests_saved: 1 });
    expect(status.total_records_inserted).toBe(status.total_records_fetched);
    expect(status.total_records_fetched).toBeGreaterThan(0);
    // Now the whole range is held for both series.
    expect((await plan(wider)).total).toMatchObject({ requests: 0, sessions_held: 83 * 2 });

    const raw = await plan({ ...REQUEST, symbols: ['MSFT'], adjusted: false });
    expect(raw.total).toMatchObject({ sessions_held: 0, requests: 3 });
  }, 120_000);

  it('days fetched before they settled are not final: fetched again, and final after that', async () => {
    // As if AAPL 1d's 5-7 February had been fetched on each day's evening, before the settle time
    // (11:00 New York the next day).
    await stack.h.db.pool.query(
      `UPDATE coverage_days cd SET fetched_at = (cd.day::timestamp + interval '19 hours') AT TIME ZONE 'America/New_York'
         FROM series s
        WHERE s.series_id = cd.series_id AND s.symbol = 'AAPL' AND s.timeframe = '1d' AND s.adjusted
          AND cd.day BETWEEN '2024-02-05' AND '2024-02-07'`,
    );
    const one = { symbols: ['AAPL'], timeframes: ['1d'], start_date: REQUEST.start_date, end_date: REQUEST.end_date, adjusted: true };
    const p = await plan(one);
    expect(p.units[0]).toMatchObject({ sessions: 3, sessions_held: SESSIONS - 3, requests: 1 });
    const { status, requests } = await run(() => post(one));
    expect(requests).toBe(1);
    expect(status).toMatchObject({ sessions_skipped: SESSIONS - 3, total_records_fetched: 3, total_records_inserted: 0 });
    expect((await plan(one)).total).toMatchObject({ requests: 0, sessions_held: SESSIONS });
  }, 120_000);

  it('COVERAGE_SETTLE_MINUTES moves the settle instant to the extended close (20:00) plus that many minutes', async () => {
    // AAPL 1d's 8 February fetched at 21:00 New York the same evening.
    await stack.h.db.pool.query(
      `UPDATE coverage_days cd SET fetched_at = (cd.day::timestamp + interval '21 hours') AT TIME ZONE 'America/New_York'
         FROM series s
        WHERE s.series_id = cd.series_id AND s.symbol = 'AAPL' AND s.timeframe = '1d' AND s.adjusted AND cd.day = '2024-02-08'`,
    );
    const one = { symbols: ['AAPL'], timeframes: ['1d'], start_date: REQUEST.start_date, end_date: REQUEST.end_date, adjusted: true, dry_run: true };
    const heldWith = async (minutes?: string) => {
      const app = minutes === undefined ? stack.h.app : stack.h.makeApp({ env: { COVERAGE_SETTLE_MINUTES: minutes } });
      const res = await app.request('/api/v1/backfill', { method: 'POST', headers: jsonHeaders(), body: JSON.stringify(one) });
      return (await readJson<BackfillPlan>(res)).total.sessions_held;
    };
    // Default: final from 11:00 the next day, so not yet; 0 or 60 minutes after 20:00: final; 120: not.
    expect(await heldWith()).toBe(SESSIONS - 1);
    expect(await heldWith('0')).toBe(SESSIONS);
    expect(await heldWith('60')).toBe(SESSIONS);
    expect(await heldWith('120')).toBe(SESSIONS - 1);
  });
});
