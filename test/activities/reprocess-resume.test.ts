// A unit's fetch plan under reprocess "missing" is made once, by its first attempt, and kept: a retry
// resumes from the committed cursor inside the same runs, with the same pages_planned and savings,
// even after the ledger changed under it (its own pages, or another job's). MockActivityEnvironment,
// real Postgres, the real Polygon client and the simulator over HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { Registry } from 'prom-client';
import { useTestDatabase } from '../helpers/env.js';
import { TEST_POLYGON_KEY } from '../helpers/worker.js';
import { createBackfillUnit, type UnitInput } from '../../activities/backfill-unit.js';
import { initJob } from '../../src/db/init-job.js';
import { createRateLimiter } from '../../src/db/rate-limiter.js';
import { createLogger } from '../../src/logger.js';
import { createIngestMetrics } from '../../src/metrics/ingest-metrics.js';
import { PolygonClient, parseDateToDay } from '../../src/polygon/index.js';
import { startPolygonSim, type PolygonSim } from '../../src/polygon-sim/index.js';

// 9 sessions (15 January is a holiday); 2,000 minutes a request: two sessions a window.
const RANGE = { startDate: '2024-01-08', endDate: '2024-01-19', adjusted: true };
const day = (s: string) => parseDateToDay(s)!;
const logger = createLogger({ LOG_LEVEL: 'silent' });

describe('a unit keeps its first fetch plan across attempts', () => {
  const db = useTestDatabase('reprocess-resume');
  let sim: PolygonSim;
  beforeAll(async () => {
    sim = await startPolygonSim({});
  });
  afterAll(() => sim?.close());

  /** Ledger rows for these dates of AAPL 1m, fetched long after they settled (bars stored elsewhere). */
  async function hold(dates: string[]) {
    await db.pool.query(
      `INSERT INTO coverage_days (series_id, day, session, bars, fetched_at)
       SELECT s.series_id, d::date, true, 0, now() FROM series s, unnest($1::text[]) AS d
        WHERE s.symbol = 'AAPL' AND s.timeframe = '1m' AND s.adjusted
       ON CONFLICT (series_id, day) DO UPDATE SET fetched_at = now()`,
      [dates],
    );
  }

  it('a retry resumes inside the same runs, with the same pages_planned and savings, whatever the ledger says by then', async () => {
    const jobId = randomUUID();
    await initJob(db.pool, {
      jobId, workflowId: `backfill-${jobId}`, symbols: ['AAPL'], timeframes: ['1m'],
      canonical: [{ timeframe: '1m', multiplier: 1, timespan: 'minute' }], concurrency: 1, ...RANGE,
    });
    await db.pool.query(`UPDATE jobs SET reprocess = 'missing' WHERE job_id = $1`, [jobId]);
    // 10-11 January are held: the unit fetches 8-9 and 12-19 (two runs).
    await hold(['2024-01-10', '2024-01-11']);

    let n = 0;
    let failAt = 3;
    const limiter = createRateLimiter({ db: db.pool, name: `test-${jobId}`, rpm: 0 });
    const polygon = new PolygonClient({
      baseUrl: sim.url,
      apiKey: TEST_POLYGON_KEY,
      limit: 2_000,
      beforeRequest: async (signal) => {
        await limiter.acquire(signal);
        if (++n === failAt) throw new Error('connection reset (injected)');
      },
    });
    const backfillUnit = createBackfillUnit({
      pool: db.pool, polygon, limiter, logger, metrics: createIngestMetrics(new Registry()),
      config: { UNIT_DEADLINE_SECONDS: 120, UNIT_HEARTBEAT_TIMEOUT_SECONDS: 3 },
    });
    const input: UnitInput = { jobId, unitNo: 0, symbol: 'AAPL', timeframe: '1m', ...RANGE };
    const unit = async () =>
      (
        await db.pool.query(
          `SELECT status, attempts, pages, pages_planned, fetch_runs, sessions_skipped, requests_saved FROM job_units WHERE job_id = $1 AND unit_no = 0`,
          [jobId],
        )
      ).rows[0];
    const barsOn = async (date: string) =>
      (
        await db.pool.query(
          `SELECT count(*)::int AS n FROM bars b JOIN series s USING (series_id)
            WHERE s.symbol = 'AAPL' AND s.timeframe = '1m' AND b.ts >= $1::date::timestamp AT TIME ZONE 'America/New_York'
              AND b.ts < ($1::date + 1)::timestamp AT TIME ZONE 'America/New_York'`,
          [date],
        )
      ).rows[0].n as number;

    // Attempt 1: the third request fails after two pages committed.
    const err = await new MockActivityEnvironment({ heartbeatTimeoutMs: 3_000 }).run(backfillUnit, input).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    const first = await unit();
    const plan = { fetch_runs: [[day('2024-01-08'), day('2024-01-09')], [day('2024-01-12'), day('2024-01-19')]], sessions_skipped: 2 };
    // Whole range: 9 sessions in 5 windows; runs: 8-9 (1 window) and 12, 16-19 (5 sessions, 3 windows).
    expect(first).toMatchObject({ status: 'running', attempts: 1, pages: 2, pages_planned: 4, requests_saved: 1, ...plan });

    // Meanwhile another job stores 16-17 January: the running unit's plan does not change.
    await hold(['2024-01-16', '2024-01-17']);
    failAt = 0;
    const result = (await new MockActivityEnvironment({ heartbeatTimeoutMs: 3_000 }).run(backfillUnit, input)) as { pages: number };
    const done = await unit();
    expect(done).toMatchObject({ status: 'completed', attempts: 2, pages_planned: 4, requests_saved: 1, ...plan });
    expect(result.pages).toBe(done.pages);
    expect(done.pages).toBeGreaterThanOrEqual(4);
    // The held days were never fetched; the days of the plan all were, 16-17 January included.
    expect(await barsOn('2024-01-10')).toBe(0);
    expect(await barsOn('2024-01-11')).toBe(0);
    for (const d of ['2024-01-08', '2024-01-09', '2024-01-12', '2024-01-16', '2024-01-17', '2024-01-19']) expect(await barsOn(d), d).toBeGreaterThan(0);
  });
});
