import type { Pool } from './pool.js';
import type { UnitStatus } from '../../workflows/vocabulary.js';
import { withTransaction } from './transaction.js';
import { requeueFailedUnits } from './requeue-units.js';
import { sqlList } from './sql-words.js';
import { openDays } from './grouped-days.js';

// The units whose bars the workflow counts as done: a requeued or cancelled unit is not counted.
const COUNTED = sqlList(['completed', 'failed'] satisfies UnitStatus[]);

export interface RetryStateFilter {
  symbols?: readonly string[];
  timeframes?: readonly string[];
}

export interface RetryState {
  /** The failed units matching the filter, now pending again. */
  requeued: number[];
  /** Failed units left failed (outside the filter). */
  failed: number[];
  completed: number;
  cancelled: number;
  /** Sums over units that are finished (completed or still failed), as the workflow counts them. */
  barsFetched: number;
  barsInserted: number;
  barsUpdated: number;
  startedAt: string | null;
  recentFailures: { unitNo: number; symbol: string; timeframe: string; code: string; message: string; at: string }[];
  /** A grouped job's session days: how many, and those not completed (a retry of its units runs them). */
  groupedDays?: { total: number; open: number[] };
}

/**
 * For a job restarted after its workflow closed: requeues the failed units the retry asks for and
 * returns the rest of the job's state as the new run must carry it. Postgres is the truth here:
 * the previous run's memory is gone.
 */
export async function loadRetryState(pool: Pool, jobId: string, filter: RetryStateFilter, recentLimit = 20): Promise<RetryState> {
  return withTransaction(pool, async (c) => {
    const requeued = await requeueFailedUnits(c, jobId, filter);
    const sums = await c.query<{ completed: number; cancelled: number; fetched: number; inserted: number; updated: number; started_at: Date | null }>(
      `SELECT count(*) FILTER (WHERE u.status = 'completed')::int AS completed,
              count(*) FILTER (WHERE u.status = 'cancelled')::int AS cancelled,
              coalesce(sum(u.bars_fetched) FILTER (WHERE u.status IN (${COUNTED})), 0)::bigint AS fetched,
              coalesce(sum(u.bars_inserted) FILTER (WHERE u.status IN (${COUNTED})), 0)::bigint AS inserted,
              coalesce(sum(u.bars_updated) FILTER (WHERE u.status IN (${COUNTED})), 0)::bigint AS updated,
              (SELECT started_at FROM jobs WHERE job_id = $1) AS started_at
         FROM job_units u WHERE u.job_id = $1`,
      [jobId],
    );
    const failed = await c.query<{ unit_no: number }>(
      `SELECT unit_no FROM job_units WHERE job_id = $1 AND status = 'failed' ORDER BY unit_no`,
      [jobId],
    );
    const recent = await c.query<{ unit_no: number; symbol: string; timeframe: string; error_code: string | null; error_message: string | null; completed_at: Date | null }>(
      `SELECT unit_no, symbol, timeframe, error_code, error_message, completed_at FROM job_units
        WHERE job_id = $1 AND status = 'failed' ORDER BY completed_at DESC NULLS LAST, unit_no LIMIT $2`,
      [jobId, recentLimit],
    );
    const s = sums.rows[0]!;
    const days = await openDays(c, jobId);
    return {
      ...(days.total > 0 ? { groupedDays: days } : {}),
      requeued: requeued.unitNos,
      failed: failed.rows.map((r) => r.unit_no),
      completed: s.completed,
      cancelled: s.cancelled,
      barsFetched: s.fetched,
      barsInserted: s.inserted,
      barsUpdated: s.updated,
      startedAt: s.started_at?.toISOString() ?? null,
      recentFailures: recent.rows.map((r) => ({
        unitNo: r.unit_no,
        symbol: r.symbol,
        timeframe: r.timeframe,
        code: r.error_code ?? 'internal',
        message: r.error_message ?? '',
        at: (r.completed_at ?? new Date(0)).toISOString(),
      })),
    };
  });
}
