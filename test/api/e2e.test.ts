// The API as users meet it: `src/api/server.ts` as its own process on a free port (as in
// production, so its event loop is not shared with the test's), a real worker in this process, the
// Polygon simulator, Postgres and the Temporal dev server. A job is started, polled to
// completion, its not-entitled units retried after the simulator is fixed (after the workflow
// closed, and while it waits in its retry window), and another job is paused, resumed and cancelled.
import { execFileSync, spawn } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPolygonSim, type PolygonSim } from '../../src/polygon-sim/index.js';
import type { BackfillStarted, ControlResponse, JobStatusResponse, RecentJobs, RetryResponse, UnitsPage } from '../../src/api/schemas.js';
import { createTestDatabase, temporalAddress, uniqueTaskQueue, type TestDatabase } from '../helpers/env.js';
import { connectClient, startTestWorker, type TestWorker } from '../helpers/worker.js';

// @ts-expect-error plain ESM helper shared with npm scripts, no type declarations
import { ensureTemporalCli } from '../../scripts/temporal-cli.mjs';
import { isFinalJobStatus } from '../../workflows/vocabulary.js';

const API_KEY = 'e2e-api-key-0123456789';

/** The real Temporal CLI, as an operator would use it against the job's workflow. */
function temporalCli(...args: string[]): string {
  return execFileSync(ensureTemporalCli() as string, [...args, '--address', temporalAddress()], { encoding: 'utf8' });
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface RunningApi {
  url: string;
  lines: string[];
  /** SIGTERM, and the exit code of the graceful shutdown. */
  stop(): Promise<number | null>;
}

/** `npm run api` as a child process; resolves once it logs that it listens. */
async function spawnApi(env: Record<string, string>): Promise<RunningApi> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/api/server.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`api did not start:\n${lines.join('\n')}`)), 30_000);
    // Chunks may split lines: keep the tail until its newline arrives.
    const reader = () => {
      let tail = '';
      return (b: Buffer) => {
        const parts = (tail + b.toString()).split('\n');
        tail = parts.pop()!;
        for (const line of parts.filter(Boolean)) {
          lines.push(line);
          if (line.includes('"msg":"api listening"')) {
            clearTimeout(timer);
            resolve((JSON.parse(line) as { url: string }).url);
          }
        }
      };
    };
    child.stdout!.on('data', reader());
    child.stderr!.on('data', reader());
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`api exited (${code}):\n${lines.join('\n')}`));
    });
  });
  return {
    url,
    lines,
    stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

let db: TestDatabase;
let sim: PolygonSim;
let worker: TestWorker;
/** Closes a job that ended with failures at once: retry restarts the workflow. */
let api: RunningApi;
/** Keeps such a job open for 5 minutes: retry is the workflow's update. */
let apiWindow: RunningApi;
const taskQueue = uniqueTaskQueue('e2e');

beforeAll(async () => {
  [db, sim] = await Promise.all([createTestDatabase('apie2e'), startPolygonSim()]);
  worker = await startTestWorker({ db, taskQueue, polygonBaseUrl: sim.url });
  const env = {
    DATABASE_URL: db.url,
    TEMPORAL_ADDRESS: temporalAddress(),
    TEMPORAL_TASK_QUEUE: taskQueue,
    API_HOST: '127.0.0.1',
    API_PORT: '0',
    API_KEYS: API_KEY,
    LOG_LEVEL: 'info',
  };
  [api, apiWindow] = await Promise.all([spawnApi({ ...env, JOB_RETRY_WINDOW_SECONDS: '0' }), spawnApi({ ...env, JOB_RETRY_WINDOW_SECONDS: '300' })]);
});

afterAll(async () => {
  await api?.stop();
  await apiWindow?.stop();
  await worker?.stop();
  await sim?.close();
  await db?.drop();
});

async function call<T>(base: RunningApi, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${base.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${API_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as T };
}

const status = (base: RunningApi, jobId: string) => call<JobStatusResponse>(base, 'GET', `/api/v1/backfill/status/${jobId}`).then((r) => r.json);

async function until<T>(what: string, fn: () => Promise<T | false | null | undefined>, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

const RANGE = { start_date: '2024-05-06', end_date: '2024-05-10' };

/** POST cancel (202 `cancelling`), then the status until it reads `cancelled`. */
async function cancelAndWait(base: RunningApi, jobId: string): Promise<JobStatusResponse> {
  const cancel = await call(base, 'POST', `/api/v1/backfill/${jobId}/cancel`);
  expect(cancel.status).toBe(202);
  expect(cancel.json).toEqual({ job_id: jobId, status: 'cancelling' });
  return until('the job to be cancelled', async () => {
    const s = await status(base, jobId);
    return s.status === 'cancelled' && s;
  });
}

describe('backfill API end to end', () => {
  it('starts a job, polls it to the end, retries its failed units after the workflow closed', async () => {
    sim.setOptions({ faults: { notAuthorizedTickers: ['NFLX'] } });
    const started = await call<BackfillStarted>(api, 'POST', '/api/v1/backfill', { symbols: ['AAPL', 'NFLX'], timeframes: ['1d', '1h'], ...RANGE, concurrency: 2 });
    expect(started.status).toBe(202);
    const jobId = started.json.job_id;
    expect(started.json.units_total).toBe(4);

    let sawRunning = false;
    const done = await until('job A to finish', async () => {
      const s = await status(api, jobId);
      if (s.status === 'running' && s.live) sawRunning = true;
      return isFinalJobStatus(s.status) && s;
    });
    expect(sawRunning || done.units.completed > 0).toBe(true);
    expect(done.status).toBe('completed_with_errors');
    expect(done.units).toEqual({ total: 4, pending: 0, running: 0, completed: 2, failed: 2, cancelled: 0 });
    expect(done.progress_pct).toBe(100);
    expect(done.total_records_fetched).toBeGreaterThan(0);
    expect(done.total_records_inserted).toBe(done.total_records_fetched);
    expect(done.failures.map((f) => [f.symbol, f.timeframe, f.code]).sort()).toEqual([
      ['NFLX', '1d', 'not_entitled'],
      ['NFLX', '1h', 'not_entitled'],
    ]);
    expect(done.failures.every((f) => f.message.length > 0)).toBe(true);
    expect(done.started_at).not.toBeNull();
    expect(done.completed_at).not.toBeNull();
    expect(done.eta_seconds).toBe(0);

    const failed = await call<UnitsPage>(api, 'GET', `/api/v1/backfill/${jobId}/units?status=failed`);
    expect(failed.json.units.map((u) => u.symbol)).toEqual(['NFLX', 'NFLX']);
    const recent = await call<RecentJobs>(api, 'GET', '/api/v1/backfill/recent?status=completed_with_errors');
    expect(recent.json.jobs.map((j) => j.job_id)).toContain(jobId);

    // The cause is fixed; the workflow has closed (no retry window), so retry restarts it.
    sim.setOptions({ faults: { notAuthorizedTickers: [] } });
    const retried = await call<RetryResponse>(api, 'POST', `/api/v1/backfill/${jobId}/retry`, { symbols: ['NFLX'] });
    expect(retried.status).toBe(202);
    expect(retried.json).toMatchObject({ job_id: jobId, restarted: true, requeued: 2, queued: false });
    const after = await until('job A to complete after retry', async () => {
      const s = await status(api, jobId);
      return s.status === 'completed' && s;
    });
    expect(after.units).toEqual({ total: 4, pending: 0, running: 0, completed: 4, failed: 0, cancelled: 0 });
    expect(after.failures).toEqual([]);
    expect(after.total_records_inserted).toBeGreaterThan(done.total_records_inserted);

    const again = await call<{ error: { code: string } }>(api, 'POST', `/api/v1/backfill/${jobId}/retry`);
    expect(again.status).toBe(409);
  });

  it('retries through the open workflow while it waits in its retry window', async () => {
    sim.setOptions({ faults: { notAuthorizedTickers: ['TSLA'] } });
    const started = await call<BackfillStarted>(apiWindow, 'POST', '/api/v1/backfill', { symbols: ['MSFT', 'TSLA'], ...RANGE });
    const jobId = started.json.job_id;
    const waiting = await until('job B to wait for retries', async () => {
      const s = await status(apiWindow, jobId);
      // The workflow sets its retry deadline just after it publishes the status.
      return s.status === 'completed_with_errors' && s.live && s.retry_deadline !== null && s;
    });
    expect(waiting.retry_deadline).not.toBeNull();
    expect(waiting.units.failed).toBe(1);

    // Nothing to pause in a job that has finished its units.
    expect((await call(apiWindow, 'POST', `/api/v1/backfill/${jobId}/pause`)).status).toBe(409);
    // A symbol outside the job is refused before reaching the workflow.
    const wrong = await call<{ error: { field: string } }>(apiWindow, 'POST', `/api/v1/backfill/${jobId}/retry`, { symbols: ['GOOG'] });
    expect(wrong.status).toBe(400);
    expect(wrong.json.error.field).toBe('symbols');
    // The workflow's validator refuses a retry that selects no failed unit.
    const nothing = await call<{ error: { code: string } }>(apiWindow, 'POST', `/api/v1/backfill/${jobId}/retry`, { symbols: ['MSFT'] });
    expect(nothing.status).toBe(409);

    sim.setOptions({ faults: { notAuthorizedTickers: [] } });
    const retried = await call<RetryResponse>(apiWindow, 'POST', `/api/v1/backfill/${jobId}/retry`, {});
    expect(retried.status).toBe(202);
    expect(retried.json).toMatchObject({ restarted: false, queued: false, requeued: 1, units: [{ symbol: 'TSLA', timeframe: '1d' }] });
    const after = await until('job B to complete', async () => {
      const s = await status(apiWindow, jobId);
      return s.status === 'completed' && s;
    });
    expect(after.units.completed).toBe(2);
  });

  it('cancels a job waiting in its retry window: the window closes and the job ends cancelled', async () => {
    sim.setOptions({ faults: { notAuthorizedTickers: ['ORCL'] } });
    const started = await call<BackfillStarted>(apiWindow, 'POST', '/api/v1/backfill', { symbols: ['IBM', 'ORCL'], ...RANGE });
    const jobId = started.json.job_id;
    await until('the job to wait for retries', async () => {
      const s = await status(apiWindow, jobId);
      return s.status === 'completed_with_errors' && s.live && s.retry_deadline !== null && s;
    });
    await cancelAndWait(apiWindow, jobId);
    // The query may still answer `cancelled` for a moment while the workflow closes (and the API
    // remembers an open run for 2 s); once closed, the answer comes from Postgres.
    const end = await until('the cancelled workflow to close', async () => {
      const s = await status(apiWindow, jobId);
      return s.status === 'cancelled' && !s.live && s;
    });
    // The completed and failed units keep their outcome; the window is gone with the workflow.
    expect(end.units).toMatchObject({ completed: 1, failed: 1 });
    expect(end.live).toBe(false);
    expect(end.retry_deadline).toBeNull();
    expect(end.progress_pct).toBe(100);
    const temporal = await connectClient();
    try {
      expect((await temporal.client.workflow.getHandle(`backfill-${jobId}`).describe()).status.name).toBe('CANCELLED');
    } finally {
      await temporal.close();
    }
    // Closed now: a second cancel and a retry are refused.
    expect((await call(apiWindow, 'POST', `/api/v1/backfill/${jobId}/cancel`)).status).toBe(409);
    expect((await call(apiWindow, 'POST', `/api/v1/backfill/${jobId}/retry`)).status).toBe(409);
    sim.setOptions({ faults: { notAuthorizedTickers: [] } });
  });

  it('a workflow terminated outside the product (the real Temporal CLI) leaves no job stuck; retry runs only what did not complete', async () => {
    sim.setOptions({ latencyMs: 300, faults: { notAuthorizedTickers: [] } });
    try {
      const symbols = ['T1', 'T2', 'T3', 'T4', 'T5', 'T6'];
      const started = await call<BackfillStarted>(api, 'POST', '/api/v1/backfill', { symbols, start_date: '2024-01-02', end_date: '2024-03-28', concurrency: 1 });
      const jobId = started.json.job_id;
      await until('a unit to complete', async () => {
        const s = await status(api, jobId);
        return s.live && s.units.completed >= 1 && s;
      });
      temporalCli('workflow', 'terminate', '--workflow-id', `backfill-${jobId}`, '--reason', 'operator pressed terminate');

      // The API sees the closed run, answers from Postgres and closes the job there.
      const failed = await until('the job to read failed', async () => {
        const s = await status(api, jobId);
        return s.status === 'failed' && s;
      }, 20_000);
      expect(failed.live).toBe(false);
      expect(failed.error).toMatch(/TERMINATED/);
      expect(failed.units.running + failed.units.pending).toBe(0);
      expect(failed.units.completed).toBeGreaterThanOrEqual(1);
      expect(failed.units.completed + failed.units.failed).toBe(6);
      const { rows } = await db.pool.query<{ status: string; n: number }>('SELECT status, count(*)::int AS n FROM job_units WHERE job_id = $1 GROUP BY status', [jobId]);
      expect(Object.fromEntries(rows.map((r) => [r.status, r.n]))).toEqual({ completed: failed.units.completed, failed: failed.units.failed });
      const { rows: job } = await db.pool.query<{ status: string }>('SELECT status FROM jobs WHERE job_id = $1', [jobId]);
      expect(job[0]!.status).toBe('failed');
      const before = await call<UnitsPage>(api, 'GET', `/api/v1/backfill/${jobId}/units?status=completed`);

      // Retry restarts it; the units that completed before the terminate are not fetched again.
      const retried = await call<RetryResponse>(api, 'POST', `/api/v1/backfill/${jobId}/retry`, {});
      expect(retried.status).toBe(202);
      expect(retried.json).toMatchObject({ restarted: true, requeued: failed.units.failed });
      const done = await until('the retried job to complete', async () => {
        const s = await status(api, jobId);
        return s.status === 'completed' && s;
      }, 60_000);
      expect(done.units).toEqual({ total: 6, pending: 0, running: 0, completed: 6, failed: 0, cancelled: 0 });
      const after = await call<UnitsPage>(api, 'GET', `/api/v1/backfill/${jobId}/units?status=completed`);
      for (const u of before.json.units) {
        expect(after.json.units.find((x) => x.unit_no === u.unit_no)).toMatchObject({ attempts: u.attempts, completed_at: u.completed_at });
      }

    } finally {
      sim.setOptions({ latencyMs: 0 });
    }
  });

  it('pauses, resumes and cancels a running job; 50 concurrent pollers see a fast status', async () => {
    sim.setOptions({ latencyMs: 400, faults: { notAuthorizedTickers: [] } });
    try {
      const symbols = Array.from({ length: 24 }, (_, i) => `E${i}`);
      const started = await call<BackfillStarted>(api, 'POST', '/api/v1/backfill', { symbols, start_date: '2024-01-02', end_date: '2024-03-28', concurrency: 1 });
      expect(started.status).toBe(202);
      const jobId = started.json.job_id;
      await until('a unit to complete', async () => {
        const s = await status(api, jobId);
        return s.live && s.units.completed >= 1 && s;
      });

      // 50 dashboards polling at once, ten measured rounds, over keep-alive connections (node:http:
      // a heavier client would measure itself).
      const agent = new http.Agent({ keepAlive: true, maxSockets: 50 });
      const poll = (requestId: string) =>
        new Promise<number>((resolve, reject) => {
          const t = performance.now();
          const headers = { authorization: `Bearer ${API_KEY}`, 'x-request-id': requestId };
          const req = http.get(`${api.url}/api/v1/backfill/status/${jobId}`, { agent, headers }, (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              if (res.statusCode !== 200) return reject(new Error(`status ${res.statusCode}`));
              JSON.parse(Buffer.concat(chunks).toString());
              resolve(performance.now() - t);
            });
          });
          req.on('error', reject);
        });
      const seen: number[] = [];
      for (let round = 0; round < 12; round++) {
        // The first rounds open the connections and warm the JIT: not measured.
        const tag = round < 2 ? 'warm' : 'poll';
        const times = await Promise.all(Array.from({ length: 50 }, (_, i) => poll(`${tag}-${round}-${i}`)));
        if (tag === 'poll') seen.push(...times);
        await new Promise((r) => setTimeout(r, 100));
      }
      agent.destroy();
      // Every poll answered 200 (checked in poll()) and reached the API; latency itself is a
      // benchmark figure (npm run bench, figure 6), never a test assertion.
      const served = api.lines.filter((l) => l.includes('"req_id":"poll-'));
      expect(served).toHaveLength(500);
      expect(seen).toHaveLength(500);

      const paused = await call<ControlResponse>(api, 'POST', `/api/v1/backfill/${jobId}/pause`);
      expect(paused.status).toBe(200);
      expect(paused.json).toEqual({ job_id: jobId, status: 'paused', paused: true, queued: false });
      // Running units finish; none start.
      const settled = await until('the running unit to finish', async () => {
        const s = await status(api, jobId);
        return s.units.running === 0 && s;
      });
      expect(settled).toMatchObject({ status: 'paused', paused: true, eta_seconds: null });
      await new Promise((r) => setTimeout(r, 1_500));
      const still = await status(api, jobId);
      expect(still.units.completed).toBe(settled.units.completed);
      expect(still.units.running).toBe(0);

      const resumed = await call<ControlResponse>(api, 'POST', `/api/v1/backfill/${jobId}/resume`);
      expect(resumed.json).toEqual({ job_id: jobId, status: 'running', paused: false, queued: false });
      await until('more units to complete', async () => (await status(api, jobId)).units.completed > settled.units.completed);

      const end = await cancelAndWait(api, jobId);
      expect(end.units.cancelled).toBeGreaterThan(0);
      expect(end.units.completed + end.units.cancelled).toBe(24);
      expect(end.live).toBe(false);

      for (const action of ['pause', 'resume', 'cancel']) {
        const r = await call<{ error: { code: string; message: string } }>(api, 'POST', `/api/v1/backfill/${jobId}/${action}`);
        expect(r.status, action).toBe(409);
        expect(r.json.error.message).toMatch(/cancelled/);
      }
    } finally {
      sim.setOptions({ latencyMs: 0 });
    }
  });

  it('a retried POST with the same Idempotency-Key returns the same job over HTTP; the API key never reaches the logs', async () => {
    const body = { symbols: ['AMZN'], ...RANGE };
    const a = await call<BackfillStarted>(api, 'POST', '/api/v1/backfill', body, { 'idempotency-key': 'e2e-once' });
    const b = await call<BackfillStarted>(api, 'POST', '/api/v1/backfill', body, { 'idempotency-key': 'e2e-once' });
    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    expect(b.json.job_id).toBe(a.json.job_id);
    expect(b.headers.get('idempotent-replayed')).toBe('true');
    await until('the job to complete', async () => (await status(api, a.json.job_id)).status === 'completed');
    const unauth = await fetch(`${api.url}/api/v1/backfill/recent`);
    expect(unauth.status).toBe(401);
    const lines = [...api.lines, ...apiWindow.lines];
    expect(lines.length).toBeGreaterThan(10);
    expect(lines.join('\n')).not.toContain(API_KEY);
  });

  it('answers requests Node refuses before the app (a 20 KB query string) in the JSON error shape', async () => {
    const symbols = Array.from({ length: 3_000 }, (_, i) => `S${i}`).join(',');
    const res = await fetch(`${api.url}/api/v1/backfill?symbols=${symbols}&start_date=2024-01-02&end_date=2024-01-05`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    expect(res.status).toBe(431);
    expect(await res.json()).toEqual({ error: { code: 'headers_too_large', message: expect.stringContaining('JSON body') } });
    expect((await fetch(`${api.url}/healthz`)).status).toBe(200);
  });

  it('stops gracefully on SIGTERM', async () => {
    expect(await apiWindow.stop()).toBe(0);
    expect(apiWindow.lines.some((l) => l.includes('"msg":"api stopped"'))).toBe(true);
  });
});
