// Progress and ETA move within a unit (issue 16), on the real stack: the API in process, a real
// worker, the simulator and a slow shared rate limit. A one-unit job of 26 requests (about 10 s) is
// polled while its unit runs: the answer must show a share strictly between 0 and 100 and an ETA
// (before, a single-unit job sat at 0% with no ETA until its unit closed), and 100 at the end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPolygonSim, type PolygonSim } from '../../src/polygon-sim/index.js';
import type { BackfillStarted, JobStatusResponse } from '../../src/api/schemas.js';
import { startTestWorker, type TestWorker } from '../helpers/worker.js';
import { createHarness, jsonHeaders, readJson, type Harness } from '../api/harness.js';

let h: Harness;
let sim: PolygonSim;
let worker: TestWorker;

beforeAll(async () => {
  [h, sim] = await Promise.all([createHarness({ label: 'unitprogress' }), startPolygonSim({ latencyMs: 200 })]);
  // Ten daily bars a request and 150 requests a minute: one unit of 2024 needs 26 spaced requests.
  worker = await startTestWorker({ db: h.db, taskQueue: h.taskQueue, polygonBaseUrl: sim.url, configOverrides: { POLYGON_RATE_LIMIT_RPM: '150', POLYGON_PAGE_LIMIT: '10' } });
});

afterAll(async () => {
  await worker?.stop();
  await sim?.close();
  await h?.close();
});

const status = async (jobId: string) => readJson<JobStatusResponse>(await h.app.request(`/api/v1/backfill/status/${jobId}`));

describe('a single-unit job under a slow rate limit', () => {
  it('shows progress strictly between 0 and 100 and an ETA while its one unit runs, and 100 at the end', async () => {
    const res = await h.app.request('/api/v1/backfill', {
      method: 'POST',
      headers: jsonHeaders(),
      body: JSON.stringify({ symbols: ['AAPL'], timeframes: ['1d'], start_date: '2024-01-01', end_date: '2024-12-31', concurrency: 1 }),
    });
    expect(res.status).toBe(202);
    const { job_id: jobId } = await readJson<BackfillStarted>(res);

    const seen: JobStatusResponse[] = [];
    const deadline = Date.now() + 90_000;
    let last: JobStatusResponse;
    for (;;) {
      last = await status(jobId);
      if (last.status === 'running' && last.units.running === 1) seen.push(last);
      if (last.status === 'completed' || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(last.status).toBe('completed');
    expect(last.progress_pct).toBe(100);
    expect(last.eta_seconds).toBe(0);

    const within = seen.filter((s) => s.progress_pct > 0 && s.progress_pct < 100 && s.eta_seconds !== null && s.eta_seconds > 0);
    expect(within.length).toBeGreaterThan(2);
    // The share grows with the pages, and the live answer (the workflow's query) carries it too.
    expect(within.some((s) => s.live)).toBe(true);
    const pcts = within.map((s) => s.progress_pct);
    expect(pcts.at(-1)!).toBeGreaterThan(pcts[0]!);
    const unit = within[0]!.details[0]!;
    expect(unit).toMatchObject({ status: 'running', pages_planned: 26 });
    expect(unit.pages).toBeGreaterThan(0);
    expect(unit.pages).toBeLessThan(26);
  });
});
