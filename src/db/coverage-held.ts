import type { DayRun } from '../planner/runs.js';
import type { Queryable } from './pool.js';

/**
 * The session days the coverage ledger holds as FINAL for each series: a row fetched at or after the
 * day's settle instant (src/coverage/settle.ts). `days` are the sessions of one calendar over the
 * range (epoch days, ascending) and `settleMs` their settle instants; series of other calendars need
 * a call of their own. Answered as runs of consecutive held sessions (islands, computed by Postgres:
 * a fully held series of 500 sessions is one row, not 500), each spanning the closed days between
 * its sessions. Series with nothing held are absent from the map.
 */
export async function readHeldRuns(q: Queryable, seriesIds: readonly number[], days: readonly number[], settleMs: readonly number[]): Promise<Map<number, DayRun[]>> {
  const out = new Map<number, DayRun[]>();
  if (seriesIds.length === 0 || days.length === 0) return out;
  const { rows } = await q.query<{ series_id: number; from_day: number; to_day: number }>(
    `WITH s AS (
       SELECT * FROM unnest($2::int[], $3::float8[]) WITH ORDINALITY AS s(day, settle_ms, i)
     ), h AS (
       SELECT cd.series_id, s.day, s.i - row_number() OVER (PARTITION BY cd.series_id ORDER BY s.i) AS island
         FROM coverage_days cd
         JOIN s ON cd.day = date '1970-01-01' + s.day::int
        WHERE cd.series_id = ANY($1::int[])
          AND cd.day BETWEEN date '1970-01-01' + $4::int AND date '1970-01-01' + $5::int
          AND cd.fetched_at >= timestamptz 'epoch' + s.settle_ms * interval '1 ms'
     )
     SELECT series_id, min(day)::int AS from_day, max(day)::int AS to_day
       FROM h GROUP BY series_id, island
      ORDER BY series_id, from_day`,
    [seriesIds, days, settleMs, days[0], days[days.length - 1]],
  );
  for (const r of rows) {
    let list = out.get(r.series_id);
    if (!list) out.set(r.series_id, (list = []));
    list.push({ fromDay: r.from_day, toDay: r.to_day });
  }
  return out;
}
