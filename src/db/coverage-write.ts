import type { DayFacts, Violation } from '../coverage/day-facts.js';
import type { Queryable } from './pool.js';

export interface CoverageToWrite {
  seriesId: number;
  jobId: string;
  /**
   * The resume cursor the page continues from. The date holding that bar was partly written by the
   * previous page of the same chain (its row's last bar is exactly this one), so its facts are
   * added to; every other date of the page is replaced, as a fresh fetch of it.
   */
  afterTs: number | null;
  days: DayFacts;
  violations: readonly Violation[];
}

/**
 * One statement per page: upserts the ledger rows of the page's dates and records its violations.
 * Runs on the page's own transaction, so the ledger commits with the bars or not at all. Numbers
 * travel as arrays (dates as epoch days, instants as epoch ms): cheap to serialise, no per-row text.
 */
export async function writeCoverage(q: Queryable, c: CoverageToWrite): Promise<void> {
  if (c.days.day.length === 0 && c.violations.length === 0) return;
  await q.query(
    `WITH d AS (
       INSERT INTO coverage_days AS cd (series_id, day, session, bars, first_bar, last_bar, outside_session, violations, fetched_at, job_id)
       SELECT $1, date '1970-01-01' + f.day, f.session, f.bars,
              (timestamptz 'epoch' + f.first * interval '1 ms'), (timestamptz 'epoch' + f.last * interval '1 ms'), f.outside, f.violations, now(), $2
         FROM unnest($4::int[], $5::bool[], $6::int[], $7::float8[], $8::float8[], $9::int[], $10::int[])
              AS f(day, session, bars, first, last, outside, violations)
       ON CONFLICT (series_id, day) DO UPDATE SET
         session = EXCLUDED.session,
         bars = EXCLUDED.bars + CASE WHEN cd.last_bar = (timestamptz 'epoch' + $3::float8 * interval '1 ms') THEN cd.bars ELSE 0 END,
         first_bar = CASE WHEN cd.last_bar = (timestamptz 'epoch' + $3::float8 * interval '1 ms') THEN cd.first_bar ELSE EXCLUDED.first_bar END,
         last_bar = CASE WHEN cd.last_bar = (timestamptz 'epoch' + $3::float8 * interval '1 ms') THEN coalesce(EXCLUDED.last_bar, cd.last_bar) ELSE EXCLUDED.last_bar END,
         outside_session = EXCLUDED.outside_session + CASE WHEN cd.last_bar = (timestamptz 'epoch' + $3::float8 * interval '1 ms') THEN cd.outside_session ELSE 0 END,
         violations = EXCLUDED.violations + CASE WHEN cd.last_bar = (timestamptz 'epoch' + $3::float8 * interval '1 ms') THEN cd.violations ELSE 0 END,
         fetched_at = now(),
         job_id = EXCLUDED.job_id
       RETURNING 1
     ), v AS (
       INSERT INTO bar_violations (job_id, series_id, ts, rule, detail)
       SELECT $2, $1, (timestamptz 'epoch' + x.t * interval '1 ms'), x.rule, x.detail
         FROM unnest($11::float8[], $12::text[], $13::text[]) AS x(t, rule, detail)
       ON CONFLICT DO NOTHING
       RETURNING 1
     )
     SELECT (SELECT count(*) FROM d) AS days, (SELECT count(*) FROM v) AS violations`,
    [
      c.seriesId,
      c.jobId,
      c.afterTs,
      c.days.day,
      c.days.session,
      c.days.bars,
      c.days.first,
      c.days.last,
      c.days.outside,
      c.days.violations,
      c.violations.map((v) => v.ts),
      c.violations.map((v) => v.rule),
      c.violations.map((v) => v.detail),
    ],
  );
}
