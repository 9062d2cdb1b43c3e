import type { Queryable } from './pool.js';

/**
 * Closes a job whose workflow could not be started and that no client can resume (no idempotency
 * key). Only a still-pending row changes: if the start did reach Temporal after all, the workflow
 * has moved the row on and this is a no-op.
 */
export async function failUnstartedJob(db: Queryable, jobId: string, error: string): Promise<void> {
  await db.query(
    `UPDATE jobs SET status = 'failed', error = $2, completed_at = now(), updated_at = now()
      WHERE job_id = $1 AND status = 'pending'`,
    [jobId, error],
  );
}
