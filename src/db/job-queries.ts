// Reads of the jobs table for the API. Dates come back as text (YYYY-MM-DD): a `date` parsed into a
// JS Date would shift with the server's time zone.
import type { Queryable } from './pool.js';
import type { JobStatus, ReprocessMode } from '../../workflows/vocabulary.js';
import type { JobSpec } from '../../workflows/messages.js';
import { runningUnitFraction, unitStatusCounts } from './sql-words.js';
import type { UnitCounts } from './unit-queries.js';

export type JobStatusValue = JobStatus;

export interface JobRow extends JobSpec {
  workflowId: string;
  idempotencyKey: string | null;
  requestFingerprint: string | null;
  status: JobStatusValue;
  /** What the job fetches of its range (migration 007). */
  reprocess: ReprocessMode;
  /** The schedule whose run started the job (migration 009); null for a job started by a request. */
  scheduleId?: string | null;
  unitsTotal: number;
  error: string | null;
  createdAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
  updatedAt: Date;
}

export const JOB_COLUMNS = `
  job_id AS "jobId", workflow_id AS "workflowId", idempotency_key AS "idempotencyKey",
  request_fingerprint AS "requestFingerprint", status, symbols, timeframes,
  start_date::text AS "startDate", end_date::text AS "endDate", adjusted, concurrency, reprocess,
  units_total AS "unitsTotal", strategy, error, created_at AS "createdAt", started_at AS "startedAt",
  completed_at AS "completedAt", updated_at AS "updatedAt",
  schedule_id AS "scheduleId",
  CASE WHEN webhook_url IS NULL THEN NULL ELSE json_build_object('url', webhook_url) END AS webhook`;

export async function getJob(db: Queryable, jobId: string): Promise<JobRow | null> {
  const { rows } = await db.query<JobRow>(`SELECT ${JOB_COLUMNS} FROM jobs WHERE job_id = $1`, [jobId]);
  return rows[0] ?? null;
}

export async function getJobByIdempotencyKey(db: Queryable, key: string): Promise<JobRow | null> {
  const { rows } = await db.query<JobRow>(`SELECT ${JOB_COLUMNS} FROM jobs WHERE idempotency_key = $1`, [key]);
  return rows[0] ?? null;
}

export interface RecentJobRow extends Omit<JobRow, 'symbols'>, UnitCounts {
  /** At most `symbolsShown` of them; symbolsCount has the full number. */
  symbols: string[];
  symbolsCount: number;
}

/**
 * Newest jobs first, with their unit counts. Walks jobs_recent_idx / jobs_status_recent_idx and
 * aggregates each job's units through job_units_by_status_idx, so the cost is bounded by `limit`.
 */
export async function listRecentJobs(
  db: Queryable,
  opts: { limit: number; status?: JobStatusValue; symbolsShown?: number },
): Promise<RecentJobRow[]> {
  const { rows } = await db.query<RecentJobRow>(
    `SELECT job_id AS "jobId", workflow_id AS "workflowId", idempotency_key AS "idempotencyKey",
            request_fingerprint AS "requestFingerprint", status,
            symbols[1:$3] AS symbols, cardinality(symbols) AS "symbolsCount", timeframes,
            start_date::text AS "startDate", end_date::text AS "endDate", adjusted, concurrency, reprocess,
            units_total AS "unitsTotal", strategy, error, created_at AS "createdAt", started_at AS "startedAt",
            completed_at AS "completedAt", updated_at AS "updatedAt",
            c.pending, c.running, c.completed, c.failed, c.cancelled, c.unit_rows AS "unitRows",
            c.bars_fetched AS "barsFetched", c.bars_inserted AS "barsInserted", c.bars_updated AS "barsUpdated",
            c.running_fraction AS "runningFraction"
       FROM (SELECT * FROM jobs
              WHERE ($2::text IS NULL OR status = $2)
              ORDER BY created_at DESC, job_id
              LIMIT $1) j
       CROSS JOIN LATERAL (
         SELECT ${unitStatusCounts('u.status')},
                count(*)::int AS unit_rows,
                coalesce(sum(u.bars_fetched), 0)::bigint AS bars_fetched,
                coalesce(sum(u.bars_inserted), 0)::bigint AS bars_inserted,
                coalesce(sum(u.bars_updated), 0)::bigint AS bars_updated,
                ${runningUnitFraction('u')} AS running_fraction
           FROM job_units u WHERE u.job_id = j.job_id
       ) c
      ORDER BY j.created_at DESC, j.job_id`,
    [opts.limit, opts.status ?? null, opts.symbolsShown ?? 20],
  );
  return rows;
}
