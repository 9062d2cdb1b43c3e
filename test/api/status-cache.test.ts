// Why fifty pollers of one job stay fast: they share one computation of its status (single
// flight), and while a refresh runs they get the previous answer instead of waiting for it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSingleFlight } from '../../src/api/single-flight.js';
import { createApp } from '../../src/api/app.js';
import { createLogger } from '../../src/logger.js';
import type { Pool } from '../../src/db/pool.js';
import type { JobStatusResponse } from '../../src/api/schemas.js';
import { createHarness, gridUnits, openWorkflowFor, readJson, seedJob, type Harness } from './harness.js';

describe('createSingleFlight', () => {
  const deferred = <T>() => {
    let resolve!: (v: T) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
    return { promise, resolve, reject };
  };

  it('shares one load among concurrent callers and reuses it until it expires', async () => {
    let now = 0;
    let loads = 0;
    const cache = createSingleFlight<number>({ ttlMs: () => 100, clock: () => now });
    const load = () => Promise.resolve(++loads);
    expect(await Promise.all([cache.get('a', load), cache.get('a', load), cache.get('a', load)])).toEqual([1, 1, 1]);
    now = 99;
    expect(await cache.get('a', load)).toBe(1);
    now = 101;
    expect(await cache.get('a', load)).toBe(2);
    expect(await cache.get('b', load)).toBe(3);
    cache.delete('a');
    expect(await cache.get('a', load)).toBe(4);
  });

  it('serves the previous value while a refresh runs, within the stale window only', async () => {
    let now = 0;
    const cache = createSingleFlight<string>({ ttlMs: () => 100, staleMs: 300, clock: () => now });
    expect(await cache.get('k', () => Promise.resolve('v1'))).toBe('v1');
    now = 150;
    const slow = deferred<string>();
    // Stale and a refresh starts: the caller is not kept waiting.
    expect(await cache.get('k', () => slow.promise)).toBe('v1');
    // A second caller joins the same refresh, still answered at once.
    expect(await cache.get('k', () => Promise.resolve('never'))).toBe('v1');
    slow.resolve('v2');
    await slow.promise;
    expect(await cache.get('k', () => Promise.resolve('never'))).toBe('v2');
    // Too old to serve: wait for the fresh value.
    now = 1_000;
    expect(await cache.get('k', () => Promise.resolve('v3'))).toBe('v3');
  });

  it('does not cache failures; a later caller loads again', async () => {
    const cache = createSingleFlight<string>({ ttlMs: () => 1_000 });
    await expect(cache.get('k', () => Promise.reject(new Error('db down')))).rejects.toThrow('db down');
    expect(await cache.get('k', () => Promise.resolve('ok'))).toBe('ok');
  });

  it('keeps failures of the progress query longer than answers (by value)', async () => {
    let now = 0;
    const cache = createSingleFlight<string | null>({ ttlMs: (v) => (v === null ? 3_000 : 250), clock: () => now });
    expect(await cache.get('job', () => Promise.resolve(null))).toBeNull();
    now = 2_000;
    expect(await cache.get('job', () => Promise.resolve('live'))).toBeNull();
    now = 3_001;
    expect(await cache.get('job', () => Promise.resolve('live'))).toBe('live');
  });
});

describe('status under fifty concurrent pollers', () => {
  let h: Harness;
  let jobId: string;
  let queries = 0;
  let app: ReturnType<typeof createApp>;

  beforeAll(async () => {
    h = await createHarness({ label: 'apistatus' });
    const symbols = Array.from({ length: 2_500 }, (_, i) => `P${i}`);
    jobId = await seedJob(h.db.pool, {
      status: 'running',
      symbols,
      timeframes: ['1m', '5m', '1h', '1d'],
      units: gridUnits(symbols, ['1m', '5m', '1h', '1d'], (i) => (i < 6_000 ? 'completed' : i < 6_010 ? 'running' : i % 50 === 0 ? 'failed' : 'pending')),
    });
    await openWorkflowFor(h, jobId);
    // Counts every statement the app sends, to see how many polls share one computation.
    const counting = { query: (...args: Parameters<Pool['query']>) => (queries++, (h.db.pool.query as (...a: unknown[]) => unknown)(...args)) } as unknown as Pool;
    app = createApp({ config: h.config, pool: counting, temporal: h.client, logger: createLogger({ LOG_LEVEL: 'silent' }) });
  });
  afterAll(async () => {
    await h?.close();
  });

  const poll = async () => {
    const t = performance.now();
    const res = await app.request(`/api/v1/backfill/status/${jobId}`);
    const body = await readJson<JobStatusResponse>(res);
    return { ms: performance.now() - t, status: res.status, body };
  };

  it('fifty simultaneous polls cost one computation (one job read, four unit queries, the quality query)', async () => {
    queries = 0;
    const answers = await Promise.all(Array.from({ length: 50 }, poll));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(new Set(answers.map((a) => a.body.timestamp)).size).toBe(1);
    expect(answers[0]!.body.units).toEqual({ total: 10_000, pending: 3_911, running: 10, completed: 6_000, failed: 79, cancelled: 0 });
    expect(queries).toBe(6);
  });

  it('keeps answering from the shared answer round after round, refreshing it at most every 250 ms', async () => {
    queries = 0;
    for (let round = 0; round < 20; round++) {
      const answers = await Promise.all(Array.from({ length: 50 }, poll));
      for (const a of answers) {
        expect(a.status).toBe(200);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    // About 2 s of polling at 20 rounds/s: a refresh each 250 ms, not one per poll.
    expect(queries).toBeLessThanOrEqual(6 * 12);
    // Latency is a benchmark figure (npm run bench, figure 6), never a test assertion.
  });
});
