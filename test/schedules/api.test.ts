// The schedule routes when Temporal is down (503, nothing written anywhere) and as the OpenAPI
// document describes them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countJobs, createHarness, deadTemporalClient, errorOf, jsonHeaders, readJson, type Harness } from '../api/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ label: 'sched-api' });
});
afterAll(() => h?.close());

describe('schedule routes', () => {
  it('Temporal down: every schedule route answers 503 temporal_unavailable and writes nothing', async () => {
    const dead = await deadTemporalClient();
    try {
      const app = h.makeApp({ client: dead.client, temporalTimeouts: { callMs: 300, queryMs: 300, updateMs: 300 } });
      const body = JSON.stringify({ name: 'down-test', symbols: ['AAPL'], spec: 'after_close' });
      const calls: [string, string, string?][] = [
        ['POST', '/api/v1/schedules', body],
        ['GET', '/api/v1/schedules'],
        ['GET', '/api/v1/schedules/down-test'],
        ['POST', '/api/v1/schedules/down-test/trigger'],
        ['POST', '/api/v1/schedules/down-test/pause', '{}'],
        ['DELETE', '/api/v1/schedules/down-test'],
      ];
      for (const [method, path, b] of calls) {
        const res = await app.request(path, { method, ...(b ? { headers: jsonHeaders(), body: b } : {}) });
        expect(res.status, `${method} ${path}`).toBe(503);
        expect((await errorOf(res)).code).toBe('temporal_unavailable');
      }
      expect(await countJobs(h.db.pool)).toBe(0);
      // Bad input is still a 400 before Temporal is asked.
      const bad = await app.request('/api/v1/schedules', { method: 'POST', headers: jsonHeaders(), body: JSON.stringify({ name: 'x', symbols: ['AAPL'], spec: 'nope' }) });
      expect([bad.status, (await errorOf(bad)).field]).toEqual([400, 'spec']);
    } finally {
      await dead.close();
    }
  }, 30_000);

  it('the OpenAPI document describes the request with its limits and defaults', async () => {
    const doc = await readJson<{ components: { schemas: Record<string, { required?: string[]; properties: Record<string, { maximum?: number; minimum?: number; default?: unknown }> }> } }>(
      await h.app.request('/openapi.json'),
    );
    const req = doc.components.schemas.ScheduleRequest!;
    expect(req.required!.sort()).toEqual(['name', 'spec', 'symbols']);
    expect(req.properties.lookback_sessions).toMatchObject({ minimum: 1, maximum: 260, default: 5 });
    expect(req.properties.time_zone).toMatchObject({ default: 'America/New_York' });
    expect(doc.components.schemas.Schedule!.properties).toHaveProperty('next_runs');
  });
});
