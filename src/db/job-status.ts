import type { Queryable } from './pool.js';

export type WritableJobStatus = 'running' | 'paused' | 'completed' | 'completed_with_errors' | 'failed' | 'cancelled';
const FINAL = new Set<WritableJobStatus>(['completed', 'completed_with_errors', 'failed', 'cancelled']);

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
    [jobId, status, error, FINAL.has(status)],
  );
}
