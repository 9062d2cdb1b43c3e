// The Polygon rate limit is per key, so the limiter is one row in Postgres shared by every worker.
// The two-worker proof needs a job that makes more requests than the simulator allows in its
// sliding 60 s window, so it cannot take less than a minute: anything shorter would stay under the
// quota even without a limiter, and prove nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { createTestDatabase, uniqueTaskQueue, type TestDatabase } from '../helpers/env.js';
import { connectClient, resultOf, startBackfill, startTestWorker, TEST_POLYGON_KEY, type TestWorker } from '../helpers/worker.js';
import { startPolygonSim, type PolygonSim } from '../../src/polygon-sim/index.js';
import { createPool } from '../../src/db/pool.js';
import { createRateLimiter } from '../../src/db/rate-limiter.js';
import { expectedCounts } from './support.js';

describe('shared rate limiter', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('ratelimit');
  });
  afterAll(() => db?.drop());

  it('spaces grants across limiters on separate pools, aborts waits, and is a no-op at rpm 0', async () => {
    const other = createPool({ connectionString: db.url, max: 4 });
    try {
      const rpm = 1_200; // one grant every 50 ms
      const a = createRateLimiter({ db: db.pool, name: 'k1', rpm });
      const b = createRateLimiter({ db: other, name: 'k1', rpm });
      // Open the pools' connections first: a connect inside the measured window delays a grant.
      await Promise.all([db.pool, other].flatMap((p) => Array.from({ length: 4 }, () => p.query('SELECT 1'))));
      const grants: number[] = [];
      const t0 = performance.now();
      await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).acquire().then(() => grants.push(performance.now() - t0))));
      grants.sort((x, y) => x - y);
      expect(grants.at(-1)! - grants[0]!).toBeGreaterThanOrEqual(29 * 50 - 40);
      // Never early: grant i comes at least i spacings after the first (a grant can be late by a
      // query's latency, so single gaps may shrink, but the schedule itself is never compressed).
      grants.forEach((g, i) => expect(g - grants[0]!, `grant ${i}`).toBeGreaterThanOrEqual(i * 50 - 40));

      // A wait for a slot a second away ends as soon as its signal fires.
      const slow = createRateLimiter({ db: db.pool, name: 'k3', rpm: 60 });
      await slow.acquire();
      const ctl = new AbortController();
      const t2 = performance.now();
      const waiting = slow.acquire(ctl.signal);
      setTimeout(() => ctl.abort(new Error('stop')), 100);
      await expect(waiting).rejects.toThrow('stop');
      expect(performance.now() - t2).toBeLessThan(600);

      const free = createRateLimiter({ db: db.pool, name: 'k2', rpm: 0 });
      const t1 = performance.now();
      await Promise.all(Array.from({ length: 100 }, () => free.acquire()));
      expect(performance.now() - t1).toBeLessThan(50);
    } finally {
      await other.end();
    }
  });

  describe('two workers against a simulator that answers 429 above 60 requests a minute', () => {
    const SIM_RPM = 60;
    const LIMIT_RPM = 57;
    // 31 x 2 units of one request each: 62 requests, more than the simulator's 60 a minute.
    const RANGE = { symbols: Array.from({ length: 31 }, (_, i) => `R${String(i).padStart(2, '0')}Q`), timeframes: ['1d', '1h'], startDate: '2024-08-05', endDate: '2024-08-07' };
    let sim: PolygonSim;
    let workers: TestWorker[] = [];
    let client: Client;
    let closeClient: () => Promise<void>;
    const taskQueue = uniqueTaskQueue('rate');

    beforeAll(async () => {
      sim = await startPolygonSim({ rpm: SIM_RPM, retryAfter: true });
      const opts = { db, taskQueue, polygonBaseUrl: sim.url, configOverrides: { POLYGON_RATE_LIMIT_RPM: String(LIMIT_RPM), WORKER_MAX_CONCURRENT_ACTIVITIES: '8' } };
      workers = await Promise.all([startTestWorker({ ...opts, identity: 'worker-a' }), startTestWorker({ ...opts, identity: 'worker-b' })]);
      ({ client, close: closeClient } = await connectClient());
    });
    afterAll(async () => {
      await Promise.all(workers.map((w) => w.stop()));
      await closeClient?.();
      await sim?.close();
    });

    it('sees no 429 while achieving close to the configured rate, shared by both workers', { timeout: 150_000 }, async () => {
      // Control: the same number of requests without the limiter (another key, another quota) is refused.
      const url = `${sim.url}/v2/aggs/ticker/AAPL/range/1/day/2024-08-05/2024-08-07`;
      const control = await Promise.all(Array.from({ length: 62 }, () => fetch(url, { headers: { authorization: 'Bearer control-key' } }).then((r) => r.status)));
      expect(control.filter((s) => s === 429).length).toBeGreaterThan(0);
      sim.resetStats();

      const jobId = randomUUID();
      const t0 = Date.now();
      const handle = await startBackfill(client, taskQueue, { jobId, ...RANGE, concurrency: 16 });
      const result = await resultOf(handle);
      const seconds = (Date.now() - t0) / 1000;
      const stats = sim.stats();

      expect(result.status).toBe('completed');
      expect(result.barsInserted).toBe(expectedCounts(RANGE).total);
      expect(stats.status429).toBe(0);
      expect(stats.requests).toBe(62);
      // 61 intervals at 57/min take 64.2 s: the two workers shared one budget (two private
      // limiters would have finished in half the time, and been refused).
      const achievedRpm = ((stats.requests - 1) / seconds) * 60;
      expect(achievedRpm).toBeLessThanOrEqual(LIMIT_RPM * 1.01);
      expect(achievedRpm).toBeGreaterThan(LIMIT_RPM * 0.85);

      // Both workers ran units.
      const history = await handle.fetchHistory();
      const identities = new Set(history.events!.flatMap((e) => (e.activityTaskStartedEventAttributes?.identity ? [e.activityTaskStartedEventAttributes.identity] : [])));
      expect([...identities].sort()).toEqual(['worker-a', 'worker-b']);
      expect(TEST_POLYGON_KEY).not.toBe('control-key');
    });
  });
});
