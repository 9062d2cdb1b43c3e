import type { CoverageState, ValidationRule } from '../../workflows/vocabulary.js';
import type { Queryable } from './pool.js';

/** One ledger row, dates as epoch days and instants as epoch ms. */
export interface LedgerDay {
  day: number;
  state: Exclude<CoverageState, 'not_fetched'>;
  bars: number;
  first: number | null;
  last: number | null;
  outside: number;
  violations: number;
  /** Rules the day's bars broke (any job), sorted; empty when none. */
  rules: ValidationRule[];
  fetchedAt: string;
}

/** The ledger rows of one series between two New York dates (epoch days, inclusive), in date order. */
export async function readCoverage(q: Queryable, seriesId: number, fromDay: number, toDay: number): Promise<LedgerDay[]> {
  const { rows } = await q.query<{
    day: number; state: LedgerDay['state']; bars: number; first: number | null; last: number | null;
    outside: number; violations: number; rules: ValidationRule[] | null; fetched_at: Date;
  }>(
    `SELECT cd.day - date '1970-01-01' AS day, cd.state, cd.bars,
            (extract(epoch FROM cd.first_bar) * 1000)::float8 AS first, (extract(epoch FROM cd.last_bar) * 1000)::float8 AS last,
            cd.outside_session AS outside, cd.violations, cd.fetched_at,
            CASE WHEN cd.violations > 0 THEN (
              SELECT array_agg(DISTINCT v.rule ORDER BY v.rule) FROM bar_violations v
               WHERE v.series_id = cd.series_id
                 AND v.ts >= cd.day::timestamp AT TIME ZONE 'America/New_York'
                 AND v.ts < (cd.day + 1)::timestamp AT TIME ZONE 'America/New_York')
            END AS rules
       FROM coverage_days cd
      WHERE cd.series_id = $1 AND cd.day BETWEEN date '1970-01-01' + $2::int AND date '1970-01-01' + $3::int
      ORDER BY cd.day`,
    [seriesId, fromDay, toDay],
  );
  return rows.map((r) => ({
    day: r.day, state: r.state, bars: r.bars, first: r.first, last: r.last, outside: r.outside,
    violations: r.violations, rules: r.rules ?? [], fetchedAt: r.fetched_at.toISOString(),
  }));
}
