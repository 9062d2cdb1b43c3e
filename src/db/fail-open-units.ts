import type { Queryable } from './pool.js';
import { sqlList, OPEN_UNIT_STATUSES } from './sql-words.js';

/**
 * A job-wide failure (a bad Polygon key fails every request the same way): every unit not
 * finished yet fails with the same code in one statement, instead of each running to fail on its
 * own. The attempt token moves on, so no attempt still out there can write afterwards.
 */
export async function failOpenUnits(q: Queryable, jobId: string, code: string, message: string): Promise<number[]> {
  const { rows } = await q.query<{ unit_no: number }>(
    `UPDATE job_units
        SET status = 'failed', error_code = $2, error_message = $3, completed_at = now(), updated_at = now(),
            attempt_token = attempt_token + 1
      WHERE job_id = $1 AND status IN (${sqlList(OPEN_UNIT_STATUSES)})
      RETURNING unit_no`,
    [jobId, code, message.slice(0, 1000)],
  );
  return rows.map((r) => r.unit_no).sort((a, b) => a - b);
}
