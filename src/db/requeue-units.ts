import type { PoolClient } from './pool.js';
import { GROUPED_TIMEFRAME } from '../../workflows/vocabulary.js';

/** Which failed units to requeue: by number (a retry inside the workflow) or by filter (a restart). */
export type RequeueSelection = { unitNos: readonly number[] } | { symbols?: readonly string[]; timeframes?: readonly string[] };

export interface RequeuedUnits {
  unitNos: number[];
  /** Sums over the requeued units of what they had stored before; the workflow un-counts them. */
  barsFetched: number;
  barsInserted: number;
  barsUpdated: number;
}

/**
 * Puts failed units back to pending (error cleared, cursor kept: what was stored stays stored) and
 * reopens the job. Both ways of retrying go through here, so they agree on the job's status: it
 * becomes `running` unless it is `paused`, because a paused workflow runs nothing until resumed
 * and the row must keep saying so. `attempt_token` moves on to fence out a straggling attempt of
 * the failed unit; `attempts` does not, since nothing ran. Call inside a transaction so that
 * Postgres never shows a finished job with pending units.
 */
export async function requeueFailedUnits(c: PoolClient, jobId: string, sel: RequeueSelection): Promise<RequeuedUnits> {
  const byNo = 'unitNos' in sel;
  const { rows } = await c.query<{ unit_no: number; bars_fetched: number; bars_inserted: number; bars_updated: number }>(
    // A grouped job's 1d units share their requests (one per day for all symbols): retrying one of
    // them retries all of its failed siblings, at no extra request (workflows/units.ts selectFailed agrees).
    `WITH sel AS (
       SELECT unit_no, timeframe FROM job_units
        WHERE job_id = $1 AND status = 'failed'
          AND ($2::int[] IS NULL OR unit_no = ANY($2::int[]))
          AND ($3::text[] IS NULL OR symbol = ANY($3::text[]))
          AND ($4::text[] IS NULL OR timeframe = ANY($4::text[]))
     ), wide AS (
       SELECT unit_no FROM sel
       UNION
       SELECT u.unit_no FROM job_units u JOIN jobs j ON j.job_id = u.job_id
        WHERE u.job_id = $1 AND j.strategy = 'grouped' AND u.status = 'failed' AND u.timeframe = $5
          AND EXISTS (SELECT 1 FROM sel WHERE sel.timeframe = $5)
     )
     UPDATE job_units
        SET status = 'pending', error_code = NULL, error_message = NULL, completed_at = NULL,
            attempt_token = attempt_token + 1, updated_at = now()
      WHERE job_id = $1 AND status = 'failed' AND unit_no IN (SELECT unit_no FROM wide)
      RETURNING unit_no, bars_fetched, bars_inserted, bars_updated`,
    [jobId, byNo ? sel.unitNos : null, byNo ? null : (sel.symbols ?? null), byNo ? null : (sel.timeframes ?? null), GROUPED_TIMEFRAME],
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
    barsUpdated: rows.reduce((s, r) => s + r.bars_updated, 0),
  };
}
