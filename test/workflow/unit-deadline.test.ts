// A unit's deadline is a budget for failing, not for working (issue 16), at small scale on the real
// stack: UNIT_DEADLINE_SECONDS=3, requests spaced by the shared limiter, pages slowed by latency.
// A unit that keeps committing runs well past 3 s and completes; one that commits nothing for 3 s
// (every request a 5xx, or a request that hangs) fails deadline_exceeded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { uniqueTaskQueue, useTestDatabase, type TestDatabase } from '../helpers/env.js';
import { connectClient, resultOf, startBackfill, startTestWorker, type TestWorker } from '../helpers/worker.js';
import { startPolygonSim, type PolygonSim } from '../../src/polygon-sim/index.js';
import { jobRow, unitRows } from './support.js';

const DEADLINE_S = 3;
// Ten daily bars a request: 2024 holds 252 sessions, 26 requests (windows packed by the calendar),
// each one 300 ms of latency after a 400 ms limiter spacing: about 13 s of steady progress for one
// unit, over four times its deadline.
const LONG = { symbols: ['AAPL'], timeframes: ['1d'], startDate: '2024-01-01', endDate: '2024-12-31' };

/** The unit as stored, with what unitRows leaves out: its page plan and how long it ran. */
async function unit(db: TestDatabase, jobId: string) {
  const [row] = await unitRows(db.pool, jobId);
  const { rows } = await db.pool.query<{ pages_planned: number | null; seconds: number }>(
    'SELECT pages_planned, extract(epoch FROM completed_at - started_at)::float8 AS seconds FROM job_units WHERE job_id = $1 AND unit_no = 0',
    [jobId],
  );
  return { ...row!, ...rows[0]! };
}

/** A database, a simulator (300 ms a response) and a worker with these settings, for one describe block. */
function useStack(label: string, configOverrides: Record<string, string>) {
  const db = useTestDatabase(label);
  const taskQueue = uniqueTaskQueue(label);
  const stack: { sim?: PolygonSim; worker?: TestWorker; client?: Client; closeClient?: () => Promise<void> } = {};
  beforeAll(async () => {
    stack.sim = await startPolygonSim({ latencyMs: 300 });
    stack.worker = await startTestWorker({ db, taskQueue, polygonBaseUrl: stack.sim.url, configOverrides: { UNIT_DEADLINE_SECONDS: String(DEADLINE_S), ...configOverrides } });
    const c = await connectClient();
    [stack.client, stack.closeClient] = [c.client, c.close];
  });
  afterAll(async () => {
    await stack.worker?.stop();
    await stack.closeClient?.();
    await stack.sim?.close();
  });
  return { db, taskQueue, client: () => stack.client!, sim: () => stack.sim! };
}

describe('the unit deadline counts time without progress, not time working', () => {
  const { db, taskQueue, client, sim } = useStack('deadline', { POLYGON_RATE_LIMIT_RPM: '150', POLYGON_PAGE_LIMIT: '10' });

  it('a unit that keeps committing pages completes long past UNIT_DEADLINE_SECONDS, its pages planned up front', async () => {
    const jobId = randomUUID();
    const result = await resultOf(await startBackfill(client(), taskQueue, { jobId, ...LONG, concurrency: 1 }));
    expect(result.status).toBe('completed');
    const u = await unit(db, jobId);
    expect(u).toMatchObject({ status: 'completed', attempts: 1, error_code: null });
    expect(u.pages).toBeGreaterThanOrEqual(26);
    expect(u.pages_planned).toBe(u.pages);
    expect(u.seconds).toBeGreaterThan(DEADLINE_S * 2);
  });

  it('a unit whose every request fails retries until it has committed nothing for UNIT_DEADLINE_SECONDS, then fails deadline_exceeded', async () => {
    sim().setOptions({ faults: { errorRate: 1 } });
    try {
      const jobId = randomUUID();
      const result = await resultOf(await startBackfill(client(), taskQueue, { jobId, ...LONG, concurrency: 1 }));
      expect(result.status).toBe('failed');
      expect(result.recentFailures.map((f) => f.code)).toEqual(['deadline_exceeded']);
      const u = await unit(db, jobId);
      expect(u).toMatchObject({ status: 'failed', pages: 0, error_code: 'deadline_exceeded' });
      // The transient errors were retried (1 s, 2 s backoff) before the budget ran out.
      expect(u.attempts).toBeGreaterThanOrEqual(2);
      expect(u.error_message).toMatch(/no page committed for 3 s.*last error: .*(5\d\d|upstream)/i);
      expect((await jobRow(db.pool, jobId))!.status).toBe('failed');
    } finally {
      sim().setOptions({ faults: { errorRate: 0 } });
    }
  });

  it('a unit stalled inside one attempt (a request that hangs) fails deadline_exceeded without waiting for the request', async () => {
    sim().setOptions({ faults: { slowRate: 1, slowMs: 20_000 } });
    try {
      const jobId = randomUUID();
      const result = await resultOf(await startBackfill(client(), taskQueue, { jobId, ...LONG, concurrency: 1 }));
      expect(result.status).toBe('failed');
      const u = await unit(db, jobId);
      expect(u).toMatchObject({ status: 'failed', pages: 0, attempts: 1, error_code: 'deadline_exceeded' });
      expect(u.error_message).toMatch(/no page committed for 3 s.*stalled/);
      expect(u.seconds).toBeLessThan(20);
    } finally {
      sim().setOptions({ faults: { slowRate: 0 } });
    }
  });
});

describe('waiting for the shared rate limiter is work, not failure', () => {
  // Five units share 40 requests a minute: each gets a request every 7.5 s, far past its 3 s
  // budget, yet none of that is time without progress (it would be if the waits counted).
  const { db, taskQueue, client } = useStack('deadline-limiter', { POLYGON_RATE_LIMIT_RPM: '40', POLYGON_PAGE_LIMIT: '10' });

  it('five units queued on the limiter all complete, each waiting longer than its deadline between pages', async () => {
    const jobId = randomUUID();
    // 30 sessions: three windows of ten daily bars each (windows packed by the calendar).
    const range = { symbols: ['AAPL', 'MSFT', 'NVDA', 'AMZN', 'META'], timeframes: ['1d'], startDate: '2024-03-01', endDate: '2024-04-12' };
    const result = await resultOf(await startBackfill(client(), taskQueue, { jobId, ...range, concurrency: 5 }));
    expect(result.counts).toEqual({ pending: 0, running: 0, completed: 5, failed: 0, cancelled: 0 });
    const units = await unitRows(db.pool, jobId);
    expect(units.map((u) => [u.status, u.attempts, u.pages])).toEqual(units.map(() => ['completed', 1, 3]));
    const { rows } = await db.pool.query<{ seconds: number }>(
      'SELECT extract(epoch FROM max(completed_at) - min(started_at))::float8 AS seconds FROM job_units WHERE job_id = $1',
      [jobId],
    );
    // 15 requests 1.5 s apart: the job took at least 20 s, so a unit waited over 3 s between pages.
    expect(rows[0]!.seconds).toBeGreaterThan(20);
  });
});
