import type { Queryable } from './pool.js';
import { sqlList, OPEN_UNIT_STATUSES } from './sql-words.js';

export interface UnitTotals {
  pages: number;
  barsFetched: number;
  barsInserted: number;
  barsUpdated: number;
}

export type ClaimedUnit =
  | (UnitTotals & {
      state: 'claimed';
      attemptToken: number;
      resumeCursor: unknown;
      /** How long the unit has gone without progress (the no-progress clock, by Postgres' time). */
      idleMs: number;
      /** The last error an attempt noted, for the deadline's message. */
      lastError: string | null;
    })
  /** Already finished in Postgres (a previous attempt committed its end but never reported it). */
  | (UnitTotals & { state: 'completed' })
  /** Failed, cancelled, or absent: this attempt must not run. */
  | { state: 'gone'; status: string | null };

interface Row {
  status: string;
  attempt_token: number;
  resume_cursor: unknown;
  pages: number;
  bars_fetched: number;
  bars_inserted: number;
  idle_ms?: number;
  error_message?: string | null;
  bars_updated: number;
}

export const TOTALS_COLUMNS = 'pages, bars_fetched, bars_inserted, bars_updated';
export const unitTotals = (r: Pick<Row, 'pages' | 'bars_fetched' | 'bars_inserted' | 'bars_updated'>): UnitTotals => ({
  pages: r.pages,
  barsFetched: r.bars_fetched,
  barsInserted: r.bars_inserted,
  barsUpdated: r.bars_updated,
});

/**
 * Starts an attempt of a unit: counts it in `attempts` and moves `attempt_token` on, handing the new
 * token back. Every later write of the attempt is fenced on it, so an attempt that Temporal gave up
 * on (heartbeat timeout, killed worker that comes back) can never commit after its successor starts.
 */
export async function claimUnit(q: Queryable, jobId: string, unitNo: number): Promise<ClaimedUnit> {
  const claimed = await q.query<Row>(
    `UPDATE job_units
        SET attempts = attempts + 1, attempt_token = attempt_token + 1, status = 'running', started_at = coalesce(started_at, now()), updated_at = now(),
            -- A pending unit (fresh or requeued) starts its no-progress clock; a retried attempt keeps it.
            last_progress_at = CASE WHEN status = 'pending' OR last_progress_at IS NULL THEN now() ELSE last_progress_at END
      WHERE job_id = $1 AND unit_no = $2 AND status IN (${sqlList(OPEN_UNIT_STATUSES)})
      RETURNING status, attempt_token, resume_cursor, ${TOTALS_COLUMNS}, error_message,
                greatest(0, extract(epoch FROM now() - last_progress_at) * 1000)::float8 AS idle_ms`,
    [jobId, unitNo],
  );
  const row = claimed.rows[0];
  if (row) {
    return { state: 'claimed', attemptToken: row.attempt_token, resumeCursor: row.resume_cursor, idleMs: row.idle_ms ?? 0, lastError: row.error_message ?? null, ...unitTotals(row) };
  }
  const { rows } = await q.query<Row>(
    `SELECT status, attempt_token, resume_cursor, ${TOTALS_COLUMNS} FROM job_units WHERE job_id = $1 AND unit_no = $2`,
    [jobId, unitNo],
  );
  const now = rows[0];
  if (now?.status === 'completed') return { state: 'completed', ...unitTotals(now) };
  return { state: 'gone', status: now?.status ?? null };
}

/** Marks the unit completed if this attempt still owns it; null when it was superseded. */
export async function completeUnit(q: Queryable, jobId: string, unitNo: number, attemptToken: number): Promise<UnitTotals | null> {
  const { rows } = await q.query<Row>(
    `UPDATE job_units
        SET status = 'completed', completed_at = now(), updated_at = now(), error_code = NULL, error_message = NULL
      WHERE job_id = $1 AND unit_no = $2 AND attempt_token = $3 AND status = 'running'
      RETURNING status, attempt_token, resume_cursor, ${TOTALS_COLUMNS}`,
    [jobId, unitNo, attemptToken],
  );
  return rows[0] ? unitTotals(rows[0]) : null;
}

/**
 * Records why the current attempt failed while the unit keeps retrying, so that status read from
 * Postgres alone can say "rate limited, retrying" instead of a silent "running".
 */
export async function noteUnitError(
  q: Queryable,
  jobId: string,
  unitNo: number,
  attemptToken: number,
  code: string,
  message: string,
): Promise<void> {
  await q.query(
    `UPDATE job_units SET error_code = $4, error_message = $5, updated_at = now()
      WHERE job_id = $1 AND unit_no = $2 AND attempt_token = $3 AND status = 'running'`,
    [jobId, unitNo, attemptToken, code, message.slice(0, 1000)],
  );
}
