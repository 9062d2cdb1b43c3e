// One scenario's product stack: worker processes and an API process (real children, see proc.ts)
// wired to a database, a Temporal server, a task queue and a Polygon (simulator) URL, plus the
// small HTTP and polling helpers every scenario uses.
import type { Client } from '@temporalio/client';
import type { Pool } from '../../../src/db/pool.js';
import { freePort } from '../../../src/temporal/dev-server.js';
import type { JobStatus } from '../../../workflows/messages.js';
import { isFinalJobStatus } from '../../../workflows/vocabulary.js';
import { baseEnv, ManagedProcess } from '../../helpers/proc.js';
import { sleep, StopWaiting, waitFor } from '../../helpers/wait.js';
import type { Report } from './report.js';
import { waitForPoller } from './temporal.js';

export interface StackOptions {
  report: Report;
  dir: string;
  databaseUrl: string;
  temporalAddress: string;
  taskQueue: string;
  polygonUrl: string;
  polygonKey: string;
  /** Temporal client used for readiness checks (pollers) and workflow state. */
  client: Client;
  /** Environment shared by every worker and the API (overrides the defaults below). */
  env?: Record<string, string>;
}

/** Fast-failing defaults: short heartbeats, small pages, jobs that close at once when units fail. */
export const FAST_DEFAULTS: Record<string, string> = {
  LOG_LEVEL: 'info',
  UNIT_HEARTBEAT_TIMEOUT_SECONDS: '3',
  UNIT_DEADLINE_SECONDS: '120',
  JOB_RETRY_WINDOW_SECONDS: '0',
  POLYGON_REQUEST_TIMEOUT_MS: '5000',
  POLYGON_CONNECT_TIMEOUT_MS: '2000',
  POLYGON_RATE_LIMIT_RPM: '0',
  PG_POOL_MAX: '5',
  WORKER_MAX_CONCURRENT_ACTIVITIES: '8',
  // Scenarios run several workers on one host: each takes any free metrics port.
  WORKER_METRICS_PORT: '0',
  // Scenario webhook receivers listen on loopback, which production refuses.
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
};

export interface HttpAnswer<T = Record<string, unknown>> {
  status: number;
  body: T;
  text: string;
  ms: number;
}

export class Stack {
  readonly workers: ManagedProcess[] = [];
  api: ManagedProcess | undefined;
  apiUrl = '';
  apiKey: string | undefined;
  readonly env: Record<string, string>;

  constructor(readonly opts: StackOptions) {
    this.env = {
      ...baseEnv(),
      ...FAST_DEFAULTS,
      DATABASE_URL: opts.databaseUrl,
      TEMPORAL_ADDRESS: opts.temporalAddress,
      TEMPORAL_TASK_QUEUE: opts.taskQueue,
      POLYGON_BASE_URL: opts.polygonUrl,
      POLYGON_API_KEY: opts.polygonKey,
      ...opts.env,
    };
  }

  get report(): Report {
    return this.opts.report;
  }

  /** Starts a worker process and waits until it polls the task queue. */
  async startWorker(name = `worker${this.workers.length ? `-${this.workers.length + 1}` : ''}`, envPatch: Record<string, string> = {}): Promise<ManagedProcess> {
    const w = new ManagedProcess({ name, script: 'src/worker.ts', env: { ...this.env, ...envPatch }, logDir: this.opts.dir });
    this.workers.push(w);
    await this.boot(w);
    return w;
  }

  /** Starts (or starts again) a worker and waits for it to poll. */
  async boot(w: ManagedProcess): Promise<void> {
    const since = Date.now();
    w.start();
    await Promise.race([
      waitForPoller(this.opts.client, this.opts.taskQueue, w.pid!, 90_000),
      w.exited().then((e) => {
        throw new Error(`${w.name} exited during start-up (code ${e.code}, signal ${e.signal}):\n${w.lines.slice(-20).join('\n')}`);
      }),
    ]);
    this.report.setup(`${w.name} #${w.generation} (pid ${w.pid}) is polling ${this.opts.taskQueue} after ${((Date.now() - since) / 1000).toFixed(1)} s`);
  }

  /** Starts the API process on a free port and waits for /healthz. */
  async startApi(envPatch: Record<string, string> = {}): Promise<ManagedProcess> {
    const port = await freePort();
    this.apiUrl = `http://127.0.0.1:${port}`;
    const keys = envPatch.API_KEYS ?? this.env.API_KEYS;
    this.apiKey = keys ? keys.split(',')[0] : undefined;
    const api = new ManagedProcess({ name: 'api', script: 'src/api/server.ts', env: { ...this.env, API_HOST: '127.0.0.1', API_PORT: String(port), ...envPatch }, logDir: this.opts.dir });
    this.api = api;
    await this.bootApi();
    return api;
  }

  async bootApi(): Promise<void> {
    const api = this.api!;
    const since = Date.now();
    if (!api.running) api.start();
    await waitFor(
      'the API to answer /healthz',
      async () => {
        if (!api.running) throw new StopWaiting(`api exited during start-up:\n${api.lines.slice(-20).join('\n')}`);
        const r = await fetch(`${this.apiUrl}/healthz`, { signal: AbortSignal.timeout(2_000) });
        return r.ok;
      },
      60_000,
      200,
    );
    this.report.setup(`api #${api.generation} (pid ${api.pid}) serving ${this.apiUrl} after ${((Date.now() - since) / 1000).toFixed(1)} s`);
  }

  headers(extra: Record<string, string> = {}): Record<string, string> {
    const h: Record<string, string> = { 'content-type': 'application/json', ...extra };
    if (this.apiKey) h.authorization = `Bearer ${this.apiKey}`;
    return h;
  }

  /** Any HTTP call to the API, with a hard timeout (a hang is a failure, not a wait). */
  async http<T = Record<string, unknown>>(method: string, path: string, init: { body?: string; headers?: Record<string, string>; timeoutMs?: number; auth?: boolean } = {}): Promise<HttpAnswer<T>> {
    const started = Date.now();
    const headers = init.auth === false ? { 'content-type': 'application/json', ...init.headers } : this.headers(init.headers);
    const res = await fetch(`${this.apiUrl}${path}`, { method, headers, body: init.body, signal: AbortSignal.timeout(init.timeoutMs ?? 15_000) });
    const text = await res.text();
    let body: unknown = undefined;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    return { status: res.status, body: body as T, text, ms: Date.now() - started };
  }

  /** POST /api/v1/backfill; throws unless 2xx. */
  async startJob(body: Record<string, unknown>, idempotencyKey?: string): Promise<{ jobId: string; workflowId: string; answer: HttpAnswer }> {
    const a = await this.http('POST', '/api/v1/backfill', { body: JSON.stringify(body), headers: idempotencyKey ? { 'idempotency-key': idempotencyKey } : {} });
    if (a.status < 200 || a.status >= 300) throw new Error(`POST /api/v1/backfill answered ${a.status}: ${a.text}`);
    const jobId = String(a.body.job_id);
    const workflowId = String(a.body.workflow_id ?? `backfill-${jobId}`);
    this.report.inject(`started job ${jobId} (${JSON.stringify(body)})`);
    return { jobId, workflowId, answer: a };
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.workers.map((w) => w.stop(5_000)), this.api?.stop(5_000)]);
  }

  /** Every line every process of this stack printed. */
  allLines(): string[] {
    return [...this.workers.flatMap((w) => w.lines), ...(this.api?.lines ?? [])];
  }

  /** Crashes nobody asked for, as text (empty when none). */
  unexpectedExits(): string[] {
    return [...this.workers, ...(this.api ? [this.api] : [])].flatMap((p) =>
      p.unexpectedExits.map((e) => `${p.name} exited on its own (code ${e.code}, signal ${e.signal}); last lines:\n${p.lines.slice(-10).join('\n')}`),
    );
  }
}

export interface JobProgress {
  status: JobStatus;
  units: Record<string, number>;
  pages: number;
  fetched: number;
  inserted: number;
}

export async function jobProgress(pool: Pool, jobId: string): Promise<JobProgress | undefined> {
  const { rows } = await pool.query<{ status: JobStatus }>('SELECT status FROM jobs WHERE job_id = $1', [jobId]);
  if (!rows[0]) return undefined;
  const { rows: u } = await pool.query<{ status: string; n: number; pages: number; fetched: number; inserted: number }>(
    `SELECT status, count(*)::int AS n, coalesce(sum(pages), 0)::int AS pages, coalesce(sum(bars_fetched), 0)::bigint AS fetched, coalesce(sum(bars_inserted), 0)::bigint AS inserted
       FROM job_units WHERE job_id = $1 GROUP BY status`,
    [jobId],
  );
  const p: JobProgress = { status: rows[0].status, units: {}, pages: 0, fetched: 0, inserted: 0 };
  for (const r of u) {
    p.units[r.status] = r.n;
    p.pages += Number(r.pages);
    p.fetched += Number(r.fetched);
    p.inserted += Number(r.inserted);
  }
  return p;
}

/**
 * Waits until the job's row has a final status; returns it. With `stack`, gives up at once when one
 * of its processes crashed on its own (nobody will finish the job; the crash is the finding).
 */
export async function waitForJobEnd(pool: Pool, jobId: string, timeoutMs: number, report?: Report, stack?: Stack): Promise<JobStatus> {
  let last = '';
  const status = await waitFor(
    `job ${jobId} to end`,
    async () => {
      const crashes = stack?.unexpectedExits() ?? [];
      if (crashes.length) throw new StopWaiting(`a product process crashed while job ${jobId} ran:\n${crashes.join('\n')}`);
      const p = await jobProgress(pool, jobId);
      const line = p ? `${p.status} ${JSON.stringify(p.units)} pages=${p.pages} fetched=${p.fetched} new=${p.inserted}` : 'no row yet';
      last = line;
      return p && isFinalJobStatus(p.status) ? p.status : undefined;
    },
    timeoutMs,
    500,
  ).catch((err: Error) => {
    throw new Error(`${err.message}; last progress: ${last}`);
  });
  report?.note(`job ${jobId.slice(0, 8)} ended ${status} (${last})`);
  return status;
}

/** Waits until the job has committed at least `pages` pages in total. */
export async function waitForPages(pool: Pool, jobId: string, pages: number, timeoutMs: number, stack?: Stack): Promise<JobProgress> {
  return waitFor(
    `job ${jobId} to commit ${pages} pages`,
    async () => {
      const crashes = stack?.unexpectedExits() ?? [];
      if (crashes.length) throw new StopWaiting(`a product process crashed while job ${jobId} ran:\n${crashes.join('\n')}`);
      const p = await jobProgress(pool, jobId);
      if (p && isFinalJobStatus(p.status)) throw new StopWaiting(`job ended (${p.status}) before ${pages} pages: the scenario is too short to inject its fault mid-job`);
      return p && p.pages >= pages ? p : undefined;
    },
    timeoutMs,
    100,
  );
}

export { sleep };
