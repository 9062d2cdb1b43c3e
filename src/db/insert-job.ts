// The API's one write at job creation: the jobs row, inserted before the workflow starts so that a
// job is visible (and idempotent) even if Temporal is down at that moment.
import type { Queryable } from './pool.js';
import type { FetchStrategy, ReprocessMode, ValidationMode } from '../../workflows/vocabulary.js';
import { JOB_COLUMNS, getJobByIdempotencyKey, type JobRow } from './job-queries.js';

export interface NewJob {
  jobId: string;
  workflowId: string;
  idempotencyKey: string | null;
  requestFingerprint: string | null;
  symbols: readonly string[];
  timeframes: readonly string[];
  startDate: string;
  endDate: string;
  adjusted: boolean;
  concurrency: number;
  unitsTotal: number;
  /** What the job does with bars that break a rule (default `record`). */
  validation?: ValidationMode;
  /** The schedule whose run started the job (migration 009); null for a job started by a request. */
  scheduleId?: string | null;
  /** What the job fetches of its range (default `missing`: only what the ledger does not hold as final). */
  reprocess?: ReprocessMode;
  /** The endpoint told of the job's outcome (its secret is not here: see src/webhooks/secrets.ts). */
  webhookUrl?: string | null;
  /** The planner's choice for the job (default `per_ticker`). */
  strategy?: FetchStrategy;
}

export type InsertJobResult = { inserted: true; job: JobRow } | { inserted: false; job: JobRow };

/**
 * Inserts the job, or, when its idempotency key is already taken, returns the job that holds it.
 * ON CONFLICT waits for a concurrent insert of the same key to commit, so two simultaneous POSTs
 * with one key get one job between them.
 */
export async function insertJob(db: Queryable, job: NewJob): Promise<InsertJobResult> {
  const { rows } = await db.query<JobRow>(
    `INSERT INTO jobs (job_id, workflow_id, idempotency_key, request_fingerprint, status, symbols, timeframes,
                       start_date, end_date, adjusted, concurrency, units_total, validation, schedule_id, reprocess, webhook_url, strategy)
     VALUES ($1, $2, $3, $4, 'pending', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
     ON CONFLICT (idempotency_key) DO NOTHING
     RETURNING ${JOB_COLUMNS}`,
    [
      job.jobId,
      job.workflowId,
      job.idempotencyKey,
      job.requestFingerprint,
      job.symbols,
      job.timeframes,
      job.startDate,
      job.endDate,
      job.adjusted,
      job.concurrency,
      job.unitsTotal,
      job.validation ?? 'record',
      job.scheduleId ?? null,
      job.reprocess ?? 'missing',
      job.webhookUrl ?? null,
      job.strategy ?? 'per_ticker',
    ],
  );
  if (rows[0]) return { inserted: true, job: rows[0] };
  const existing = job.idempotencyKey ? await getJobByIdempotencyKey(db, job.idempotencyKey) : null;
  if (!existing) throw new Error('job insert conflicted but no job holds the idempotency key');
  return { inserted: false, job: existing };
}
