import type { Queryable } from './pool.js';

/**
 * Marks (or clears) that this attempt of a unit is waiting for the rate limiter. Fenced on the
 * attempt's token; `updated_at` is left alone: waiting is not progress.
 */
export async function markUnitRateLimited(q: Queryable, jobId: string, unitNo: number, attemptToken: number, waiting: boolean): Promise<void> {
  await q.query(
    `UPDATE job_units
        SET rate_limited_since = CASE WHEN $4::boolean THEN clock_timestamp() END,
            rate_limited_token = CASE WHEN $4::boolean THEN attempt_token END
      WHERE job_id = $1 AND unit_no = $2 AND attempt_token = $3 AND status = 'running'`,
    [jobId, unitNo, attemptToken, waiting],
  );
}
