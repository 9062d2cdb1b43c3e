// Reads of job_units for the API: one aggregate for a job's totals, keyset pages for its units.
import type { Queryable } from './pool.js';
import { GROUPED_TIMEFRAME, type UnitStatus } from '../../workflows/vocabulary.js';
import { DONE_UNIT_STATUSES, runningUnitFraction, sqlList, unitStatusCounts } from './sql-words.js';

export type UnitStatusValue = UnitStatus;

/** A job's units counted by status, with the bar totals: what every summary of a job carries. */
export type UnitCounts = Record<UnitStatus, number> & {
  /** Units rows that exist; 0 until the workflow has created them. */
  unitRows: number;
  barsFetched: number;
  barsInserted: number;
  barsUpdated: number;
  /** Units' worth of pages the running units have done of their plans (0 <= it <= running). */
  runningFraction: number;
};

export interface UnitSummary extends UnitCounts {
  /** Symbols whose every unit has finished (completed, failed or cancelled). */
  symbolsDone: number;
  /** Sums over the units' fetch plans (reprocess `missing`): held sessions not fetched, requests not made. */
  sessionsSkipped: number;
  requestsSaved: number;
}

export async function getUnitSummary(db: Queryable, jobId: string): Promise<UnitSummary> {
  const { rows } = await db.query<UnitSummary>(
    `SELECT ${unitStatusCounts()},
            count(*)::int AS "unitRows",
            coalesce(sum(bars_fetched), 0)::bigint AS "barsFetched",
            coalesce(sum(bars_inserted), 0)::bigint AS "barsInserted",
            coalesce(sum(bars_updated), 0)::bigint AS "barsUpdated",
            coalesce(sum(sessions_skipped), 0)::int AS "sessionsSkipped",
            -- A grouped job's 1d units share its days: each reports the days skipped, but their
            -- requests (and savings) are one per day for all of them, so they count once.
            (coalesce(sum(requests_saved) FILTER (WHERE NOT (g.grouped AND timeframe = $2)), 0)
              + coalesce(max(requests_saved) FILTER (WHERE g.grouped AND timeframe = $2), 0))::int AS "requestsSaved",
            ${runningUnitFraction()} AS "runningFraction",
            (SELECT count(*)::int FROM (
               SELECT 1 FROM job_units WHERE job_id = $1 GROUP BY symbol
               HAVING bool_and(status IN (${sqlList(DONE_UNIT_STATUSES)}))) done) AS "symbolsDone"
       FROM job_units
      CROSS JOIN (SELECT EXISTS (SELECT 1 FROM jobs WHERE job_id = $1 AND strategy = 'grouped') AS grouped) g
      WHERE job_id = $1`,
    [jobId, GROUPED_TIMEFRAME],
  );
  return rows[0]!;
}

export interface UnitRecord {
  unitNo: number;
  symbol: string;
  timeframe: string;
  status: UnitStatusValue;
  attempts: number;
  pages: number;
  /** Requests the unit's range needs, set when an attempt starts; null before. */
  pagesPlanned: number | null;
  barsFetched: number;
  barsInserted: number;
  barsUpdated: number;
  errorCode: string | null;
  errorMessage: string | null;
  startedAt: Date | null;
  completedAt: Date | null;
  updatedAt: Date;
  /** Since when the running attempt has been waiting for the rate limiter; null when it is not. */
  rateLimitedSince: Date | null;
  sessionsSkipped: number;
  requestsSaved: number;
}

export interface UnitPage {
  units: UnitRecord[];
  /** True when more units follow the last one returned. */
  hasMore: boolean;
}

/**
 * Units in unit_no order after `afterUnitNo`, optionally of one status. Keyset pagination over the
 * primary key or job_units_by_status_idx: page 100 of a 10,000-unit job costs what page 1 does.
 */
export async function listUnits(
  db: Queryable,
  jobId: string,
  opts: { status?: UnitStatusValue; afterUnitNo?: number; limit: number },
): Promise<UnitPage> {
  const { rows } = await db.query<UnitRecord>(
    `SELECT unit_no AS "unitNo", symbol, timeframe, status, attempts, pages, pages_planned AS "pagesPlanned",
            bars_fetched AS "barsFetched", bars_inserted AS "barsInserted",
            bars_updated AS "barsUpdated", error_code AS "errorCode", error_message AS "errorMessage",
            started_at AS "startedAt", completed_at AS "completedAt", updated_at AS "updatedAt",
            CASE WHEN status = 'running' AND rate_limited_token = attempt_token THEN rate_limited_since END AS "rateLimitedSince",
            sessions_skipped AS "sessionsSkipped", requests_saved AS "requestsSaved"
       FROM job_units
      WHERE job_id = $1 AND ($2::text IS NULL OR status = $2) AND unit_no > $3
      ORDER BY unit_no
      LIMIT $4`,
    [jobId, opts.status ?? null, opts.afterUnitNo ?? -1, opts.limit + 1],
  );
  const hasMore = rows.length > opts.limit;
  return { units: hasMore ? rows.slice(0, opts.limit) : rows, hasMore };
}

/** How many failed units a retry with these filters would requeue. */
export async function countFailedUnits(
  db: Queryable,
  jobId: string,
  filter: { symbols?: readonly string[]; timeframes?: readonly string[] },
): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM job_units
      WHERE job_id = $1 AND status = 'failed'
        AND ($2::text[] IS NULL OR symbol = ANY($2::text[]))
        AND ($3::text[] IS NULL OR timeframe = ANY($3::text[]))`,
    [jobId, filter.symbols ?? null, filter.timeframes ?? null],
  );
  return rows[0]!.n;
}
