// Per-client request limit of the API: a token bucket per API key (else per address), 429 with
// Retry-After and the API's JSON error past it. The middleware on its own clock, then wired into
// the real app (app.request()), then over real HTTP from the server the `npm run api` process runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { createHarness, type Harness } from '../api/harness.js';
import { rateLimit } from '../../src/api/middleware/rate-limit.js';
import { handleError } from '../../src/api/errors.js';
import type { AppEnv } from '../../src/api/context.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startApiServer } from '../../src/api/server.js';

const RECENT = '/api/v1/backfill/recent';

describe('rateLimit middleware', () => {
  it('allows a burst, then the sustained rate, and says when to come back', async () => {
    let t = 1_000_000;
    const app = new Hono<AppEnv>();
    // 60 a minute: one token a second, bursts of 3; clients told apart by a header here.
    app.use(rateLimit({ perMinute: 60, burst: 3, now: () => t, keyOf: (c) => c.req.header('x-client') ?? '' }));
    app.get('/x', (c) => c.text('ok'));
    app.onError(handleError);
    const get = (client = 'a') => app.request('/x', { headers: { 'x-client': client } });

    expect((await Promise.all([get(), get(), get()])).map((r) => r.status)).toEqual([200, 200, 200]);
    const refused = await get();
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    const body = (await refused.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('rate_limited');
    expect(body.error.message).toMatch(/60 a minute.*API_RATE_LIMIT_RPM/);
    // Another client has its own bucket.
    expect((await get('b')).status).toBe(200);

    t += 999;
    expect((await get()).status).toBe(429);
    t += 1;
    expect((await get()).status).toBe(200);
    expect((await get()).status).toBe(429);
    // Refused requests cost nothing: after 2.5 s two tokens are back, not fewer.
    t += 2_500;
    expect((await get()).status).toBe(200);
    expect((await get()).status).toBe(200);
    const third = await get();
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('1');
  });

  it('keeps at most maxClients buckets, forgetting idle ones first', async () => {
    let t = 0;
    const app = new Hono<AppEnv>();
    app.use(rateLimit({ perMinute: 60, burst: 1, maxClients: 10, now: () => t, keyOf: (c) => c.req.header('x-client') ?? '' }));
    app.get('/x', (c) => c.text('ok'));
    app.onError(handleError);
    const get = (client: string) => app.request('/x', { headers: { 'x-client': client } });
    expect((await get('busy')).status).toBe(200);
    for (let i = 0; i < 30; i++) expect((await get(`c${i}`)).status).toBe(200);
    // 'busy' was the oldest and was dropped to make room: it starts again with a full bucket. A
    // client that stays within the memory bound keeps its state.
    expect((await get('busy')).status).toBe(200);
    expect((await get('busy')).status).toBe(429);
    t += 1_000;
    expect((await get('busy')).status).toBe(200);
  });
});

describe('the API with a request limit', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ label: 'apirl', env: { API_KEYS: 'key-one-0123456789,key-two-0123456789', LOG_LEVEL: 'silent' } });
  });
  afterAll(() => h?.close());
  const auth = (k: string) => ({ authorization: `Bearer ${k}` });

  it('counts each API key separately, leaves health checks alone, and can be turned off', async () => {
    const app = h.makeApp({ env: { API_RATE_LIMIT_RPM: '30', API_RATE_LIMIT_BURST: '2' } });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await app.request(RECENT, { headers: auth('key-one-0123456789') })).status);
    expect(statuses).toEqual([200, 200, 429]);
    const refused = await app.request(RECENT, { headers: auth('key-one-0123456789') });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(2);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
    expect((await app.request(RECENT, { headers: auth('key-two-0123456789') })).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await app.request('/healthz')).status).toBe(200);

    const unlimited = h.makeApp({ env: { API_RATE_LIMIT_RPM: '0', API_RATE_LIMIT_BURST: '1' } });
    for (let i = 0; i < 20; i++) expect((await unlimited.request(RECENT, { headers: auth('key-one-0123456789') })).status).toBe(200);
  });

  it('by default lets a busy client through (the dev stack and tests stay well under it)', async () => {
    expect(h.config.API_RATE_LIMIT_RPM).toBeGreaterThan(0);
    const answers = await Promise.all(Array.from({ length: 500 }, () => h.app.request(RECENT, { headers: auth('key-one-0123456789') })));
    expect(answers.every((r) => r.status === 200)).toBe(true);
  });

  it('refuses an address past its limit over real HTTP', async () => {
    const config = loadConfig({ DATABASE_URL: h.db.url, TEMPORAL_ADDRESS: '127.0.0.1:1', API_HOST: '127.0.0.1', API_PORT: '0', API_RATE_LIMIT_RPM: '6', API_RATE_LIMIT_BURST: '2', LOG_LEVEL: 'silent' });
    const api = await startApiServer(config, createLogger(config));
    try {
      const got = [];
      // No API_KEYS: a made-up bearer token per request does not buy a fresh bucket.
      for (let i = 0; i < 3; i++) got.push(await fetch(`${api.url}${RECENT}`, { headers: { authorization: `Bearer made-up-${i}` } }));
      expect(got.map((r) => r.status)).toEqual([200, 200, 429]);
      // 6 a minute: the next token is 10 s away.
      expect(got[2]!.headers.get('retry-after')).toMatch(/^(9|10)$/);
      expect(got[2]!.headers.get('content-type')).toMatch(/application\/json/);
      expect(((await got[2]!.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
    } finally {
      await api.close();
    }
  });
});
