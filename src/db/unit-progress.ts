import type { Queryable } from './pool.js';

// The no-progress clock and the page plan of a running unit (see migrations/004_unit_progress.sql).
// Both writes are fenced on the attempt token: a superseded attempt moves nothing.

/** Records how many requests the unit's whole range needs. */
export async function planUnitPages(q: Queryable, jobId: string, unitNo: number, attemptToken: number, pagesPlanned: number): Promise<void> {
  await q.query(
    `UPDATE job_units SET pages_planned = $4
      WHERE job_id = $1 AND unit_no = $2 AND attempt_token = $3 AND status = 'running'`,
    [jobId, unitNo, attemptToken, pagesPlanned],
  );
}

/** Waiting for the rate limiter is work: the wait moves the no-progress clock forward by its length. */
export async function creditLimiterWait(q: Queryable, jobId: string, unitNo: number, attemptToken: number, waitedMs: number): Promise<void> {
  await q.query(
    `UPDATE job_units SET last_progress_at = least(now(), last_progress_at + make_interval(secs => $4::float8 / 1000))
      WHERE job_id = $1 AND unit_no = $2 AND attempt_token = $3 AND status = 'running'`,
    [jobId, unitNo, attemptToken, waitedMs],
  );
}
