// backfillUnit's two ways of stopping early, run in MockActivityEnvironment against real Postgres,
// the real Polygon client and the simulator over HTTP: superseded by a newer attempt (nothing of
// this attempt lands after that), and cancelled by Temporal (it stops at once and records nothing).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { useTestDatabase } from '../helpers/env.js';
import { TEST_POLYGON_KEY } from '../helpers/worker.js';
import { createBackfillUnit, type UnitInput, type UnitResult } from '../../activities/backfill-unit.js';
import { initJob } from '../../src/db/init-job.js';
import { claimUnit } from '../../src/db/unit-attempt.js';
import { createRateLimiter } from '../../src/db/rate-limiter.js';
import { createLogger } from '../../src/logger.js';
import { createIngestMetrics } from '../../src/metrics/ingest-metrics.js';
import { Registry } from 'prom-client';
import { PolygonClient } from '../../src/polygon/index.js';
import { startPolygonSim, type PolygonSim } from '../../src/polygon-sim/index.js';

const RANGE = { startDate: '2024-01-08', endDate: '2024-01-12', adjusted: true };
const logger = createLogger({ LOG_LEVEL: 'silent' });

describe('backfillUnit in MockActivityEnvironment', () => {
  const db = useTestDatabase('unitact');
  let sim: PolygonSim;
  beforeAll(async () => {
    // Small pages and some latency: a unit of 1m bars over a week takes many requests.
    sim = await startPolygonSim({ latencyMs: 150, maxResultsPerPage: 500 });
  });
  afterAll(() => sim?.close());

  /** A one-unit job (AAPL 1m) and the activity, whose Polygon client calls `beforeRequest(n)` before its n-th request. */
  async function setUp(beforeRequest: (n: number, signal?: AbortSignal) => Promise<void>, config: { INGEST_COVERAGE?: boolean } = {}) {
    const jobId = randomUUID();
    await initJob(db.pool, {
      jobId,
      workflowId: `backfill-${jobId}`,
      symbols: ['AAPL'],
      timeframes: ['1m'],
      canonical: [{ timeframe: '1m', multiplier: 1, timespan: 'minute' }],
      concurrency: 1,
      ...RANGE,
    });
    let n = 0;
    // Unlimited (rpm 0), but wired as the worker wires it: every request goes through the limiter.
    const limiter = createRateLimiter({ db: db.pool, name: `test-${jobId}`, rpm: 0 });
    const polygon = new PolygonClient({
      baseUrl: sim.url,
      apiKey: TEST_POLYGON_KEY,
      beforeRequest: async (signal) => {
        await limiter.acquire(signal);
        await beforeRequest(++n, signal);
      },
    });
    const backfillUnit = createBackfillUnit({
      pool: db.pool,
      polygon,
      limiter,
      logger,
      metrics: createIngestMetrics(new Registry()),
      config: { UNIT_DEADLINE_SECONDS: 120, UNIT_HEARTBEAT_TIMEOUT_SECONDS: 3, ...config },
    });
    const input: UnitInput = { jobId, unitNo: 0, symbol: 'AAPL', timeframe: '1m', ...RANGE };
    const unit = async () =>
      (await db.pool.query('SELECT status, attempts, pages, bars_fetched, error_code FROM job_units WHERE job_id = $1 AND unit_no = 0', [jobId])).rows[0];
    const stored = async () => (await db.pool.query('SELECT count(*)::int AS n FROM bars b JOIN series s USING (series_id) WHERE s.symbol = $1', ['AAPL'])).rows[0].n as number;
    return { jobId, input, backfillUnit, unit, stored, requests: () => n };
  }

  it('superseded: once a newer attempt claims the unit, this one stops without writing and fails non-retryably', async () => {
    let takeOver: Promise<number> | undefined;
    const t = await setUp(async (n) => {
      // Before the third request, another attempt (a retry Temporal started elsewhere) claims the
      // unit; what this attempt had committed by then is read right after.
      if (n === 3) takeOver = claimUnit(db.pool, t.jobId, 0).then(async () => (await t.unit()).pages as number);
      await takeOver;
    });
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 3_000 });
    const err = await env.run(t.backfillUnit, t.input).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: 'internal', nonRetryable: true });
    expect((err as Error).message).toMatch(/another attempt owns it now/);
    const u = await t.unit();
    // Nothing was committed after the take-over, and the successor's claim is the unit's state.
    expect(u).toMatchObject({ status: 'running', attempts: 2, pages: await takeOver, error_code: null });
    expect(u.pages).toBeGreaterThanOrEqual(1);
    expect(await t.stored()).toBe(u.bars_fetched);
    // The read-ahead request at the take-over was the last one.
    expect(t.requests()).toBeLessThanOrEqual(4);
  });

  it('cancelled: a cancellation mid-request ends the attempt at once with CancelledFailure and writes nothing', async () => {
    await db.pool.query('TRUNCATE bars');
    let cancelAt: () => void = () => undefined;
    const inFlight = new Promise<void>((resolve) => (cancelAt = resolve));
    const t = await setUp(async (n) => {
      if (n === 2) cancelAt();
    });
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 3_000 });
    const running = env.run(t.backfillUnit, t.input).catch((e: unknown) => e);
    await inFlight;
    const t0 = Date.now();
    env.cancel();
    const err = await running;
    expect(err).toBeInstanceOf(CancelledFailure);
    // The request in flight was aborted, not waited for (the simulator takes 150 ms a response).
    expect(Date.now() - t0).toBeLessThan(2_000);
    const u = await t.unit();
    // What was committed stays; no error was noted (a cancellation is not a failure of the unit).
    expect(u).toMatchObject({ status: 'running', attempts: 1, error_code: null });
    expect(u.pages).toBeLessThanOrEqual(2);
    expect(await t.stored()).toBe(u.bars_fetched);
    // Nothing moves afterwards: no request, no page.
    const requests = t.requests();
    await new Promise((r) => setTimeout(r, 500));
    expect(t.requests()).toBe(requests);
    expect(await t.unit()).toEqual(u);
  });

  it('INGEST_COVERAGE=false (measurement only) stores every bar and no ledger row; the default writes the ledger', async () => {
    await db.pool.query('TRUNCATE bars, coverage_days');
    const ledgerDays = async () =>
      (await db.pool.query(`SELECT count(*)::int AS n FROM coverage_days cd JOIN series s USING (series_id) WHERE s.symbol = 'AAPL' AND s.timeframe = '1m'`)).rows[0].n as number;
    const off = await setUp(async () => undefined, { INGEST_COVERAGE: false });
    const r = (await new MockActivityEnvironment({ heartbeatTimeoutMs: 3_000 }).run(off.backfillUnit, off.input)) as UnitResult;
    expect(r.barsFetched).toBeGreaterThan(0);
    expect(await off.stored()).toBe(r.barsFetched);
    expect(await ledgerDays()).toBe(0);
    const on = await setUp(async () => undefined);
    await new MockActivityEnvironment({ heartbeatTimeoutMs: 3_000 }).run(on.backfillUnit, on.input);
    // 2024-01-08..12: five sessions, each in the ledger.
    expect(await ledgerDays()).toBe(5);
  });
});
