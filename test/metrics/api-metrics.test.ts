// The API's request metrics through app.request(): labels are matched route patterns (bounded),
// requests no route answered share one `unmatched` series, /status lookups say hit or miss, and
// /metrics exists only when the app was given metrics.
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createApiMetrics } from '../../src/metrics/api-metrics.js';
import { createTestDatabase, temporalAddress, type TestDatabase } from '../helpers/env.js';
import { parseSamples, total } from './scrape.js';

let db: TestDatabase;
let connection: Connection;
let app: ReturnType<typeof createApp>;
let bare: ReturnType<typeof createApp>;

beforeAll(async () => {
  db = await createTestDatabase('apimetrics');
  connection = await Connection.connect({ address: temporalAddress() });
  const config = loadConfig({ DATABASE_URL: db.url, TEMPORAL_ADDRESS: temporalAddress(), LOG_LEVEL: 'silent' });
  const deps = { config, pool: db.pool, temporal: new Client({ connection }), logger: createLogger(config) };
  app = createApp({ ...deps, metrics: createApiMetrics({ pool: db.pool }) });
  bare = createApp(deps);
});

afterAll(async () => {
  await connection?.close();
  await db?.drop();
});

async function scrape() {
  const res = await app.request('/metrics');
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseSamples(await res.text());
}

describe('API metrics', () => {
  it('counts requests by method, route pattern and status; unknown paths share one series', async () => {
    expect((await app.request('/healthz')).status).toBe(200);
    const jobA = randomUUID();
    const jobB = randomUUID();
    expect((await app.request(`/api/v1/backfill/status/${jobA}`)).status).toBe(404);
    expect((await app.request(`/api/v1/backfill/status/${jobB}`)).status).toBe(404);
    const bad = await app.request('/api/v1/backfill', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"symbols":[]}' });
    expect(bad.status).toBe(400);
    for (const p of ['/nope', `/random/${randomUUID()}`, '/api/v1/nothing-here']) expect((await app.request(p)).status).toBe(404);

    const s = await scrape();
    const req = (labels: Record<string, string>) => total(s, 'backfill_http_requests_total', labels);
    expect(req({ method: 'GET', route: '/healthz', status: '200' })).toBe(1);
    expect(req({ method: 'GET', route: '/api/v1/backfill/status/:job_id', status: '404' })).toBe(2);
    expect(req({ method: 'POST', route: '/api/v1/backfill', status: '400' })).toBe(1);
    expect(req({ route: 'unmatched', status: '404' })).toBe(3);
    // No raw path ever becomes a label value.
    for (const x of s) expect(x.labels.route ?? '', x.name).not.toMatch(/[0-9a-f]{8}-|nope|nothing-here/);
    expect(total(s, 'backfill_http_request_duration_seconds_count', { route: '/api/v1/backfill/status/:job_id' })).toBe(2);
    expect(total(s, 'backfill_pg_pool_connections', { state: 'total' })).toBeGreaterThan(0);
  });

  it('tells status cache hits from loads', async () => {
    const before = await scrape();
    const jobId = randomUUID();
    // Concurrent pollers of one job share one load; the rest are hits.
    const answers = await Promise.all(Array.from({ length: 5 }, () => app.request(`/api/v1/backfill/status/${jobId}`)));
    expect(answers.map((r) => r.status)).toEqual([404, 404, 404, 404, 404]);
    const after = await scrape();
    const delta = (result: string) => total(after, 'backfill_status_cache_lookups_total', { result }) - total(before, 'backfill_status_cache_lookups_total', { result });
    expect(delta('miss')).toBe(1);
    expect(delta('hit')).toBe(4);
  });

  it('serves /metrics only when the app was given metrics', async () => {
    expect((await bare.request('/metrics')).status).toBe(404);
  });
});
