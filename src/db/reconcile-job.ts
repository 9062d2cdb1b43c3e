import type { Queryable } from './pool.js';
import { FINAL_JOB_STATUSES } from '../../workflows/vocabulary.js';
import { sqlList, OPEN_UNIT_STATUSES } from './sql-words.js';

export interface ReconciledJob {
  /** False when the job had already reached a final status (nothing changed). */
  reconciled: boolean;
  /** Units that were pending or running and are now failed. */
  unitsClosed: number;
}

/**
 * Closes a job whose workflow ended outside the product (terminated from the Temporal UI or CLI,
 * timed out, or gone: retention, a wiped server) while its row still says it runs. The job becomes
 * `failed` with `error`; every unit that was pending or running becomes `failed` with code
 * `internal` and the same reason (its attempt token moved on, fencing out any straggler), so that
 * `/retry` restarts the job and runs exactly the units that did not complete. One statement: the
 * job and its units change together, and a job already final is left as it is.
 */
export async function reconcileJob(db: Queryable, jobId: string, error: string): Promise<ReconciledJob> {
  const { rows } = await db.query<{ units: number }>(
    `WITH job AS (
       UPDATE jobs SET status = 'failed', error = $2, completed_at = now(), updated_at = now()
        WHERE job_id = $1 AND status NOT IN (${sqlList(FINAL_JOB_STATUSES)})
        RETURNING job_id
     ), units AS (
       UPDATE job_units u
          SET status = 'failed', error_code = 'internal', error_message = $2, attempt_token = attempt_token + 1,
              completed_at = now(), updated_at = now()
         FROM job
        WHERE u.job_id = job.job_id AND u.status IN (${sqlList(OPEN_UNIT_STATUSES)})
        RETURNING 1
     )
     SELECT (SELECT count(*) FROM units)::int AS units FROM job`,
    [jobId, error.slice(0, 1000)],
  );
  const r = rows[0];
  return r ? { reconciled: true, unitsClosed: r.units } : { reconciled: false, unitsClosed: 0 };
}
