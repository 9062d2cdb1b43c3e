// A small typed client for the backfill REST API. `fetch` is injected so tests can point it at an
// in-process Hono app (`app.request`) or a fake; no global state.
import type {
  CancelResponse,
  ControlResponse,
  PlanResponse,
  RecentResponse,
  RetryResponse,
  StartResponse,
  StatusResponse,
  UnitsResponse,
  CoverageResponse,
} from './types.js';
import type { ScheduleCreateRequest, ScheduleView } from '../api/schedule-schemas.js';

export interface ScheduleActionResult {
  id: string;
  action: string;
  message: string;
  schedule: ScheduleView;
}

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** The API answered with an error document (`{error: {code, message, field?}}`) or a bare 4xx/5xx. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** No HTTP answer at all: connection refused, DNS failure, timeout. */
export class UnreachableError extends Error {
  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(`cannot reach the backfill API at ${url} (${reason})`);
    this.name = 'UnreachableError';
  }
}

export interface StartRequest {
  symbols: string[];
  start_date: string;
  end_date: string;
  timeframes?: string[];
  adjusted?: boolean;
  concurrency?: number;
  /** `missing` (the API's default) or `all`; the API validates it. */
  reprocess?: string;
  /** `auto` (the API's default), `per_ticker` or `grouped`; the API validates it. */
  strategy?: string;
}

export interface ApiClientOptions {
  baseUrl: string;
  apiKey?: string;
  fetch: FetchLike;
  /** Per request; default 15 s. */
  timeoutMs?: number;
}

export interface ApiClient {
  readonly baseUrl: string;
  start(body: StartRequest, idempotencyKey?: string): Promise<StartResponse>;
  /** The dry run: the plan of the job `start` would start; starts nothing. */
  plan(body: StartRequest): Promise<PlanResponse>;
  status(jobId: string): Promise<StatusResponse>;
  units(jobId: string, q?: { status?: string; cursor?: string; limit?: number }): Promise<UnitsResponse>;
  recent(q?: { limit?: number; status?: string }): Promise<RecentResponse>;
  retry(jobId: string, body?: { symbols?: string[]; timeframes?: string[] }): Promise<RetryResponse>;
  pause(jobId: string): Promise<ControlResponse>;
  resume(jobId: string): Promise<ControlResponse>;
  cancel(jobId: string): Promise<CancelResponse>;
  coverage(symbol: string, timeframe: string, q: { start: string; end: string; adjusted?: string }): Promise<CoverageResponse>;
  schedules: {
    create(body: ScheduleCreateRequest): Promise<ScheduleView>;
    list(): Promise<{ schedules: ScheduleView[] }>;
    show(id: string): Promise<ScheduleView>;
    update(id: string, body: Record<string, unknown>): Promise<ScheduleView>;
    delete(id: string): Promise<void>;
    action(id: string, action: 'pause' | 'unpause' | 'trigger', note?: string): Promise<ScheduleActionResult>;
    backfill(id: string, range: { start: string; end: string }): Promise<ScheduleActionResult>;
  };
}

function describeNetworkError(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return 'timed out';
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}

function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

export function createApiClient(opts: ApiClientOptions): ApiClient {
  const baseUrl = opts.baseUrl.replace(/\/+$/, '');
  const timeoutMs = opts.timeoutMs ?? 15_000;

  async function call<T>(method: string, path: string, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json', ...extraHeaders };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (opts.apiKey) headers.authorization = `Bearer ${opts.apiKey}`;
    let res: Response;
    try {
      res = await opts.fetch(`${baseUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new UnreachableError(baseUrl, describeNetworkError(err));
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const e = (json as { error?: { code?: string; message?: string; field?: string } } | undefined)?.error;
      const fallback = text && text.length < 200 && !text.trimStart().startsWith('<') ? text.trim() : res.statusText || 'request failed';
      throw new ApiError(res.status, e?.code ?? `http_${res.status}`, e?.message ?? fallback, e?.field ?? undefined);
    }
    if (json === undefined && res.status === 204) return undefined as T;
    if (json === undefined) throw new ApiError(res.status, 'bad_response', `expected JSON from ${method} ${path}, got ${text ? 'something else' : 'an empty body'}`);
    return json as T;
  }

  const job = (id: string) => encodeURIComponent(id);

  return {
    baseUrl,
    start: (body, idempotencyKey) =>
      call('POST', '/api/v1/backfill', body, idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
    plan: (body) => call('POST', '/api/v1/backfill', { ...body, dry_run: true }),
    status: (id) => call('GET', `/api/v1/backfill/status/${job(id)}`),
    units: (id, q = {}) => call('GET', `/api/v1/backfill/${job(id)}/units${query(q)}`),
    recent: (q = {}) => call('GET', `/api/v1/backfill/recent${query(q)}`),
    retry: (id, body = {}) => call('POST', `/api/v1/backfill/${job(id)}/retry`, body),
    pause: (id) => call('POST', `/api/v1/backfill/${job(id)}/pause`, {}),
    resume: (id) => call('POST', `/api/v1/backfill/${job(id)}/resume`, {}),
    cancel: (id) => call('POST', `/api/v1/backfill/${job(id)}/cancel`, {}),
    coverage: (symbol, timeframe, q) => call('GET', `/api/v1/series/${encodeURIComponent(symbol)}/${encodeURIComponent(timeframe)}/coverage${query(q)}`),
    schedules: {
      create: (body) => call('POST', '/api/v1/schedules', body),
      list: () => call('GET', '/api/v1/schedules'),
      show: (id) => call('GET', `/api/v1/schedules/${job(id)}`),
      update: (id, body) => call('PATCH', `/api/v1/schedules/${job(id)}`, body),
      delete: (id) => call('DELETE', `/api/v1/schedules/${job(id)}`),
      action: (id, action, note) => call('POST', `/api/v1/schedules/${job(id)}/${action}`, action === 'trigger' ? undefined : note ? { note } : {}),
      backfill: (id, range) => call('POST', `/api/v1/schedules/${job(id)}/backfill`, range),
    },
  };
}
