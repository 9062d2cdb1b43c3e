// Reservations in `rate_limiters` reach at most a horizon ahead, so waiters that give up (cancel,
// pause, shutdown) leave nothing that holds back the next request. All figures are read from
// Postgres' clock and the slots it handed out, never from wall-clock arrival times.
import { setMaxListeners } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/env.js';
import { createRateLimiter } from '../../src/db/rate-limiter.js';
import { limiterLeadMs, pgNowMs } from './lead.js';

describe('rate limiter horizon', () => {
  let db: TestDatabase;
  beforeAll(async () => void (db = await createTestDatabase('limiter')));
  afterAll(() => db?.drop());

  it('never reserves beyond the horizon, and aborted waiters leave the next request free to go', async () => {
    const spacing = 1_000;
    const horizon = 2_000;
    const limiter = createRateLimiter({ db: db.pool, name: 'h1', rpm: 60_000 / spacing, horizonMs: horizon });
    const ctl = new AbortController();
    setMaxListeners(30, ctl.signal);
    // 20 requests at 60/min: without a horizon they would reserve 20 s of slots at once.
    const waits = Array.from({ length: 20 }, () => limiter.acquire(ctl.signal).catch((e: unknown) => e));
    // Let every waiter ask at least once (the first grants come at once, then one a second).
    await waitUntil(async () => (await limiterLeadMs(db.pool, 'h1')) > 0);
    await new Promise((r) => setTimeout(r, 500));
    expect(await limiterLeadMs(db.pool, 'h1')).toBeLessThanOrEqual(horizon + spacing + 50);

    ctl.abort(new Error('cancelled'));
    const outcomes = await Promise.all(waits);
    const grants = outcomes.filter((o) => typeof o === 'number');
    expect(outcomes.filter((o) => o instanceof Error && o.message === 'cancelled').length).toBe(20 - grants.length);
    expect(20 - grants.length).toBeGreaterThanOrEqual(15);

    // The next request goes out within the horizon and one spacing (20 s later without a horizon).
    const before = await pgNowMs(db.pool);
    const slot = await limiter.acquire();
    expect(slot! - before).toBeLessThanOrEqual(horizon + spacing + 50);
  });

  it('keeps slots back to back when demand exceeds the horizon', async () => {
    const spacing = 200;
    const limiter = createRateLimiter({ db: db.pool, name: 'h2', rpm: 60_000 / spacing, horizonMs: 1_000 });
    await Promise.all(Array.from({ length: 4 }, () => db.pool.query('SELECT 1')));
    const slots = (await Promise.all(Array.from({ length: 12 }, () => limiter.acquire()))).map(Number).sort((a, b) => a - b);
    slots.slice(1).forEach((s, i) => expect(s - slots[i]!, `gap after slot ${i}`).toBeCloseTo(spacing, 1));
  });

  it('tells the observer of the work that waits without a slot, and when the wait ends', async () => {
    const limiter = createRateLimiter({ db: db.pool, name: 'h3', rpm: 60, horizonMs: 200 });
    const seen: boolean[] = [];
    const quiet: boolean[] = [];
    await limiter.observeWaits((w) => quiet.push(w), () => limiter.acquire());
    // The first request goes at once: nothing to report.
    expect(quiet).toEqual([]);
    await limiter.observeWaits((w) => seen.push(w), () => limiter.acquire());
    expect(seen).toEqual([true, false]);

    // An aborted wait reports its end too, and gives nothing back it did not hold.
    const ctl = new AbortController();
    const aborted: boolean[] = [];
    const p = limiter.observeWaits((w) => aborted.push(w), () => limiter.acquire(ctl.signal));
    setTimeout(() => ctl.abort(new Error('stop')), 100);
    await expect(p).rejects.toThrow('stop');
    expect(aborted).toEqual([true, false]);

    // Nested scopes both hear the waits of the work inside.
    const outer: boolean[] = [];
    const inner: boolean[] = [];
    await limiter.observeWaits((w) => outer.push(w), () => limiter.observeWaits((w) => inner.push(w), () => limiter.acquire()));
    expect([outer, inner]).toEqual([[true, false], [true, false]]);
  });
});

async function waitUntil(cond: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
