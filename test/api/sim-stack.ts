// The real stack for request-counting API tests, set up once: the API app (harness), the Temporal
// dev server, an in-process worker and a simulator whose request counter the tests read.
import { afterAll, beforeAll, expect } from 'vitest';
import { startPolygonSim, type PolygonSim } from '../../src/polygon-sim/index.js';
import type { BackfillStarted, JobStatusResponse } from '../../src/api/schemas.js';
import { startTestWorker, type TestWorker } from '../helpers/worker.js';
import { createHarness, jsonHeaders, readJson, type Harness } from './harness.js';

type SimOptions = Parameters<typeof startPolygonSim>[0];

export interface SimStack {
  readonly h: Harness;
  readonly sim: PolygonSim;
  post(body: unknown): Promise<Response>;
  /** Starts a job, waits for its workflow to complete; its status and the Polygon requests it made. */
  run(start: () => Response | Promise<Response>): Promise<{ status: JobStatusResponse; requests: number }>;
}

export function useSimStack(opts: { label: string; env?: Record<string, string>; sim?: SimOptions }): SimStack {
  let h: Harness | undefined;
  let sim: PolygonSim | undefined;
  let worker: TestWorker | undefined;
  beforeAll(async () => {
    [h, sim] = await Promise.all([createHarness({ label: opts.label, env: opts.env }), startPolygonSim(opts.sim)]);
    worker = await startTestWorker({ db: h.db, taskQueue: h.taskQueue, polygonBaseUrl: sim.url });
  });
  afterAll(async () => {
    await worker?.stop();
    await sim?.close();
    await h?.close();
  });
  const need = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error('the stack is used before beforeAll ran');
    return v;
  };
  const stack: SimStack = {
    get h() {
      return need(h);
    },
    get sim() {
      return need(sim);
    },
    post: async (body) => stack.h.app.request('/api/v1/backfill', { method: 'POST', headers: jsonHeaders(), body: JSON.stringify(body) }),
    async run(start) {
      const before = stack.sim.stats().requests;
      const res = await start();
      expect(res.status).toBe(202);
      const started = await readJson<BackfillStarted>(res);
      const result = await stack.h.client.workflow.getHandle(started.workflow_id).result();
      expect(result.status).toBe('completed');
      const requests = stack.sim.stats().requests - before;
      const status = await readJson<JobStatusResponse>(await stack.h.app.request(`/api/v1/backfill/status/${started.job_id}`));
      return { status, requests };
    },
  };
  return stack;
}
