import type { Pool, Queryable } from './pool.js';
import { withTransaction } from './transaction.js';
import { TOTALS_COLUMNS, unitTotals, type UnitTotals } from './unit-attempt.js';
import { requeueFailedUnits, type RequeuedUnits } from './requeue-units.js';
import { sqlList, OPEN_UNIT_STATUSES } from './sql-words.js';

export type { RequeuedUnits } from './requeue-units.js';

export interface FailedUnit extends UnitTotals {
  /** The unit's status after the call: 'failed', or what it already was ('completed', 'cancelled'). */
  status: string;
}

/**
 * Marks a unit failed with its reason once its activity has given up. Moving `attempt_token` on
 * fences out a straggling attempt. A unit that already completed (its last attempt committed the end but
 * the result was lost) stays completed, and the caller learns so.
 */
export async function markUnitFailed(q: Queryable, jobId: string, unitNo: number, code: string, message: string): Promise<FailedUnit | null> {
  const { rows } = await q.query<{ status: string; pages: number; bars_fetched: number; bars_inserted: number; bars_updated: number }>(
    `WITH upd AS (
       UPDATE job_units
          SET status = 'failed', error_code = $3, error_message = $4, attempt_token = attempt_token + 1,
              completed_at = now(), updated_at = now()
        WHERE job_id = $1 AND unit_no = $2 AND status IN (${sqlList(OPEN_UNIT_STATUSES)})
        RETURNING status, ${TOTALS_COLUMNS}
     )
     SELECT * FROM upd
     UNION ALL
     SELECT status, ${TOTALS_COLUMNS} FROM job_units
      WHERE job_id = $1 AND unit_no = $2 AND NOT EXISTS (SELECT 1 FROM upd)`,
    [jobId, unitNo, code, message.slice(0, 1000)],
  );
  const r = rows[0];
  return r ? { status: r.status, ...unitTotals(r) } : null;
}

/** Failed units back to pending and the job reopened, in one transaction (see requeueFailedUnits). */
export async function requeueUnits(pool: Pool, jobId: string, unitNos: readonly number[]): Promise<RequeuedUnits> {
  return withTransaction(pool, (c) => requeueFailedUnits(c, jobId, { unitNos }));
}

/** Cancels every unit not yet finished and the job itself, together. */
export async function cancelJobUnits(pool: Pool, jobId: string): Promise<number> {
  return withTransaction(pool, async (c) => {
    const { rowCount } = await c.query(
      `UPDATE job_units
          SET status = 'cancelled', attempt_token = attempt_token + 1, completed_at = now(), updated_at = now()
        WHERE job_id = $1 AND status IN (${sqlList(OPEN_UNIT_STATUSES)})`,
      [jobId],
    );
    await c.query(
      `UPDATE jobs SET status = 'cancelled', completed_at = now(), updated_at = now() WHERE job_id = $1`,
      [jobId],
    );
    return rowCount ?? 0;
  });
}
