// Both metrics endpoints during a real job: the worker as its own process (so the Temporal SDK's
// Runtime, with its Prometheus exporter, is its own), the API on real HTTP, the Polygon simulator
// with a rate limit and some 5xx answers, Postgres and the run's Temporal dev server. The job is
// driven and polled through the API; both endpoints are scraped while it runs and after it ends.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startApiServer, type RunningApi } from '../../src/api/server.js';
import { startPolygonSim, type PolygonSim } from '../../src/polygon-sim/index.js';
import type { BackfillStarted, JobStatusResponse } from '../../src/api/schemas.js';
import { createTestDatabase, temporalAddress, uniqueTaskQueue, type TestDatabase } from '../helpers/env.js';
import { spawnWorkerProcess, TEST_POLYGON_KEY, workerEnv, type WorkerProcess } from '../helpers/worker.js';
import { waitFor } from '../workflow/support.js';
import { workflowIdForJob } from '../../workflows/messages.js';
import { VALIDATION_RULES } from '../../workflows/vocabulary.js';
import { readFileSync } from 'node:fs';
import { families, isExported, labelNamesIn, metricNamesIn, parseSamples, total, type Sample } from './scrape.js';
import { isFinalJobStatus } from '../../workflows/vocabulary.js';

// 600 requests/minute: one every 100 ms, so the job lasts seconds and its requests wait for slots.
const RPM = '600';
const JOB = { symbols: ['AAPL', 'MSFT'], timeframes: ['1h', '15m', '5m'], start_date: '2024-04-01', end_date: '2024-04-12', concurrency: 4 };

const taskQueue = uniqueTaskQueue('metrics');
let db: TestDatabase;
let sim: PolygonSim;
/** The worker as its own process, and its endpoint (on a free port, read from its start line). */
let worker: WorkerProcess;
let workerMetricsUrl: string;
let api: RunningApi;

beforeAll(async () => {
  // 120 bars per response forces pagination; one answer in ten a 500 makes attempts fail and retry.
  [db, sim] = await Promise.all([createTestDatabase('metrics'), startPolygonSim({ maxResultsPerPage: 120, faults: { errorRate: 0.1, seed: 5 } })]);
  worker = await spawnWorkerProcess(workerEnv({ db, taskQueue, polygonBaseUrl: sim.url, configOverrides: { POLYGON_RATE_LIMIT_RPM: RPM } }));
  const started = JSON.parse(worker.lines.find((l) => l.includes('"msg":"worker started"'))!) as { metricsPort: number };
  workerMetricsUrl = `http://127.0.0.1:${started.metricsPort}`;
  const config = loadConfig({ DATABASE_URL: db.url, TEMPORAL_ADDRESS: temporalAddress(), TEMPORAL_TASK_QUEUE: taskQueue, API_HOST: '127.0.0.1', API_PORT: '0', LOG_LEVEL: 'silent' });
  api = await startApiServer(config, createLogger(config));
});

afterAll(async () => {
  await api?.close();
  await worker?.kill('SIGTERM');
  await sim?.close();
  await db?.drop();
});

async function scrape(url: string): Promise<{ text: string; samples: Sample[]; contentType: string | null }> {
  const res = await fetch(url);
  expect(res.status, url).toBe(200);
  const text = await res.text();
  return { text, samples: parseSamples(text), contentType: res.headers.get('content-type') };
}

function dashboardExprs(): string[] {
  const dash = JSON.parse(readFileSync(new URL('../../docs/grafana-dashboard.json', import.meta.url), 'utf8')) as { panels: { targets?: { expr: string }[] }[] };
  return dash.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
}

const status = async (jobId: string) => (await (await fetch(`${api.url}/api/v1/backfill/status/${jobId}`)).json()) as JobStatusResponse;

describe('metrics endpoints', () => {
  it('worker and API export the product metrics and the SDK metrics, with non-zero values during and after a job', async () => {
    const health = await fetch(`${workerMetricsUrl}/healthz`);
    expect(health.status).toBe(200);

    const res = await fetch(`${api.url}/api/v1/backfill`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(JOB) });
    expect(res.status).toBe(202);
    const { job_id: jobId } = (await res.json()) as BackfillStarted;

    // During the job: the first committed pages show up while the job still runs.
    const during = await waitFor(
      'bars inserted while the job runs',
      async () => {
        const s = await scrape(`${workerMetricsUrl}/metrics`);
        return total(s.samples, 'backfill_bars_inserted_total') > 0 && s;
      },
      30_000,
      50,
    );
    const running = await status(jobId);
    expect(running.status).toBe('running');
    expect(total(during.samples, 'backfill_bars_fetched_total')).toBeGreaterThan(0);
    expect(total(during.samples, 'backfill_page_write_seconds_count')).toBeGreaterThan(0);
    expect(total(during.samples, 'backfill_polygon_requests_total', { endpoint: 'aggs', status: '200' })).toBeGreaterThan(0);

    const done = await waitFor('job end', async () => {
      const s = await status(jobId);
      return isFinalJobStatus(s.status) && s;
    }, 90_000, 200);
    expect(done.status).toBe('completed');

    const w = await scrape(`${workerMetricsUrl}/metrics`);
    expect(w.contentType).toMatch(/^text\/plain/);
    // Counters agree with Postgres' own totals of the job, bar for bar.
    expect(total(w.samples, 'backfill_bars_fetched_total')).toBe(done.total_records_fetched);
    expect(total(w.samples, 'backfill_bars_inserted_total')).toBe(done.total_records_inserted);
    expect(total(w.samples, 'backfill_bars_inserted_total', { timeframe: '15m' })).toBeGreaterThan(0);
    // Every request waited for a limiter slot; at 100 ms spacing the waits add up to seconds.
    const requests = total(w.samples, 'backfill_polygon_requests_total');
    expect(total(w.samples, 'backfill_rate_limiter_wait_seconds_count')).toBe(requests);
    expect(total(w.samples, 'backfill_rate_limiter_wait_seconds_sum')).toBeGreaterThan(0.5);
    expect(total(w.samples, 'backfill_polygon_requests_total', { status: '500' })).toBeGreaterThan(0);
    expect(total(w.samples, 'backfill_polygon_request_seconds_count', { endpoint: 'aggs' })).toBeGreaterThan(0);
    expect(total(w.samples, 'backfill_unit_attempts_total', { outcome: 'completed' })).toBe(6);
    expect(total(w.samples, 'backfill_unit_attempts_total', { outcome: 'upstream_error' })).toBeGreaterThan(0);
    // Every validator rule is exported, at 0 on a clean job.
    for (const rule of VALIDATION_RULES) expect(w.samples.find((x) => x.name === 'backfill_validation_violations_total' && x.labels.rule === rule)?.value, rule).toBe(0);
    expect(total(w.samples, 'backfill_pg_pool_connections', { state: 'total' })).toBeGreaterThan(0);
    expect(total(w.samples, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    // The SDK's own metrics, merged in from its exporter.
    expect(total(w.samples, 'backfill_sdk_metrics_up')).toBe(1);
    expect(total(w.samples, 'temporal_activity_execution_latency_count', { activity_type: 'backfillUnit' })).toBeGreaterThan(0);
    expect(total(w.samples, 'temporal_activity_execution_failed', { activity_type: 'backfillUnit' })).toBeGreaterThan(0);
    expect(total(w.samples, 'temporal_activity_schedule_to_start_latency_count')).toBeGreaterThan(0);

    const a = await scrape(`${api.url}/metrics`);
    expect(total(a.samples, 'backfill_http_requests_total', { method: 'POST', route: '/api/v1/backfill', status: '202' })).toBe(1);
    const polls = total(a.samples, 'backfill_http_requests_total', { method: 'GET', route: '/api/v1/backfill/status/:job_id', status: '200' });
    expect(polls).toBeGreaterThan(1);
    expect(total(a.samples, 'backfill_http_request_duration_seconds_count', { route: '/api/v1/backfill/status/:job_id' })).toBe(polls);
    expect(total(a.samples, 'backfill_status_cache_lookups_total')).toBe(polls);
    expect(total(a.samples, 'backfill_status_cache_lookups_total', { result: 'miss' })).toBeGreaterThan(0);
    expect(total(a.samples, 'backfill_pg_pool_connections', { state: 'total' })).toBeGreaterThan(0);

    // The Grafana dashboard queries only what these endpoints export, by labels they carry.
    const fams = new Set([...families(w.text), ...families(a.text)]);
    const samples = [...w.samples, ...a.samples];
    const exprs = dashboardExprs();
    expect(exprs.length).toBeGreaterThan(10);
    for (const expr of exprs) {
      const names = metricNamesIn(expr);
      expect(names.length, expr).toBeGreaterThan(0);
      for (const name of names) expect(isExported(fams, name), `${name} in ${expr}`).toBe(true);
      const series = samples.filter((x) => names.some((n) => x.name.startsWith(n.replace(/_(bucket|sum|count)$/, ''))));
      expect(series.length, `series of ${expr}`).toBeGreaterThan(0);
      // `le` comes with every histogram bucket and `job` from Prometheus' scrape config.
      const carried = new Set(series.flatMap((x) => Object.keys(x.labels)));
      for (const label of labelNamesIn(expr).filter((l) => l !== 'le' && l !== 'job')) expect(carried.has(label), `label ${label} in ${expr}`).toBe(true);
    }

    // Logs: activity lines name their workflow, run and activity; the SDK core's lines come through pino.
    const lines = worker.lines.flatMap((l) => (l.startsWith('{') ? [JSON.parse(l) as Record<string, unknown>] : []));
    const unitDone = lines.filter((l) => l.msg === 'unit completed');
    expect(unitDone).toHaveLength(6);
    for (const l of unitDone) {
      expect(l).toMatchObject({ component: 'worker', scope: 'activity', workflowId: workflowIdForJob(jobId), runId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
      expect(l.activityId).toMatch(new RegExp(`^unit-${l.unitNo}-${l.symbol}-${l.timeframe}`));
    }
    expect(lines.find((l) => l.msg === 'job initialised')).toMatchObject({ workflowId: workflowIdForJob(jobId), activityId: expect.any(String) });
    expect(lines.some((l) => l.sdkComponent === 'core' && l.component === 'worker' && l.scope === 'temporal')).toBe(true);
    expect(worker.lines.join('\n')).not.toContain(TEST_POLYGON_KEY);
  });
});
