// A unit that waits for the shared rate limiter says so in the API's units and status answers
// (issue 16: a job sat at 0 pages with no word). Real API app, worker, Temporal, Postgres and
// simulator; 6 requests a minute, so the second unit of a job waits 10 s for its slot.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../api/harness.js';
import { startTestWorker, type TestWorker } from '../helpers/worker.js';
import { startPolygonSim, type PolygonSim } from '../../src/polygon-sim/index.js';
import type { BackfillStarted, JobStatusResponse, UnitsPage } from '../../src/api/schemas.js';
import { waitFor } from '../workflow/support.js';

describe('a unit waiting for the rate limiter', () => {
  let h: Harness;
  let sim: PolygonSim;
  let worker: TestWorker;
  beforeAll(async () => {
    [h, sim] = await Promise.all([createHarness({ label: 'rlwait', env: { LOG_LEVEL: 'silent' } }), startPolygonSim({})]);
    worker = await startTestWorker({ db: h.db, taskQueue: h.taskQueue, polygonBaseUrl: sim.url, configOverrides: { POLYGON_RATE_LIMIT_RPM: '6' } });
  });
  afterAll(async () => {
    await worker?.stop();
    await sim?.close();
    await h?.close();
  });

  const get = async <T>(path: string) => (await (await h.app.request(path)).json()) as T;

  it('is marked waiting_for_rate_limit while it waits, and not once it has its slot', { timeout: 60_000 }, async () => {
    const res = await h.app.request('/api/v1/backfill', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ symbols: ['AAPL', 'MSFT'], timeframes: ['1d'], start_date: '2024-08-05', end_date: '2024-08-07', concurrency: 2 }),
    });
    expect(res.status).toBe(202);
    const { job_id } = (await res.json()) as BackfillStarted;

    const seen = await waitFor('one unit waiting for the limiter', async () => {
      const page = await get<UnitsPage>(`/api/v1/backfill/${job_id}/units`);
      return page.units.some((u) => u.waiting_for_rate_limit) ? page : null;
    });
    const waiting = seen.units.filter((u) => u.waiting_for_rate_limit);
    expect(waiting).toHaveLength(1);
    expect(waiting[0]!.status).toBe('running');
    expect(waiting[0]!.pages).toBe(0);
    // The other unit took the first slot: it is not marked.
    expect(seen.units.filter((u) => !u.waiting_for_rate_limit)).toHaveLength(1);
    const status = await get<JobStatusResponse>(`/api/v1/backfill/status/${job_id}`);
    expect(status.details.find((u) => u.unit_no === waiting[0]!.unit_no)?.waiting_for_rate_limit).toBe(true);

    await waitFor('the job to complete', async () => (await get<JobStatusResponse>(`/api/v1/backfill/status/${job_id}`)).status === 'completed', 40_000);
    const done = await get<UnitsPage>(`/api/v1/backfill/${job_id}/units`);
    expect(done.units.map((u) => [u.status, u.waiting_for_rate_limit])).toEqual([
      ['completed', false],
      ['completed', false],
    ]);
    expect(sim.stats().requests).toBe(2);
  });
});
