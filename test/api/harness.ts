// Builds an API app around a fresh test database and a real Temporal client (the run's dev server),
// and seeds jobs straight into Postgres for the read paths.
import { Writable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createApp } from '../../src/api/app.js';
import type { Pool } from '../../src/db/pool.js';
import { workflowIdForJob } from '../../workflows/messages.js';
import type { ErrorResponse } from '../../src/api/schemas.js';
import type { TemporalTimeouts } from '../../src/api/temporal.js';
import { inputForJob } from '../../src/temporal/job-input.js';
import { getJob } from '../../src/db/job-queries.js';
import { BackfillWorkflow } from '../../workflows/backfill.js';
import { createTestDatabase, temporalAddress, uniqueTaskQueue, type TestDatabase } from '../helpers/env.js';

export interface MakeAppOptions {
  /** Over the harness's environment; undefined unsets a variable. */
  env?: Record<string, string | undefined>;
  client?: Client;
  now?: () => Date;
  temporalTimeouts?: Partial<TemporalTimeouts>;
}

export interface Harness {
  app: ReturnType<typeof createApp>;
  db: TestDatabase;
  client: Client;
  config: Config;
  taskQueue: string;
  /** Every log line the app wrote. */
  logs: string[];
  /** Another app on the same database and task queue, e.g. with other settings or a dead Temporal. */
  makeApp(opts?: MakeAppOptions): ReturnType<typeof createApp>;
  close(): Promise<void>;
}

export async function createHarness(opts: { env?: Record<string, string>; label?: string } = {}): Promise<Harness> {
  const db = await createTestDatabase(opts.label ?? 'api');
  const connection = await Connection.connect({ address: temporalAddress() });
  const client = new Client({ connection });
  const taskQueue = uniqueTaskQueue('api');
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      logs.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  const baseEnv = {
    DATABASE_URL: db.url,
    TEMPORAL_ADDRESS: temporalAddress(),
    TEMPORAL_TASK_QUEUE: taskQueue,
    TEMPORAL_UI_URL: 'http://temporal-ui.test:8233',
    LOG_LEVEL: 'debug',
    ...opts.env,
  };
  const makeApp: Harness['makeApp'] = (o = {}) => {
    const config = loadConfig({ ...baseEnv, ...o.env });
    return createApp({
      config,
      pool: db.pool,
      temporal: o.client ?? client,
      logger: createLogger(config, { destination }),
      ...(o.now ? { now: o.now } : {}),
      ...(o.temporalTimeouts ? { temporalTimeouts: o.temporalTimeouts } : {}),
    });
  };
  const config = loadConfig(baseEnv);
  return {
    app: makeApp(),
    db,
    client,
    config,
    taskQueue,
    logs,
    makeApp,
    async close() {
      await connection.close();
      await db.drop();
    },
  };
}

/** A client whose server never answers: what the API sees when Temporal is down. */
export async function deadTemporalClient(): Promise<{ client: Client; close(): Promise<void> }> {
  const connection = Connection.lazy({ address: '127.0.0.1:1' });
  return { client: new Client({ connection }), close: () => connection.close() };
}

export interface SeedUnit {
  symbol: string;
  timeframe: string;
  status?: 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';
  barsFetched?: number;
  barsInserted?: number;
  /** Pages committed and pages the attempt planned (pages_planned stays null when omitted). */
  pages?: number;
  pagesPlanned?: number;
  errorCode?: string;
  errorMessage?: string;
}

/** A job row and its units written directly, as a worker would have left them. */
export async function seedJob(
  pool: Pool,
  o: {
    status: string;
    symbols: string[];
    timeframes: string[];
    units?: SeedUnit[];
    startedAt?: Date | null;
    completedAt?: Date | null;
    createdAt?: Date;
  },
): Promise<string> {
  const jobId = randomUUID();
  const units = o.units ?? [];
  await pool.query(
    `INSERT INTO jobs (job_id, workflow_id, status, symbols, timeframes, start_date, end_date, adjusted, concurrency,
                       units_total, created_at, started_at, completed_at)
     VALUES ($1, $2, $3, $4, $5, '2024-01-02', '2024-01-31', true, 4, $6, $7, $8, $9)`,
    [
      jobId,
      workflowIdForJob(jobId),
      o.status,
      o.symbols,
      o.timeframes,
      o.symbols.length * o.timeframes.length,
      o.createdAt ?? new Date(),
      o.startedAt === undefined ? new Date(Date.now() - 60_000) : o.startedAt,
      o.completedAt ?? null,
    ],
  );
  if (units.length) {
    await pool.query(
      `INSERT INTO job_units (job_id, unit_no, symbol, timeframe, status, bars_fetched, bars_inserted, error_code, error_message,
                              completed_at, pages, pages_planned)
       SELECT $1, n - 1, s, t, st, f, i, ec, em, CASE WHEN st IN ('completed', 'failed', 'cancelled') THEN now() END, p, pp
         FROM unnest($2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::text[], $8::text[], $9::int[], $10::int[])
              WITH ORDINALITY AS u(s, t, st, f, i, ec, em, p, pp, n)`,
      [
        jobId,
        units.map((u) => u.symbol),
        units.map((u) => u.timeframe),
        units.map((u) => u.status ?? 'pending'),
        units.map((u) => u.barsFetched ?? 0),
        units.map((u) => u.barsInserted ?? 0),
        units.map((u) => u.errorCode ?? null),
        units.map((u) => u.errorMessage ?? null),
        units.map((u) => u.pages ?? 0),
        units.map((u) => u.pagesPlanned ?? null),
      ],
    );
  }
  return jobId;
}

/** Units for every symbol x timeframe, in the worker's numbering order. */
export function gridUnits(symbols: string[], timeframes: string[], status: (i: number) => SeedUnit['status'] = () => 'completed'): SeedUnit[] {
  const out: SeedUnit[] = [];
  for (const s of symbols) for (const t of timeframes) out.push({ symbol: s, timeframe: t, status: status(out.length), barsFetched: 10, barsInserted: 7 });
  return out;
}

export async function countJobs(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM jobs');
  return rows[0]!.n;
}

/** Workflows ever started on the task queue (visibility on the dev server is immediate enough). */
export async function countWorkflows(client: Client, taskQueue: string): Promise<number> {
  const { count } = await client.workflow.count(`TaskQueue = "${taskQueue}"`);
  return count;
}

export const jsonHeaders = (extra: Record<string, string> = {}) => ({ 'content-type': 'application/json', ...extra });

/** The body of a JSON response, typed as the API's schema says it is. */
export async function readJson<T>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

/** The `error` object of an error response. */
export async function errorOf(res: Response): Promise<ErrorResponse['error']> {
  return (await readJson<ErrorResponse>(res)).error;
}

/**
 * Starts the seeded job's workflow on the harness's task queue, which no worker polls: Temporal
 * describes it as open while the API answers from Postgres (live: false), as when workers are down.
 * Without it a seeded running job is a lost one, and the API closes it as failed.
 */
export async function openWorkflowFor(h: Pick<Harness, 'client' | 'config' | 'db'>, jobId: string): Promise<void> {
  const job = await getJob(h.db.pool, jobId);
  if (!job) throw new Error(`no job ${jobId}`);
  await h.client.workflow.start(BackfillWorkflow, { workflowId: job.workflowId, taskQueue: h.config.TEMPORAL_TASK_QUEUE, args: [inputForJob(job, h.config)] });
}
