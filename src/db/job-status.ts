import type { Queryable } from './pool.js';
import { isFinalJobStatus, type JobStatus } from '../../workflows/vocabulary.js';

/** Every status but `pending`, which only the API's insert writes. */
export type WritableJobStatus = Exclude<JobStatus, 'pending'>;

/**
 * Sets the job's status; a final status stamps completed_at, any other clears it (a job reopened
 * for a retry is not complete). `error` summarises failures for readers of the job row alone.
 */
export async function setJobStatus(q: Queryable, jobId: string, status: WritableJobStatus, error: string | null = null): Promise<void> {
  await q.query(
    `UPDATE jobs
        SET status = $2, error = $3, updated_at = now(),
            started_at = coalesce(started_at, now()),
            completed_at = CASE WHEN $4 THEN coalesce(completed_at, now()) ELSE NULL END
      WHERE job_id = $1`,
    [jobId, status, error, isFinalJobStatus(status)],
  );
}
