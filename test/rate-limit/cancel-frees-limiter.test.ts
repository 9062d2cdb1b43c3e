// Issue 16: a cancelled job used to leave the shared limiter one slot per waiting unit ahead (at
// 6/min, a cancelled 64-unit job held it 650 s ahead), so the next job sat at 0 pages. Real worker,
// Temporal, Postgres and simulator; the figures are the limiter row (Postgres' clock) and the
// simulator's request count.
import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { resultOf, startBackfill, TEST_POLYGON_KEY } from '../helpers/worker.js';
import { DEFAULT_HORIZON_MS } from '../../src/db/rate-limiter.js';
import { rateLimiterName } from '../../src/worker.js';
import { waitFor } from '../workflow/support.js';
import { limiterLeadMs, pgNowMs } from './lead.js';
import { useStack } from './stack.js';

const RPM = 20; // one request every 3 s
const SPACING_MS = 60_000 / RPM;
// 16 units of one request each, all started at once: without a horizon they reserve 48 s of slots.
const WIDE = { symbols: Array.from({ length: 16 }, (_, i) => `W${String(i).padStart(2, '0')}X`), timeframes: ['1d'], startDate: '2024-08-05', endDate: '2024-08-07' };

describe('cancelling a job that waits for the rate limiter', () => {
  const stack = useStack('rlcancel', { config: { POLYGON_RATE_LIMIT_RPM: String(RPM), WORKER_MAX_CONCURRENT_ACTIVITIES: '16' } });
  const limiter = rateLimiterName(TEST_POLYGON_KEY);

  it("leaves the limiter free: the next job's first request goes out within a horizon and one spacing", { timeout: 90_000 }, async () => {
    const { db, sim, client, taskQueue } = stack;
    const wide = await startBackfill(client, taskQueue, { jobId: randomUUID(), ...WIDE, concurrency: 16 });
    // Every unit running (each asked the limiter) and the first request sent.
    await waitFor('16 units running and one request sent', async () => {
      const { rows } = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM job_units WHERE status = 'running'`);
      return rows[0]!.n === 16 && sim.stats().requests >= 1;
    });
    expect(await limiterLeadMs(db.pool, limiter)).toBeLessThanOrEqual(DEFAULT_HORIZON_MS + SPACING_MS + 100);

    await wide.cancel();
    await resultOf(wide).catch(() => undefined);
    const sentByWide = sim.stats().requests;
    // Far fewer than 16 went out: the rest were waiting when the job was cancelled.
    expect(sentByWide).toBeLessThan(8);
    expect(await limiterLeadMs(db.pool, limiter)).toBeLessThanOrEqual(DEFAULT_HORIZON_MS + SPACING_MS + 100);

    const next = await startBackfill(client, taskQueue, { jobId: randomUUID(), symbols: ['AAPL'], timeframes: ['1d'], startDate: '2024-08-05', endDate: '2024-08-07' });
    // Polled on Postgres' clock: when the next job's request reached the simulator, it had waited
    // at most one horizon and one spacing (the slots the cancelled job had already been granted).
    const startedAt = await pgNowMs(db.pool);
    let sentAt = 0;
    await waitFor('the next job sent its request', async () => {
      if (sim.stats().requests <= sentByWide) return false;
      sentAt = await pgNowMs(db.pool);
      return true;
    }, 60_000);
    expect(sentAt - startedAt).toBeLessThanOrEqual(DEFAULT_HORIZON_MS + SPACING_MS + 1_500);
    expect((await resultOf(next)).status).toBe('completed');
    expect(sim.stats().requests).toBe(sentByWide + 1);
  });
});
