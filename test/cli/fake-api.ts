// A small in-memory stand-in for the backfill REST API (same routes and JSON shapes), for CLI unit
// tests and dashboard checks that need no Temporal. Every status read advances running jobs by one
// unit, so a watch loop sees progress deterministically. The real API is exercised by the e2e tests.
// Its answers are typed by the API's own schemas, so a field renamed there breaks this file too.
import { Hono } from 'hono';
import type {
  BackfillStarted,
  CancelResponse,
  ControlResponse,
  JobStatusResponse,
  JobSummary,
  RecentJobs,
  RetryResponse,
  UnitRow,
  UnitsPage,
} from '../../src/api/schemas.js';
import { isFinalJobStatus, type JobStatus } from '../../workflows/vocabulary.js';

type FakeUnit = UnitRow;

interface FakeJob {
  job_id: string;
  status: JobStatus;
  paused: boolean;
  symbols: string[];
  timeframes: string[];
  start_date: string;
  end_date: string;
  adjusted: boolean;
  concurrency: number;
  units: FakeUnit[];
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
}

export interface FakeApiOptions {
  /** Tickers whose units fail with not_entitled. */
  failing?: string[];
  apiKeys?: string[];
  now?: () => number;
  /** Units finished per status read (default 1); 0 freezes progress. */
  step?: number;
}

const BARS = 250;

export function createFakeApi(opts: FakeApiOptions = {}) {
  const jobs = new Map<string, FakeJob>();
  const failing = new Set(opts.failing ?? []);
  const now = opts.now ?? (() => Date.now());
  const iso = () => new Date(now()).toISOString();
  let seq = 0;
  const step = opts.step ?? 1;
  const app = new Hono();

  const err = (status: 400 | 401 | 404 | 409, code: string, message: string, field?: string) =>
    new Response(JSON.stringify({ error: { code, message, ...(field ? { field } : {}) } }), {
      status,
      headers: { 'content-type': 'application/json' },
    });

  app.use('/api/*', async (c, next) => {
    if (opts.apiKeys?.length) {
      const auth = c.req.header('authorization') ?? '';
      if (!opts.apiKeys.some((k) => auth === `Bearer ${k}`)) return err(401, 'unauthorized', 'missing or invalid API key');
    }
    await next();
  });

  const workflowId = (j: FakeJob) => `backfill-${j.job_id}`;
  const temporalUrl = (j: FakeJob) => `http://localhost:8233/namespaces/default/workflows/${workflowId(j)}`;

  const counts = (j: FakeJob) => {
    const c = { total: j.units.length, pending: 0, running: 0, completed: 0, failed: 0, cancelled: 0 };
    for (const u of j.units) c[u.status]++;
    return c;
  };

  const settle = (j: FakeJob) => {
    const c = counts(j);
    if (j.status === 'cancelled') return;
    if (c.pending + c.running === 0) {
      j.status = c.failed ? 'completed_with_errors' : 'completed';
      j.completed_at ??= iso();
    }
  };

  const advance = (j: FakeJob) => {
    if (j.paused || isFinalJobStatus(j.status)) return;
    j.status = 'running';
    j.started_at ??= iso();
    for (let i = 0; i < step; i++) {
      const u = j.units.find((x) => x.status === 'running') ?? j.units.find((x) => x.status === 'pending');
      if (!u) break;
      u.attempts++;
      u.started_at ??= iso();
      u.updated_at = iso();
      u.completed_at = iso();
      if (failing.has(u.symbol)) {
        u.status = 'failed';
        u.error_code = 'not_entitled';
        u.error_message = `Your plan doesn't include this data timeframe (${u.symbol})`;
      } else {
        u.status = 'completed';
        u.pages = 1;
        u.records_fetched = BARS;
        u.records_inserted = BARS;
      }
    }
    const next = j.units.find((x) => x.status === 'pending');
    if (next) {
      next.status = 'running';
      next.started_at = iso();
    }
    settle(j);
  };

  const statusJson = (j: FakeJob): JobStatusResponse => {
    const c = counts(j);
    const fetched = j.units.reduce((s, u) => s + u.records_fetched, 0);
    const done = c.completed + c.failed + c.cancelled;
    const cur = j.units.find((u) => u.status === 'running');
    return {
      job_id: j.job_id,
      status: j.paused && j.status === 'running' ? 'paused' : j.status,
      paused: j.paused,
      live: true,
      progress_pct: c.total ? Math.round((1000 * (c.completed + c.failed)) / c.total) / 10 : 0,
      symbols_completed: j.symbols.filter((s) => j.units.every((u) => u.symbol !== s || u.status === 'completed')).length,
      symbols_total: j.symbols.length,
      current_symbol: cur?.symbol ?? null,
      current_timeframe: cur?.timeframe ?? null,
      total_records_fetched: fetched,
      total_records_inserted: fetched,
      total_records_updated: 0,
      reprocess: 'missing',
      sessions_skipped: j.units.reduce((s, u) => s + u.sessions_skipped, 0),
      requests_saved: j.units.reduce((s, u) => s + u.requests_saved, 0),
      units: c,
      current_units: cur ? [{ unit_no: cur.unit_no, symbol: cur.symbol, timeframe: cur.timeframe }] : [],
      failures: j.units
        .filter((u) => u.status === 'failed')
        .map((u) => ({ unit_no: u.unit_no, symbol: u.symbol, timeframe: u.timeframe, code: u.error_code ?? 'internal', message: u.error_message ?? '', at: u.completed_at })),
      failures_truncated: false,
      rate: { bars_per_second: done && !j.completed_at ? 1250 : null, units_per_minute: done && !j.completed_at ? 30 : null },
      eta_seconds: j.completed_at ? null : (c.total - done) * 2,
      timeframes: j.timeframes,
      date_range: { start_date: j.start_date, end_date: j.end_date },
      adjusted: j.adjusted,
      concurrency: j.concurrency,
      error: null,
      retry_deadline: null,
      created_at: j.created_at,
      started_at: j.started_at,
      completed_at: j.completed_at,
      updated_at: iso(),
      details: [],
      details_truncated: false,
      units_url: `/api/v1/backfill/${j.job_id}/units`,
      quality: { sessions_covered: 0, gaps: 0, suspect: 0, violations_by_rule: {} },
      issues_url: `/api/v1/backfill/${j.job_id}/issues`,
      workflow_id: workflowId(j),
      temporal_ui_url: temporalUrl(j),
      timestamp: iso(),
    };
  };

  const summary = (j: FakeJob): JobSummary => {
    const s = statusJson(j);
    return {
      job_id: j.job_id,
      workflow_id: workflowId(j),
      status: s.status,
      symbols_count: j.symbols.length,
      symbols: j.symbols,
      symbols_truncated: false,
      timeframes: j.timeframes,
      date_range: s.date_range,
      adjusted: j.adjusted,
      concurrency: j.concurrency,
      units_total: j.units.length,
      units: s.units,
      progress_pct: s.progress_pct,
      total_records_fetched: s.total_records_fetched,
      total_records_inserted: s.total_records_inserted,
      total_records_updated: s.total_records_updated,
      error: null,
      created_at: j.created_at,
      started_at: j.started_at,
      completed_at: j.completed_at,
      status_url: `/api/v1/backfill/status/${j.job_id}`,
      temporal_ui_url: temporalUrl(j),
    };
  };

  app.post('/api/v1/backfill', async (c) => {
    const b = (await c.req.json().catch(() => null)) as Record<string, unknown> | null;
    if (!b || !Array.isArray(b.symbols) || b.symbols.length === 0) return err(400, 'invalid_request', 'symbols: must be a non-empty list', 'symbols');
    if (typeof b.start_date !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(b.start_date))
      return err(400, 'invalid_request', 'start_date: must be YYYY-MM-DD', 'start_date');
    if (typeof b.end_date !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(b.end_date)) return err(400, 'invalid_request', 'end_date: must be YYYY-MM-DD', 'end_date');
    if (b.start_date > b.end_date) return err(400, 'invalid_request', 'start_date: must not be after end_date', 'start_date');
    const symbols = (b.symbols as string[]).map((s) => s.toUpperCase());
    const timeframes = (b.timeframes as string[] | undefined) ?? ['1d'];
    const job_id = `00000000-0000-4000-8000-${String(++seq).padStart(12, '0')}`;
    const units: FakeUnit[] = [];
    for (const symbol of symbols)
      for (const timeframe of timeframes)
        units.push({
          unit_no: units.length + 1,
          symbol,
          timeframe,
          status: 'pending',
          attempts: 0,
          pages: 0,
          pages_planned: null,
          records_fetched: 0,
          records_inserted: 0,
          records_updated: 0,
          error_code: null,
          error_message: null,
          started_at: null,
          completed_at: null,
          updated_at: iso(),
          waiting_for_rate_limit: false,
          sessions_skipped: 0,
          requests_saved: 0,
        });
    const job: FakeJob = {
      job_id,
      status: 'pending',
      paused: false,
      symbols,
      timeframes,
      start_date: b.start_date,
      end_date: b.end_date,
      adjusted: typeof b.adjusted === 'boolean' ? b.adjusted : true,
      concurrency: typeof b.concurrency === 'number' ? b.concurrency : 4,
      units,
      created_at: iso(),
      started_at: null,
      completed_at: null,
    };
    jobs.set(job_id, job);
    const s = summary(job);
    const started: BackfillStarted = {
      job_id,
      status: s.status,
      symbols_count: s.symbols_count,
      symbols: s.symbols,
      date_range: s.date_range,
      timeframes: s.timeframes,
      adjusted: s.adjusted,
      concurrency: s.concurrency,
      units_total: s.units_total,
      timestamp: iso(),
      workflow_id: s.workflow_id,
      temporal_ui_url: s.temporal_ui_url,
      status_url: s.status_url,
      idempotent_replay: false,
      estimate: { requests: units.length, duration_seconds: null, rate_limit_rpm: null },
    };
    return c.json(started, 202);
  });

  app.get('/api/v1/backfill/recent', (c) => {
    const limit = Number(c.req.query('limit') ?? 10);
    const status = c.req.query('status');
    const list = [...jobs.values()]
      .reverse()
      .map(summary)
      .filter((j) => !status || j.status === status)
      .slice(0, limit);
    const body: RecentJobs = { jobs: list, count: list.length, limit, status: (status as JobStatus | undefined) ?? null };
    return c.json(body);
  });

  app.get('/api/v1/backfill/status/:id', (c) => {
    const j = jobs.get(c.req.param('id'));
    if (!j) return err(404, 'not_found', `no job ${c.req.param('id')}`);
    advance(j);
    return c.json(statusJson(j));
  });

  app.get('/api/v1/backfill/:id/units', (c) => {
    const j = jobs.get(c.req.param('id'));
    if (!j) return err(404, 'not_found', `no job ${c.req.param('id')}`);
    const status = c.req.query('status') as UnitRow['status'] | undefined;
    const limit = Number(c.req.query('limit') ?? 50);
    const after = Number(c.req.query('cursor') ?? 0);
    const list = j.units.filter((u) => (!status || u.status === status) && u.unit_no > after);
    const page = list.slice(0, limit);
    const body: UnitsPage = { job_id: j.job_id, status: status ?? null, limit, units: page, next_cursor: list.length > limit ? String(page[page.length - 1]!.unit_no) : null };
    return c.json(body);
  });

  app.post('/api/v1/backfill/:id/:action', async (c) => {
    const j = jobs.get(c.req.param('id'));
    if (!j) return err(404, 'not_found', `no job ${c.req.param('id')}`);
    const action = c.req.param('action');
    const final = isFinalJobStatus(j.status);
    const control = (status: JobStatus, paused: boolean): ControlResponse => ({ job_id: j.job_id, status, paused, queued: false });
    switch (action) {
      case 'retry': {
        const failed = j.units.filter((u) => u.status === 'failed');
        if (!failed.length) return err(409, 'conflict', 'the job has no failed units to retry');
        for (const u of failed) Object.assign(u, { status: 'pending', error_code: null, error_message: null, completed_at: null });
        j.status = 'running';
        j.completed_at = null;
        const retried: RetryResponse = {
          job_id: j.job_id,
          workflow_id: workflowId(j),
          status: j.status,
          requeued: failed.length,
          units: failed.map((u) => ({ unit_no: u.unit_no, symbol: u.symbol, timeframe: u.timeframe })),
          restarted: false,
          queued: false,
        };
        return c.json(retried);
      }
      case 'pause':
        if (final) return err(409, 'conflict', `the job is ${j.status}`);
        j.paused = true;
        return c.json(control('paused', true));
      case 'resume':
        if (!j.paused) return err(409, 'conflict', 'the job is not paused');
        j.paused = false;
        return c.json(control(j.status, false));
      case 'cancel':
        if (final) return err(409, 'conflict', `the job is already ${j.status}`);
        j.status = 'cancelled';
        j.completed_at = iso();
        for (const u of j.units) if (u.status === 'pending' || u.status === 'running') u.status = 'cancelled';
        return c.json({ job_id: j.job_id, status: 'cancelling' } satisfies CancelResponse, 202);
      default:
        return err(404, 'not_found', 'no such route');
    }
  });

  return {
    app,
    jobs,
    /** Stops failing these tickers (like fixing the simulator's entitlement). */
    heal(symbols?: string[]) {
      if (!symbols) failing.clear();
      else for (const s of symbols) failing.delete(s);
    },
  };
}
