import type { Pool, Queryable } from './pool.js';
import { withTransaction } from './transaction.js';
import type { UnitTotals } from './unit-attempt.js';

export interface FailedUnit extends UnitTotals {
  /** The unit's status after the call: 'failed', or what it already was ('completed', 'cancelled'). */
  status: string;
}

/**
 * Marks a unit failed with its reason once its activity has given up. Bumping `attempts` fences
 * out a straggling attempt. A unit that already completed (its last attempt committed the end but
 * the result was lost) stays completed, and the caller learns so.
 */
export async function markUnitFailed(q: Queryable, jobId: string, unitNo: number, code: string, message: string): Promise<FailedUnit | null> {
  const { rows } = await q.query<{ status: string; pages: number; bars_fetched: number; bars_inserted: number }>(
    `WITH upd AS (
       UPDATE job_units
          SET status = 'failed', error_code = $3, error_message = $4, attempts = attempts + 1,
              completed_at = now(), updated_at = now()
        WHERE job_id = $1 AND unit_no = $2 AND status IN ('pending', 'running')
        RETURNING status, pages, bars_fetched, bars_inserted
     )
     SELECT * FROM upd
     UNION ALL
     SELECT status, pages, bars_fetched, bars_inserted FROM job_units
      WHERE job_id = $1 AND unit_no = $2 AND NOT EXISTS (SELECT 1 FROM upd)`,
    [jobId, unitNo, code, message.slice(0, 1000)],
  );
  const r = rows[0];
  return r ? { status: r.status, pages: r.pages, barsFetched: r.bars_fetched, barsInserted: r.bars_inserted } : null;
}

export interface RequeuedUnits {
  unitNos: number[];
  /** Sums over the requeued units of what they had stored before; the workflow un-counts them. */
  barsFetched: number;
  barsInserted: number;
}

/**
 * Puts failed units back to pending (error cleared, cursor kept: what was stored stays stored) and
 * reopens the job, in one transaction so that Postgres never shows a finished job with pending units.
 */
export async function requeueFailedUnits(pool: Pool, jobId: string, unitNos: readonly number[]): Promise<RequeuedUnits> {
  return withTransaction(pool, async (c) => {
    const { rows } = await c.query<{ unit_no: number; bars_fetched: number; bars_inserted: number }>(
      `UPDATE job_units
          SET status = 'pending', error_code = NULL, error_message = NULL, completed_at = NULL,
              attempts = attempts + 1, updated_at = now()
        WHERE job_id = $1 AND unit_no = ANY($2::int[]) AND status = 'failed'
        RETURNING unit_no, bars_fetched, bars_inserted`,
      [jobId, unitNos],
    );
    if (rows.length > 0) {
      await c.query(
        `UPDATE jobs SET status = 'running', completed_at = NULL, error = NULL, updated_at = now()
          WHERE job_id = $1 AND status <> 'paused'`,
        [jobId],
      );
    }
    return {
      unitNos: rows.map((r) => r.unit_no).sort((a, b) => a - b),
      barsFetched: rows.reduce((s, r) => s + r.bars_fetched, 0),
      barsInserted: rows.reduce((s, r) => s + r.bars_inserted, 0),
    };
  });
}

/** Cancels every unit not yet finished and the job itself, together. */
export async function cancelJobUnits(pool: Pool, jobId: string): Promise<number> {
  return withTransaction(pool, async (c) => {
    const { rowCount } = await c.query(
      `UPDATE job_units
          SET status = 'cancelled', attempts = attempts + 1, completed_at = now(), updated_at = now()
        WHERE job_id = $1 AND status IN ('pending', 'running')`,
      [jobId],
    );
    await c.query(
      `UPDATE jobs SET status = 'cancelled', completed_at = now(), updated_at = now() WHERE job_id = $1`,
      [jobId],
    );
    return rowCount ?? 0;
  });
}
