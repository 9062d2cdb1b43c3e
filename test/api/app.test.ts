// Every route and error path through app.request(), against a real database and the run's Temporal
// dev server. No worker runs here: workflows are started and inspected, never executed (the
// end-to-end test runs them).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowNotFoundError } from '@temporalio/common';
import { JOB_ID, JOB_STATUS, SYMBOLS_COUNT } from '../../src/temporal/search-attributes.js';
import { workflowIdForJob, type BackfillInput } from '../../workflows/messages.js';
import type { OpenAPIObject, SchemaObject } from 'openapi3-ts/oas30';
import type {
  BackfillStarted,
  ErrorResponse,
  JobStatusResponse,
  ReadyResponse,
  RecentJobs,
  RetryResponse,
  UnitsPage,
  VocabularyResponse,
} from '../../src/api/schemas.js';
import * as vocab from '../../workflows/vocabulary.js';
import { countJobs, countWorkflows, createHarness, openWorkflowFor, deadTemporalClient, errorOf, gridUnits, jsonHeaders, readJson, seedJob, type Harness } from './harness.js';

let h: Harness;
// Deadlines for calls to a dead or worker-less Temporal, so those tests take seconds, not minutes.
const FAST = { callMs: 1_000, queryMs: 500, updateMs: 500 };
beforeAll(async () => {
  h = await createHarness({ label: 'apiapp' });
});
afterAll(async () => {
  await h?.close();
});

const body = (o: Record<string, unknown> = {}) => JSON.stringify({ symbols: ['AAPL', 'MSFT'], start_date: '2024-01-02', end_date: '2024-01-31', ...o });
const post = (path: string, b?: string, headers: Record<string, string> = {}) =>
  h.app.request(path, { method: 'POST', ...(b === undefined ? {} : { body: b }), headers: b === undefined ? headers : jsonHeaders(headers) });
async function getJson<T = JobStatusResponse>(path: string, init?: RequestInit) {
  const res = await h.app.request(path, init);
  return { res, json: await readJson<T>(res) };
}

async function jobRow(jobId: string) {
  const { rows } = await h.db.pool.query('SELECT status, units_total, idempotency_key, error, symbols, timeframes, concurrency, adjusted FROM jobs WHERE job_id = $1', [jobId]);
  return rows[0];
}

describe('health, readiness, docs', () => {
  it('GET /healthz answers ok with a request id, and echoes a given one', async () => {
    const res = await h.app.request('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const again = await h.app.request('/healthz', { headers: { 'x-request-id': 'trace-123' } });
    expect(again.headers.get('x-request-id')).toBe('trace-123');
  });

  it('GET /readyz is 200 when Postgres and Temporal answer, 503 naming Temporal when it does not', async () => {
    const ok = await getJson<ReadyResponse>('/readyz');
    expect(ok.res.status).toBe(200);
    expect(ok.json).toEqual({ postgres: 'ok', temporal: 'ok' });

    const dead = await deadTemporalClient();
    try {
      const res = await h.makeApp({ client: dead.client, temporalTimeouts: FAST }).request('/readyz');
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ postgres: 'ok', temporal: 'down' });
    } finally {
      await dead.close();
    }
  });

  it('GET /openapi.json documents every route from the validating schemas', async () => {
    const { res, json } = await getJson<OpenAPIObject>('/openapi.json');
    expect(res.status).toBe(200);
    expect(json.openapi).toMatch(/^3\./);
    expect(Object.keys(json.paths).sort()).toEqual(
      [
        '/healthz',
        '/readyz',
        '/api/v1/backfill',
        '/api/v1/backfill/recent',
        '/api/v1/backfill/status/{job_id}',
        '/api/v1/backfill/{job_id}/units',
        '/api/v1/backfill/{job_id}/retry',
        '/api/v1/backfill/{job_id}/pause',
        '/api/v1/backfill/{job_id}/resume',
        '/api/v1/backfill/{job_id}/cancel',
        '/api/v1/vocabulary',
        '/api/v1/backfill/{job_id}/issues',
        '/api/v1/series',
        '/api/v1/series/{symbol}/{timeframe}/coverage',
        '/api/v1/schedules',
        '/api/v1/schedules/{id}',
        '/api/v1/schedules/{id}/pause',
        '/api/v1/schedules/{id}/unpause',
        '/api/v1/schedules/{id}/trigger',
        '/api/v1/schedules/{id}/backfill',
        '/api/v1/backfill/{job_id}/webhooks',
        '/api/v1/backfill/{job_id}/webhooks/{delivery_id}/redeliver',
        '/api/v1/webhooks/rotate-secret',
      ].sort(),
    );
    const schemas = json.components!.schemas as Record<string, SchemaObject>;
    const req = schemas.BackfillRequest!;
    const props = req.properties as Record<string, SchemaObject>;
    expect(req.required!.sort()).toEqual(['end_date', 'start_date', 'symbols']);
    expect(req.additionalProperties).toBe(false);
    expect(props.symbols!.maxItems).toBe(h.config.API_MAX_SYMBOLS);
    expect(props.concurrency!.maximum).toBe(h.config.JOB_MAX_CONCURRENCY);
    expect(schemas.JobStatus!.properties).toHaveProperty('live');
  });

  it('serves exactly the /api routes the document describes, at the documented methods', async () => {
    const { json } = await getJson<OpenAPIObject>('/openapi.json');
    const documented = Object.entries(json.paths)
      .flatMap(([path, item]) => Object.keys(item as object).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`))
      .filter((r) => r.includes(' /api/'))
      .sort();
    const served = [...new Set(h.app.routes.filter((r) => r.path.startsWith('/api/') && r.method !== 'ALL').map((r) => `${r.method} ${r.path}`))].sort();
    expect(served).toEqual(documented);
  });

  it('GET /api/v1/vocabulary gives the lists the API validates with, documented as enums', async () => {
    const { res, json } = await getJson<VocabularyResponse>('/api/v1/vocabulary');
    expect(res.status).toBe(200);
    const lists = ['JOB_STATUSES', 'FINAL_JOB_STATUSES', 'RESTARTABLE_JOB_STATUSES', 'UNIT_STATUSES', 'FAILURE_CODES', 'PERMANENT_FAILURE_CODES', 'COVERAGE_STATES', 'REPROCESS_MODES'] as const;
    expect(json).toEqual(Object.fromEntries(lists.map((k) => [k.toLowerCase(), [...vocab[k]]])));
    // A status outside the list is refused with the list itself.
    const bad = await getJson<ErrorResponse>('/api/v1/backfill/recent?status=done');
    expect(bad.res.status).toBe(400);
    expect(bad.json.error.message).toContain(vocab.JOB_STATUSES.join(', '));
    const doc = (await getJson<OpenAPIObject>('/openapi.json')).json;
    const props = (doc.components!.schemas as Record<string, SchemaObject>).Vocabulary!.properties as Record<string, SchemaObject>;
    expect((props.unit_statuses!.items as SchemaObject).enum).toEqual([...vocab.UNIT_STATUSES]);
  });

  it('POST answers with the estimate; a job past JOB_MAX_ESTIMATED_HOURS is refused with a 422 naming force, and starts with it', async () => {
    const app = h.makeApp({ env: { POLYGON_RATE_LIMIT_RPM: '5', JOB_MAX_ESTIMATED_HOURS: '72' } });
    const send = (path: string, b?: string) => app.request(path, { method: 'POST', ...(b === undefined ? {} : { body: b, headers: jsonHeaders() }) });
    // Two symbols of daily bars over a month: one request each, 24 s at 5 a minute.
    const small = await send('/api/v1/backfill', body({ symbols: ['EST1', 'EST2'] }));
    expect(small.status).toBe(202);
    expect((await readJson<BackfillStarted>(small)).estimate).toEqual({ requests: 2, duration_seconds: 24, rate_limit_rpm: 5 });

    // 300 symbols of minute bars since 1970: tens of thousands of requests, weeks at 5 a minute.
    const jobs = await countJobs(h.db.pool);
    const huge = body({ symbols: Array.from({ length: 300 }, (_, i) => `H${i}`), timeframes: ['1m'], start_date: '1970-01-01' });
    const refused = await send('/api/v1/backfill', huge);
    expect(refused.status).toBe(422);
    const err = (await readJson<ErrorResponse>(refused)).error;
    expect(err).toMatchObject({ code: 'estimate_too_long', field: 'force' });
    expect(err.message).toMatch(/estimated [\d,]+ requests, about [\d.]+ (days|years) at POLYGON_RATE_LIMIT_RPM=5, more than JOB_MAX_ESTIMATED_HOURS=72 h/);
    expect(err.message).toContain('"force": true');
    expect(await countJobs(h.db.pool)).toBe(jobs);

    const forced = await send('/api/v1/backfill', huge.replace(/}$/, ', "force": true}'));
    expect(forced.status).toBe(202);
    const f = await readJson<BackfillStarted>(forced);
    expect(f.estimate.requests).toBeGreaterThan(72 * 60 * 5);
    expect(f.estimate.duration_seconds).toBeGreaterThan(72 * 3600);
    // The query-string form takes force too; a bad value names the field.
    const q = 'symbols=Q1,Q2,Q3&timeframes=1m&start_date=1970-01-01&end_date=2024-01-31';
    expect((await send(`/api/v1/backfill?${q}&force=maybe`)).status).toBe(400);
    expect((await send(`/api/v1/backfill?${q}`)).status).toBe(202);
    const manyQ = `symbols=${Array.from({ length: 300 }, (_, i) => `K${i}`).join(',')}&timeframes=1m&start_date=1970-01-01&end_date=2024-01-31`;
    expect((await send(`/api/v1/backfill?${manyQ}`)).status).toBe(422);
    expect((await send(`/api/v1/backfill?${manyQ}&force=true`)).status).toBe(202);
    // Documented like every field.
    const doc = await readJson<OpenAPIObject>(await app.request('/openapi.json'));
    const schemas = doc.components!.schemas as Record<string, SchemaObject>;
    expect(schemas.BackfillRequest!.properties).toHaveProperty('force');
    expect(schemas.BackfillStarted!.properties).toHaveProperty('estimate');
  });

  it('GET /docs is a self-contained page (no external scripts or styles)', async () => {
    const res = await h.app.request('/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const html = await res.text();
    expect(html).toContain('/openapi.json');
    expect(html).not.toMatch(/<(script|link)[^>]+(src|href)="https?:/i);
  });

  it('an unknown route is a JSON 404', async () => {
    const { res, json } = await getJson<ErrorResponse>('/api/v1/nope');
    expect(res.status).toBe(404);
    expect(json.error.code).toBe('not_found');
  });
});

describe('POST /api/v1/backfill', () => {
  it('inserts the job, starts its workflow and answers 202 with the old fields and links', async () => {
    const before = await countWorkflows(h.client, h.taskQueue);
    const res = await post('/api/v1/backfill', body({ timeframes: ['1d', '1h'], adjusted: false, concurrency: 2 }));
    expect(res.status).toBe(202);
    const j = await readJson<BackfillStarted>(res);
    expect(j).toMatchObject({
      status: 'pending',
      symbols_count: 2,
      symbols: ['AAPL', 'MSFT'],
      date_range: { start_date: '2024-01-02', end_date: '2024-01-31' },
      timeframes: ['1d', '1h'],
      adjusted: false,
      concurrency: 2,
      units_total: 4,
      idempotent_replay: false,
    });
    expect(j.job_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(j.workflow_id).toBe(workflowIdForJob(j.job_id));
    expect(j.temporal_ui_url).toBe(`http://temporal-ui.test:8233/namespaces/default/workflows/${j.workflow_id}`);
    expect(j.status_url).toBe(`/api/v1/backfill/status/${j.job_id}`);
    expect(Date.parse(j.timestamp)).not.toBeNaN();

    expect(await jobRow(j.job_id)).toMatchObject({ status: 'pending', units_total: 4, concurrency: 2, adjusted: false });
    const d = await h.client.workflow.getHandle(j.workflow_id).describe();
    expect(d.type).toBe('BackfillWorkflow');
    expect(d.taskQueue).toBe(h.taskQueue);
    expect(d.typedSearchAttributes.get(JOB_ID)).toBe(j.job_id);
    expect(d.typedSearchAttributes.get(SYMBOLS_COUNT)).toBe(2);
    expect(d.typedSearchAttributes.get(JOB_STATUS)).toBe('running');
    const history = await h.client.workflow.getHandle(j.workflow_id).fetchHistory();
    const { defaultPayloadConverter } = await import('@temporalio/common');
    const input = defaultPayloadConverter.fromPayload<BackfillInput>(
      history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]! as never,
    );
    expect(input).toEqual({
      jobId: j.job_id,
      symbols: ['AAPL', 'MSFT'],
      timeframes: ['1d', '1h'],
      startDate: '2024-01-02',
      endDate: '2024-01-31',
      adjusted: false,
      concurrency: 2,
      retryWindowSeconds: h.config.JOB_RETRY_WINDOW_SECONDS,
    });
    expect(await countWorkflows(h.client, h.taskQueue)).toBe(before + 1);
    await h.client.workflow.getHandle(j.workflow_id).terminate('test done');
  });

  it('applies defaults, trims, upper-cases all-lowercase tickers, keeps mixed case, de-duplicates', async () => {
    const res = await post('/api/v1/backfill', JSON.stringify({ symbols: [' aapl', 'AAPL', 'brk.a', 'x:btcusd', 'ALLpB', 'MSFT '], start_date: '2024-01-02', end_date: '2024-01-02' }));
    expect(res.status).toBe(202);
    const j = await readJson<BackfillStarted>(res);
    expect(j.symbols).toEqual(['AAPL', 'BRK.A', 'X:BTCUSD', 'ALLpB', 'MSFT']);
    expect(j.timeframes).toEqual(['1d']);
    expect(j.adjusted).toBe(true);
    expect(j.concurrency).toBe(h.config.JOB_DEFAULT_CONCURRENCY);
    expect(j.units_total).toBe(5);
    await h.client.workflow.getHandle(j.workflow_id).terminate('test done');
  });

  it('accepts the old query-string form: repeated parameters and comma lists', async () => {
    const res = await post('/api/v1/backfill?symbols=AAPL&symbols=MSFT,GOOG&start_date=2024-01-02&end_date=2024-01-05&timeframes=1h,1d&adjusted=false&concurrency=3');
    expect(res.status).toBe(202);
    const j = await readJson<BackfillStarted>(res);
    expect(j).toMatchObject({ symbols: ['AAPL', 'MSFT', 'GOOG'], timeframes: ['1h', '1d'], adjusted: false, concurrency: 3, units_total: 6 });
    await h.client.workflow.getHandle(j.workflow_id).terminate('test done');
  });

  it('an Idempotency-Key replays the same job (one row, one workflow run) and refuses a different body with 422', async () => {
    const key = `key-${Date.now()}`;
    const first = await post('/api/v1/backfill', body(), { 'idempotency-key': key });
    expect(first.status).toBe(202);
    const a = await readJson<BackfillStarted>(first);
    const runId = (await h.client.workflow.getHandle(a.workflow_id).describe()).runId;

    // Same meaning, different spelling: still the same request.
    const second = await post('/api/v1/backfill', JSON.stringify({ symbols: ['aapl', 'MSFT'], start_date: '2024-01-02', end_date: '2024-01-31' }), { 'idempotency-key': key });
    expect(second.status).toBe(202);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    const b = await readJson<BackfillStarted>(second);
    expect(b.job_id).toBe(a.job_id);
    expect(b.idempotent_replay).toBe(true);
    expect((await h.client.workflow.getHandle(a.workflow_id).describe()).runId).toBe(runId);

    const other = await post('/api/v1/backfill', body({ end_date: '2024-01-30' }), { 'idempotency-key': key });
    expect(other.status).toBe(422);
    expect((await errorOf(other))).toMatchObject({ code: 'idempotency_key_reused', field: 'Idempotency-Key' });

    const { rows } = await h.db.pool.query('SELECT count(*)::int AS n FROM jobs WHERE idempotency_key = $1', [key]);
    expect(rows[0].n).toBe(1);
    await h.client.workflow.getHandle(a.workflow_id).terminate('test done');
  });

  it('concurrent POSTs with one Idempotency-Key make one job', async () => {
    const key = `race-${Date.now()}`;
    const answers = await Promise.all(Array.from({ length: 6 }, () => post('/api/v1/backfill', body(), { 'idempotency-key': key })));
    const ids = new Set<string>();
    for (const r of answers) {
      expect(r.status).toBe(202);
      ids.add((await readJson<BackfillStarted>(r)).job_id);
    }
    expect(ids.size).toBe(1);
    await h.client.workflow.getHandle(workflowIdForJob([...ids][0]!)).terminate('test done');
  });

  it('Temporal down: 503; without a key the job is closed as failed, with a key a retried POST starts it', async () => {
    const dead = await deadTemporalClient();
    try {
      const down = h.makeApp({ client: dead.client, temporalTimeouts: FAST });
      const noKey = await down.request('/api/v1/backfill', { method: 'POST', body: body(), headers: jsonHeaders() });
      expect(noKey.status).toBe(503);
      const e1 = await errorOf(noKey);
      expect(e1.code).toBe('temporal_unavailable');
      const failedId = /job ([0-9a-f-]{36})/.exec(e1.message)![1]!;
      expect(await jobRow(failedId)).toMatchObject({ status: 'failed' });

      const key = `down-${Date.now()}`;
      const withKey = await down.request('/api/v1/backfill', { method: 'POST', body: body(), headers: jsonHeaders({ 'idempotency-key': key }) });
      expect(withKey.status).toBe(503);
      const pendingId = /job ([0-9a-f-]{36})/.exec((await errorOf(withKey)).message)![1]!;
      expect(await jobRow(pendingId)).toMatchObject({ status: 'pending' });
      await expect(h.client.workflow.getHandle(workflowIdForJob(pendingId)).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);

      // Temporal is back: the same key starts the saved job.
      const retried = await post('/api/v1/backfill', body(), { 'idempotency-key': key });
      expect(retried.status).toBe(202);
      const j = await readJson<BackfillStarted>(retried);
      expect(j.job_id).toBe(pendingId);
      expect((await h.client.workflow.getHandle(j.workflow_id).describe()).status.name).toBe('RUNNING');
      await h.client.workflow.getHandle(j.workflow_id).terminate('test done');
    } finally {
      await dead.close();
    }
  }, 30_000);

  it('a JSON body and query parameters together are refused, naming the parameter', async () => {
    const res = await post('/api/v1/backfill?symbols=AAPL', body());
    expect(res.status).toBe(400);
    expect((await errorOf(res)).field).toBe('symbols');
  });

  it('an end date of today (per the injected clock) is accepted; tomorrow is not', async () => {
    const now = () => new Date('2024-02-10T23:30:00Z');
    const app = h.makeApp({ now });
    const ok = await app.request('/api/v1/backfill', { method: 'POST', body: body({ end_date: '2024-02-10' }), headers: jsonHeaders() });
    expect(ok.status).toBe(202);
    await h.client.workflow.getHandle((await readJson<BackfillStarted>(ok)).workflow_id).terminate('test done');
    const late = await app.request('/api/v1/backfill', { method: 'POST', body: body({ end_date: '2024-02-11' }), headers: jsonHeaders() });
    expect(late.status).toBe(400);
    expect((await errorOf(late))).toMatchObject({ field: 'end_date' });
  });
});

describe('GET /api/v1/backfill/status/:job_id', () => {
  it('answers from Postgres with live:false when no worker answers the query, quickly after the first try', async () => {
    const res = await post('/api/v1/backfill', body({ timeframes: ['1d', '1h'] }));
    const j = await readJson<BackfillStarted>(res);
    const t0 = performance.now();
    const first = await getJson(`/api/v1/backfill/status/${j.job_id}`);
    const firstMs = performance.now() - t0;
    expect(first.res.status).toBe(200);
    expect(first.json).toMatchObject({
      job_id: j.job_id,
      status: 'pending',
      live: false,
      paused: false,
      progress_pct: 0,
      symbols_completed: 0,
      symbols_total: 2,
      current_symbol: null,
      current_timeframe: null,
      total_records_fetched: 0,
      total_records_inserted: 0,
      units: { total: 4, pending: 4, running: 0, completed: 0, failed: 0, cancelled: 0 },
      failures: [],
      details: [],
      details_truncated: false,
      eta_seconds: null,
      started_at: null,
      completed_at: null,
      workflow_id: j.workflow_id,
      units_url: `/api/v1/backfill/${j.job_id}/units`,
    });
    expect(first.json.temporal_ui_url).toContain(j.workflow_id);
    expect(firstMs).toBeLessThan(3_000);
    // The failed query is not retried for a while: later polls answer at Postgres speed.
    await new Promise((r) => setTimeout(r, 300));
    const t1 = performance.now();
    const second = await getJson(`/api/v1/backfill/status/${j.job_id}`);
    expect(second.json.live).toBe(false);
    expect(performance.now() - t1).toBeLessThan(200);
    await h.client.workflow.getHandle(j.workflow_id).terminate('test done');
  });

  it('reports counts, failures with reasons, details, rate and ETA from the unit rows', async () => {
    const symbols = Array.from({ length: 60 }, (_, i) => `S${i}`);
    const units = gridUnits(symbols, ['1d', '1h'], (i) => (i < 100 ? 'completed' : i < 110 ? 'failed' : i < 112 ? 'running' : 'pending'));
    for (const u of units) if (u.status === 'failed') Object.assign(u, { errorCode: 'not_entitled', errorMessage: `not entitled to ${u.symbol}` });
    const jobId = await seedJob(h.db.pool, { status: 'running', symbols, timeframes: ['1d', '1h'], units, startedAt: new Date(Date.now() - 100_000) });
    await openWorkflowFor(h, jobId);
    const { res, json } = await getJson(`/api/v1/backfill/status/${jobId}`);
    expect(res.status).toBe(200);
    expect(json.live).toBe(false);
    expect(json.units).toEqual({ total: 120, pending: 8, running: 2, completed: 100, failed: 10, cancelled: 0 });
    expect(json.progress_pct).toBe(91.7);
    expect(json.symbols_completed).toBe(55);
    expect(json.symbols_total).toBe(60);
    expect(json.total_records_fetched).toBe(1200);
    expect(json.total_records_inserted).toBe(840);
    expect(json.current_symbol).toBe('S55');
    expect(json.current_units).toHaveLength(2);
    expect(json.failures).toHaveLength(10);
    expect(json.failures[0]).toMatchObject({ unit_no: 100, symbol: 'S50', timeframe: '1d', code: 'not_entitled', message: 'not entitled to S50' });
    expect(json.details).toHaveLength(100);
    expect(json.details_truncated).toBe(true);
    expect(json.details[0]).toMatchObject({ unit_no: 0, symbol: 'S0', timeframe: '1d', status: 'completed', records_fetched: 10, records_inserted: 7 });
    expect(json.rate.bars_per_second).toBeGreaterThan(10);
    expect(json.rate.bars_per_second).toBeLessThan(13);
    expect(json.rate.units_per_minute).toBeGreaterThan(60);
    expect(json.eta_seconds).toBeGreaterThan(5);
    expect(json.eta_seconds).toBeLessThan(12);
  });

  /** A running one-unit AAPL job with an open workflow (the status answers from Postgres, live: false). */
  async function openOneUnitJob(timeframe: string, pages: { pages: number; pagesPlanned: number }, startedAt?: Date): Promise<string> {
    const jobId = await seedJob(h.db.pool, {
      status: 'running',
      symbols: ['AAPL'],
      timeframes: [timeframe],
      units: [{ symbol: 'AAPL', timeframe, status: 'running', ...pages }],
      ...(startedAt ? { startedAt } : {}),
    });
    await openWorkflowFor(h, jobId);
    return jobId;
  }

  it('progress and ETA move within a running unit: pages done of pages planned (issue 16)', async () => {
    // One unit, 3 of its 12 planned pages committed after 100 s: a quarter done, about 300 s to go.
    const single = await openOneUnitJob('1m', { pages: 3, pagesPlanned: 12 }, new Date(Date.now() - 100_000));
    const one = (await getJson(`/api/v1/backfill/status/${single}`)).json;
    expect(one).toMatchObject({ status: 'running', live: false, progress_pct: 25, units: { total: 1, running: 1, completed: 0 } });
    expect(one.eta_seconds).toBeGreaterThan(290);
    expect(one.eta_seconds).toBeLessThan(320);
    expect(one.details[0]).toMatchObject({ status: 'running', pages: 3, pages_planned: 12 });

    // 1 completed of 4; running units at 20 of 10 planned (counts as one unit, no more), 1 of 4 and
    // one without a plan yet (counts nothing); the cancelled rule holds: 1 + 1 + 0.25 of 4 units.
    const units = [
      { symbol: 'A', timeframe: '1h', status: 'completed' as const, pages: 5, pagesPlanned: 5 },
      { symbol: 'B', timeframe: '1h', status: 'running' as const, pages: 20, pagesPlanned: 10 },
      { symbol: 'C', timeframe: '1h', status: 'running' as const, pages: 1, pagesPlanned: 4 },
      { symbol: 'D', timeframe: '1h', status: 'running' as const, pages: 2 },
    ];
    const mixed = await seedJob(h.db.pool, { status: 'running', symbols: ['A', 'B', 'C', 'D'], timeframes: ['1h'], units });
    await openWorkflowFor(h, mixed);
    const many = (await getJson(`/api/v1/backfill/status/${mixed}`)).json;
    expect(many.progress_pct).toBe(56.3);
    expect(many.details.find((u) => u.symbol === 'D')).toMatchObject({ pages: 2, pages_planned: null });
    const recent = await getJson<RecentJobs>('/api/v1/backfill/recent?status=running');
    expect(recent.json.jobs.find((j) => j.job_id === single)?.progress_pct).toBe(25);
    expect(recent.json.jobs.find((j) => j.job_id === mixed)?.progress_pct).toBe(56.3);
  });

  it('a running job whose every page is in shows less than 100 until its units close', async () => {
    const jobId = await openOneUnitJob('1d', { pages: 7, pagesPlanned: 7 });
    expect((await getJson(`/api/v1/backfill/status/${jobId}`)).json.progress_pct).toBe(99.9);
  });

  it('a cancelled job counts only the units that ran as progress, in status and in the recent list', async () => {
    // 3 of 8 units completed, 1 failed, then the job was cancelled with 4 not done.
    const units = gridUnits(['AAPL', 'MSFT', 'NVDA', 'AMD'], ['1d', '1h'], (i) => (i < 3 ? 'completed' : i < 4 ? 'failed' : 'cancelled'));
    const jobId = await seedJob(h.db.pool, { status: 'cancelled', symbols: ['AAPL', 'MSFT', 'NVDA', 'AMD'], timeframes: ['1d', '1h'], units, completedAt: new Date() });
    const { json } = await getJson(`/api/v1/backfill/status/${jobId}`);
    expect(json).toMatchObject({ status: 'cancelled', units: { total: 8, completed: 3, failed: 1, cancelled: 4 }, progress_pct: 50 });
    const recent = await getJson<RecentJobs>('/api/v1/backfill/recent?status=cancelled');
    expect(recent.json.jobs.find((j) => j.job_id === jobId)?.progress_pct).toBe(50);
  });

  it('a running job whose workflow Temporal does not know (lost) is closed as failed; cancel and retry then see it failed', async () => {
    const units = gridUnits(['AAPL', 'MSFT'], ['1d', '1h'], (i) => (i < 1 ? 'completed' : i < 2 ? 'running' : 'pending'));
    // Never started in Temporal: as after retention or a wiped dev server.
    const jobId = await seedJob(h.db.pool, { status: 'running', symbols: ['AAPL', 'MSFT'], timeframes: ['1d', '1h'], units, createdAt: new Date(Date.now() - 120_000) });
    const { json } = await getJson(`/api/v1/backfill/status/${jobId}`);
    expect(json).toMatchObject({ status: 'failed', live: false, units: { total: 4, completed: 1, running: 0, pending: 0, failed: 3 } });
    expect(json.error).toMatch(/was lost/);
    expect(json.failures.map((f) => f.code)).toEqual(['internal', 'internal', 'internal']);
    expect((await jobRow(jobId)).status).toBe('failed');
    const cancel = await post(`/api/v1/backfill/${jobId}/cancel`);
    expect(cancel.status).toBe(409);
    expect((await readJson<ErrorResponse>(cancel)).error.message).toMatch(/has no running workflow/);
    // A fresh pending job is left alone: its start may still be on its way to Temporal.
    const fresh = await seedJob(h.db.pool, { status: 'pending', symbols: ['AAPL'], timeframes: ['1d'], units: gridUnits(['AAPL'], ['1d'], () => 'pending'), startedAt: null });
    expect((await getJson(`/api/v1/backfill/status/${fresh}`)).json.status).toBe('pending');
  });

  it('pause on a running job whose workflow is gone closes it and says why', async () => {
    const jobId = await seedJob(h.db.pool, { status: 'running', symbols: ['AAPL'], timeframes: ['1d'], units: gridUnits(['AAPL'], ['1d'], () => 'running'), createdAt: new Date(Date.now() - 120_000) });
    const res = await post(`/api/v1/backfill/${jobId}/pause`);
    expect(res.status).toBe(409);
    expect((await readJson<ErrorResponse>(res)).error.message).toMatch(/is failed: workflow \S+ was lost/);
    expect((await jobRow(jobId)).status).toBe('failed');
  });

  it('a finished job reports 100% and no ETA wait', async () => {
    const jobId = await seedJob(h.db.pool, {
      status: 'completed',
      symbols: ['AAPL'],
      timeframes: ['1d'],
      units: gridUnits(['AAPL'], ['1d']),
      completedAt: new Date(),
    });
    const { json } = await getJson(`/api/v1/backfill/status/${jobId}`);
    expect(json).toMatchObject({ status: 'completed', progress_pct: 100, eta_seconds: 0, live: false });
    expect(json.completed_at).not.toBeNull();
  });

  it('404 for an unknown job, 400 naming job_id for a malformed id', async () => {
    const missing = await getJson<ErrorResponse>('/api/v1/backfill/status/00000000-0000-4000-8000-000000000000');
    expect(missing.res.status).toBe(404);
    expect(missing.json.error.code).toBe('not_found');
    const bad = await getJson<ErrorResponse>('/api/v1/backfill/status/not-a-uuid');
    expect(bad.res.status).toBe(400);
    expect(bad.json.error).toMatchObject({ code: 'invalid_request', field: 'job_id' });
  });
});

describe('GET /api/v1/backfill/:job_id/units', () => {
  let bigJob: string;
  beforeAll(async () => {
    const symbols = Array.from({ length: 2_500 }, (_, i) => `T${i}`);
    bigJob = await seedJob(h.db.pool, {
      status: 'running',
      symbols,
      timeframes: ['1m', '5m', '1h', '1d'],
      units: gridUnits(symbols, ['1m', '5m', '1h', '1d'], (i) => (i % 97 === 0 ? 'failed' : 'completed')),
    });
    await h.db.pool.query('ANALYZE job_units');
  });

  it('pages through a 10,000-unit job with an opaque cursor', async () => {
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const { res, json }: { res: Response; json: UnitsPage } = await getJson<UnitsPage>(`/api/v1/backfill/${bigJob}/units?limit=1000${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      seen.push(...json.units.map((u) => u.unit_no));
      cursor = json.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(10);
    expect(seen).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
  });

  it('reads the last page through an index, as cheaply as the first', async () => {
    // Wall-clock timing on a shared machine is noise; the plan and Postgres' own execution time are not.
    const sql = `SELECT unit_no FROM job_units WHERE job_id = $1 AND ($2::text IS NULL OR status = $2) AND unit_no > $3 ORDER BY unit_no LIMIT 1001`;
    for (const [status, after] of [[null, 9_000], ['failed', 9_000], [null, -1]] as const) {
      const { rows } = await h.db.pool.query<{ 'QUERY PLAN': Array<{ Plan: unknown; 'Execution Time': number }> }>(
        `EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`,
        [bigJob, status, after],
      );
      const plan = rows[0]!['QUERY PLAN'][0]!;
      const text = JSON.stringify(plan.Plan);
      // Keyset: the index itself seeks past the cursor, so no page reads the units before it.
      expect(text, `${status} after ${after}`).toMatch(/"Index Cond":"[^"]*unit_no > /);
      expect(text).not.toMatch(/Seq Scan/);
      expect(plan['Execution Time']).toBeLessThan(50);
    }
  });

  it('filters by status, defaults to 100 per page', async () => {
    const { json } = await getJson<UnitsPage>(`/api/v1/backfill/${bigJob}/units?status=failed`);
    expect(json.limit).toBe(100);
    expect(json.status).toBe('failed');
    expect(json.units.length).toBe(100);
    expect(json.units.every((u) => u.status === 'failed' && u.unit_no % 97 === 0)).toBe(true);
    const next = await getJson<UnitsPage>(`/api/v1/backfill/${bigJob}/units?status=failed&cursor=${json.next_cursor}`);
    expect(next.json.units.length).toBe(Math.ceil(10_000 / 97) - 100);
    expect(next.json.next_cursor).toBeNull();
  });

  it('rejects a forged cursor, a bad limit and a bad status; 404 for an unknown job', async () => {
    for (const [q, field] of [
      ['cursor=abc', 'cursor'],
      ['cursor=' + Buffer.from("u1' OR 1=1").toString('base64url'), 'cursor'],
      ['limit=0', 'limit'],
      ['limit=1001', 'limit'],
      ['status=done', 'status'],
      ['page=2', 'page'],
    ] as const) {
      const { res, json } = await getJson<ErrorResponse>(`/api/v1/backfill/${bigJob}/units?${q}`);
      expect(res.status, q).toBe(400);
      expect(json.error.field, q).toBe(field);
    }
    const missing = await getJson<ErrorResponse>('/api/v1/backfill/00000000-0000-4000-8000-000000000000/units');
    expect(missing.res.status).toBe(404);
  });
});

describe('GET /api/v1/backfill/recent', () => {
  it('lists newest first with unit counts, bounded by limit, filtered by status', async () => {
    const base = Date.now() + 3_600_000; // newer than every other job of this file
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(
        await seedJob(h.db.pool, {
          status: i === 1 ? 'failed' : 'completed',
          symbols: ['AAPL', 'MSFT'],
          timeframes: ['1d'],
          units: gridUnits(['AAPL', 'MSFT'], ['1d'], () => (i === 1 ? 'failed' : 'completed')),
          createdAt: new Date(base + i * 1000),
        }),
      );
    }
    const { res, json } = await getJson<RecentJobs>('/api/v1/backfill/recent?limit=2');
    expect(res.status).toBe(200);
    expect(json.limit).toBe(2);
    expect(json.jobs.map((j) => j.job_id)).toEqual([ids[2], ids[1]]);
    expect(json.jobs[0]).toMatchObject({ status: 'completed', symbols_count: 2, progress_pct: 100, units: { total: 2, completed: 2 }, total_records_fetched: 20 });
    expect(json.jobs[0]!.status_url).toBe(`/api/v1/backfill/status/${ids[2]}`);
    const failed = await getJson<RecentJobs>('/api/v1/backfill/recent?status=failed');
    expect(failed.json.jobs.every((j) => j.status === 'failed')).toBe(true);
    expect(failed.json.jobs[0]!.job_id).toBe(ids[1]);
    const dflt = await getJson<RecentJobs>('/api/v1/backfill/recent');
    expect(dflt.json.limit).toBe(10);
    expect(dflt.json.jobs.length).toBeLessThanOrEqual(10);
  });

  it('shows at most 20 symbols of a big job but counts them all', async () => {
    const symbols = Array.from({ length: 50 }, (_, i) => `R${i}`);
    await seedJob(h.db.pool, { status: 'pending', symbols, timeframes: ['1d'], createdAt: new Date(Date.now() + 7_200_000) });
    const { json } = await getJson<RecentJobs>('/api/v1/backfill/recent?limit=1');
    expect(json.jobs[0]).toMatchObject({ symbols_count: 50, symbols_truncated: true, units: { total: 50, pending: 50 } });
    expect(json.jobs[0]!.symbols).toHaveLength(20);
  });

  it('rejects bad limits and statuses naming the field', async () => {
    for (const [q, field] of [['limit=0', 'limit'], ['limit=101', 'limit'], ['limit=ten', 'limit'], ['status=bogus', 'status'], ['limit=1&limit=2', 'limit'], ['sort=asc', 'sort']] as const) {
      const { res, json } = await getJson<ErrorResponse>(`/api/v1/backfill/recent?${q}`);
      expect(res.status, q).toBe(400);
      expect(json.error.field, q).toBe(field);
    }
  });
});

describe('retry, pause, resume, cancel', () => {
  const unknown = '00000000-0000-4000-8000-000000000000';

  it('404 for an unknown job and 400 for a malformed id, on every action', async () => {
    for (const action of ['retry', 'pause', 'resume', 'cancel']) {
      const missing = await post(`/api/v1/backfill/${unknown}/${action}`);
      expect(missing.status, action).toBe(404);
      const bad = await post(`/api/v1/backfill/xyz/${action}`);
      expect(bad.status, action).toBe(400);
      expect((await errorOf(bad)).field).toBe('job_id');
    }
  });

  it('409 for pause, resume and cancel of a finished job', async () => {
    const jobId = await seedJob(h.db.pool, { status: 'completed', symbols: ['AAPL'], timeframes: ['1d'], units: gridUnits(['AAPL'], ['1d']), completedAt: new Date() });
    for (const action of ['pause', 'resume', 'cancel']) {
      const res = await post(`/api/v1/backfill/${jobId}/${action}`);
      expect(res.status, action).toBe(409);
      expect((await errorOf(res)).message).toMatch(/completed/);
    }
  });

  it('409 when a job has no workflow (never started)', async () => {
    const jobId = await seedJob(h.db.pool, { status: 'pending', symbols: ['AAPL'], timeframes: ['1d'], startedAt: null });
    for (const action of ['pause', 'cancel', 'retry']) {
      const res = await post(`/api/v1/backfill/${jobId}/${action}`);
      expect(res.status, action).toBe(409);
    }
  });

  it('cancel of a running workflow answers 202 cancelling and requests cancellation', async () => {
    const j = await readJson<BackfillStarted>(await post('/api/v1/backfill', body()));
    const res = await post(`/api/v1/backfill/${j.job_id}/cancel`);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ job_id: j.job_id, status: 'cancelling' });
    const history = await h.client.workflow.getHandle(j.workflow_id).fetchHistory();
    expect(history.events!.some((e) => e.workflowExecutionCancelRequestedEventAttributes)).toBe(true);
    await h.client.workflow.getHandle(j.workflow_id).terminate('test done');
  });

  it('pause, resume and retry with no worker to answer are queued as signals (202, queued: true)', async () => {
    const j = await readJson<BackfillStarted>(await post('/api/v1/backfill', body()));
    const app = h.makeApp({ temporalTimeouts: FAST });
    const pause = await app.request(`/api/v1/backfill/${j.job_id}/pause`, { method: 'POST' });
    expect(pause.status).toBe(202);
    expect(await pause.json()).toEqual({ job_id: j.job_id, status: 'pending', paused: true, queued: true });
    const resume = await app.request(`/api/v1/backfill/${j.job_id}/resume`, { method: 'POST' });
    expect(resume.status).toBe(202);
    expect(await resume.json()).toEqual({ job_id: j.job_id, status: 'pending', paused: false, queued: true });
    // Nothing has failed yet: a queued retry would do nothing, so it is refused.
    const nothing = await app.request(`/api/v1/backfill/${j.job_id}/retry`, { method: 'POST' });
    expect(nothing.status).toBe(409);
    // As a worker would have left it: MSFT 1d failed.
    await h.db.pool.query(
      `INSERT INTO job_units (job_id, unit_no, symbol, timeframe, status, error_code) VALUES ($1, 0, 'AAPL', '1d', 'completed', NULL), ($1, 1, 'MSFT', '1d', 'failed', 'not_entitled')`,
      [j.job_id],
    );
    const retry = await app.request(`/api/v1/backfill/${j.job_id}/retry`, { method: 'POST', body: JSON.stringify({ symbols: ['MSFT'] }), headers: jsonHeaders() });
    expect(retry.status).toBe(202);
    expect(await retry.json()).toMatchObject({ queued: true, restarted: false, requeued: 1, units: [{ unit_no: 1, symbol: 'MSFT', timeframe: '1d' }] });
    const history = await h.client.workflow.getHandle(j.workflow_id).fetchHistory();
    const signals = history.events!.flatMap((e) => (e.workflowExecutionSignaledEventAttributes ? [e.workflowExecutionSignaledEventAttributes.signalName] : []));
    expect(signals).toEqual(['pauseSignal', 'resumeSignal', 'retryFailedSignal']);
    await h.client.workflow.getHandle(j.workflow_id).terminate('test done');
  }, 20_000);

  it('retry of a closed job that ended with failures restarts it with the original input plus the retry', async () => {
    const symbols = ['AAPL', 'MSFT', 'GOOG'];
    // Units are numbered symbol-major: 1 = AAPL 1h, 4 = GOOG 1d, 5 = GOOG 1h.
    const units = gridUnits(symbols, ['1d', '1h'], (i) => (i === 1 || i === 4 || i === 5 ? 'failed' : 'completed'));
    const jobId = await seedJob(h.db.pool, { status: 'completed_with_errors', symbols, timeframes: ['1d', '1h'], units, completedAt: new Date() });
    await h.db.pool.query(`UPDATE jobs SET concurrency = 3, adjusted = false WHERE job_id = $1`, [jobId]);

    const res = await post(`/api/v1/backfill/${jobId}/retry`, JSON.stringify({ timeframes: ['1h'] }));
    expect(res.status).toBe(202);
    const r = await readJson<RetryResponse>(res);
    expect(r).toMatchObject({ job_id: jobId, restarted: true, requeued: 2, status: 'running', queued: false });
    expect(r.units).toEqual([
      { unit_no: 1, symbol: 'AAPL', timeframe: '1h' },
      { unit_no: 5, symbol: 'GOOG', timeframe: '1h' },
    ]);
    const history = await h.client.workflow.getHandle(workflowIdForJob(jobId)).fetchHistory();
    const { defaultPayloadConverter } = await import('@temporalio/common');
    const input = defaultPayloadConverter.fromPayload<BackfillInput>(
      history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]! as never,
    );
    expect(input).toMatchObject({ jobId, symbols, timeframes: ['1d', '1h'], startDate: '2024-01-02', endDate: '2024-01-31', adjusted: false, concurrency: 3, retry: { timeframes: ['1h'] } });
    await h.client.workflow.getHandle(workflowIdForJob(jobId)).terminate('test done');
  });

  it('retry refuses symbols or timeframes outside the job (400) and a job with nothing to retry (409)', async () => {
    const jobId = await seedJob(h.db.pool, {
      status: 'completed_with_errors',
      symbols: ['AAPL', 'MSFT'],
      timeframes: ['1d'],
      units: gridUnits(['AAPL', 'MSFT'], ['1d'], (i) => (i === 0 ? 'failed' : 'completed')),
      completedAt: new Date(),
    });
    const sym = await post(`/api/v1/backfill/${jobId}/retry`, JSON.stringify({ symbols: ['TSLA'] }));
    expect(sym.status).toBe(400);
    expect((await errorOf(sym))).toMatchObject({ field: 'symbols', message: expect.stringContaining('TSLA') });
    const tf = await post(`/api/v1/backfill/${jobId}/retry`, JSON.stringify({ timeframes: ['1h'] }));
    expect(tf.status).toBe(400);
    expect((await errorOf(tf)).field).toBe('timeframes');
    const none = await post(`/api/v1/backfill/${jobId}/retry`, JSON.stringify({ symbols: ['MSFT'] }));
    expect(none.status).toBe(409);
    const broken = await post(`/api/v1/backfill/${jobId}/retry`, '{"symbols": [');
    expect(broken.status).toBe(400);
    expect((await errorOf(broken)).field).toBe('body');
    const extra = await post(`/api/v1/backfill/${jobId}/retry`, JSON.stringify({ units: [1] }));
    expect(extra.status).toBe(400);
    expect((await errorOf(extra)).field).toBe('units');

    const done = await seedJob(h.db.pool, { status: 'completed', symbols: ['AAPL'], timeframes: ['1d'], units: gridUnits(['AAPL'], ['1d']), completedAt: new Date() });
    const nothing = await post(`/api/v1/backfill/${done}/retry`);
    expect(nothing.status).toBe(409);
    expect((await errorOf(nothing)).message).toMatch(/completed/);
  });

  it('Temporal down: control actions answer 503', async () => {
    const dead = await deadTemporalClient();
    try {
      const app = h.makeApp({ client: dead.client, temporalTimeouts: FAST });
      const jobId = await seedJob(h.db.pool, { status: 'running', symbols: ['AAPL'], timeframes: ['1d'], units: gridUnits(['AAPL'], ['1d'], () => 'running') });
      for (const action of ['pause', 'cancel', 'retry']) {
        const res = await app.request(`/api/v1/backfill/${jobId}/${action}`, { method: 'POST' });
        expect(res.status, action).toBe(503);
        expect((await errorOf(res)).code).toBe('temporal_unavailable');
      }
      // Status still answers, from Postgres.
      const st = await app.request(`/api/v1/backfill/status/${jobId}`);
      expect(st.status).toBe(200);
      expect((await readJson<JobStatusResponse>(st)).live).toBe(false);
    } finally {
      await dead.close();
    }
  }, 60_000);
});

describe('auth, limits, CORS, errors', () => {
  it('with API_KEYS set, /api needs a valid bearer token; health, docs and openapi stay open; keys never logged', async () => {
    const app = h.makeApp({ env: { API_KEYS: 'alpha-secret-1,beta-secret-2' } });
    const none = await app.request('/api/v1/backfill/recent');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await errorOf(none))).toMatchObject({ code: 'unauthorized', field: 'authorization' });
    const wrong = await app.request('/api/v1/backfill/recent', { headers: { authorization: 'Bearer alpha-secret-2' } });
    expect(wrong.status).toBe(401);
    const basic = await app.request('/api/v1/backfill/recent', { headers: { authorization: 'Basic YWxwaGE6eA==' } });
    expect(basic.status).toBe(401);
    const ok = await app.request('/api/v1/backfill/recent', { headers: { authorization: 'Bearer beta-secret-2' } });
    expect(ok.status).toBe(200);
    // Bad input without a key is still 401 first: nothing about the request leaks to strangers.
    const post401 = await app.request('/api/v1/backfill', { method: 'POST', body: '{', headers: jsonHeaders() });
    expect(post401.status).toBe(401);
    for (const open of ['/healthz', '/readyz', '/openapi.json', '/docs']) {
      expect((await app.request(open)).status, open).toBe(200);
    }
    const doc = await readJson<OpenAPIObject>(await app.request('/openapi.json'));
    expect(doc.components!.securitySchemes!.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(h.logs.join('\n')).not.toMatch(/alpha-secret|beta-secret/);
  });

  it('413 for a body over API_MAX_BODY_BYTES, declared or streamed', async () => {
    const app = h.makeApp({ env: { API_MAX_BODY_BYTES: '2048' } });
    const big = body({ symbols: Array.from({ length: 400 }, (_, i) => `S${i}`) });
    const declared = await app.request('/api/v1/backfill', { method: 'POST', body: big, headers: jsonHeaders({ 'content-length': String(big.length) }) });
    expect(declared.status).toBe(413);
    expect((await errorOf(declared))).toMatchObject({ code: 'payload_too_large', field: 'body' });
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(big));
        c.close();
      },
    });
    const streamed = await app.request('/api/v1/backfill', { method: 'POST', body: stream, headers: jsonHeaders(), duplex: 'half' } as RequestInit);
    expect(streamed.status).toBe(413);
  });

  it('415 for a body that is not JSON', async () => {
    const res = await h.app.request('/api/v1/backfill', { method: 'POST', body: 'symbols=AAPL', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.status).toBe(415);
    expect((await errorOf(res)).field).toBe('content-type');
  });

  it('CORS is off by default and on for the configured origins', async () => {
    const off = await h.app.request('/api/v1/backfill/recent', { headers: { origin: 'http://evil.test' } });
    expect(off.headers.get('access-control-allow-origin')).toBeNull();
    const app = h.makeApp({ env: { API_CORS_ORIGINS: 'http://dash.test', API_KEYS: 'k-cors' } });
    const pre = await app.request('/api/v1/backfill', {
      method: 'OPTIONS',
      headers: { origin: 'http://dash.test', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('http://dash.test');
    const other = await app.request('/api/v1/backfill/recent', { headers: { origin: 'http://evil.test', authorization: 'Bearer k-cors' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('an unexpected failure is a 500 with a request id and nothing else', async () => {
    const { createApp } = await import('../../src/api/app.js');
    const { createLogger } = await import('../../src/logger.js');
    const pool = { query: async () => Promise.reject(new Error('secret internals: relation "x" does not exist')) } as never;
    const app = createApp({ config: h.config, pool, temporal: h.client, logger: createLogger({ LOG_LEVEL: 'silent' }) });
    const res = await app.request('/api/v1/backfill/recent', { headers: { 'x-request-id': 'req-500' } });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: { code: 'internal', message: 'internal error', request_id: 'req-500' } });
  });

  it('Postgres down is a 503, and /readyz names it', async () => {
    const { createPool } = await import('../../src/db/pool.js');
    const { createApp } = await import('../../src/api/app.js');
    const { createLogger } = await import('../../src/logger.js');
    const pool = createPool({ connectionString: 'postgres://postgres@127.0.0.1:1/none' });
    try {
      const app = createApp({ config: h.config, pool, temporal: h.client, logger: createLogger({ LOG_LEVEL: 'silent' }) });
      const res = await app.request('/api/v1/backfill/recent');
      expect(res.status).toBe(503);
      expect((await errorOf(res)).code).toBe('database_unavailable');
      const ready = await app.request('/readyz');
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ postgres: 'down', temporal: 'ok' });
    } finally {
      await pool.end();
    }
  });

  it('request logs are JSON lines with method, path, status, duration and request id only', async () => {
    await h.app.request('/api/v1/backfill/recent?limit=3', { headers: { 'x-request-id': 'log-check-1', authorization: 'Bearer zzz-not-logged' } });
    const line = h.logs.map((l) => JSON.parse(l)).find((l) => l.req_id === 'log-check-1' && l.msg === 'request');
    expect(line).toMatchObject({ method: 'GET', path: '/api/v1/backfill/recent', status: 200, req_id: 'log-check-1' });
    expect(typeof line.duration_ms).toBe('number');
    expect(h.logs.join('\n')).not.toContain('zzz-not-logged');
    expect(h.logs.join('\n')).not.toContain('limit=3');
  });

});
