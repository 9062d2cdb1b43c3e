import type { Queryable } from './pool.js';

export interface StoredSeries {
  symbol: string;
  timeframe: string;
  adjusted: boolean;
  firstBar: string | null;
  lastBar: string | null;
  bars: number;
  /** Runs of consecutive fetched New York dates, as YYYY-MM-DD pairs. */
  fetched: { start: string; end: string }[];
}

export interface SeriesKey {
  symbol: string;
  timeframe: string;
  adjusted: boolean;
}

/**
 * Series with anything in the ledger, in (symbol, timeframe, adjusted) order after `after`
 * (keyset). Figures come from the ledger, not from counting bars: the ledger is a row per date,
 * the bars table a row per minute.
 */
export async function listSeries(
  q: Queryable,
  opts: { symbol?: string; timeframe?: string; after?: SeriesKey; limit: number },
): Promise<{ series: StoredSeries[]; hasMore: boolean }> {
  const { rows } = await q.query<{
    symbol: string; timeframe: string; adjusted: boolean; first_bar: Date | null; last_bar: Date | null; bars: number; fetched: [string, string][];
  }>(
    `SELECT s.symbol, s.timeframe, s.adjusted, agg.first_bar, agg.last_bar, agg.bars, runs.fetched
       FROM series s
       CROSS JOIN LATERAL (
         SELECT min(cd.first_bar) AS first_bar, max(cd.last_bar) AS last_bar, coalesce(sum(cd.bars), 0)::int8 AS bars, count(*) AS days
           FROM coverage_days cd WHERE cd.series_id = s.series_id) agg
       CROSS JOIN LATERAL (
         SELECT coalesce(json_agg(json_build_array(r.start, r.stop) ORDER BY r.start), '[]') AS fetched
           FROM (SELECT min(day)::text AS start, max(day)::text AS stop
                   FROM (SELECT day, day - (row_number() OVER (ORDER BY day))::int AS island
                           FROM coverage_days WHERE series_id = s.series_id) d
                  GROUP BY island) r) runs
      WHERE agg.days > 0
        AND ($1::text IS NULL OR s.symbol = $1)
        AND ($2::text IS NULL OR s.timeframe = $2)
        AND ($3::text IS NULL OR (s.symbol, s.timeframe, s.adjusted) > ($3, $4, $5))
      ORDER BY s.symbol, s.timeframe, s.adjusted
      LIMIT $6`,
    [opts.symbol ?? null, opts.timeframe ?? null, opts.after?.symbol ?? null, opts.after?.timeframe ?? null, opts.after?.adjusted ?? null, opts.limit + 1],
  );
  return {
    hasMore: rows.length > opts.limit,
    series: rows.slice(0, opts.limit).map((r) => ({
      symbol: r.symbol, timeframe: r.timeframe, adjusted: r.adjusted, firstBar: r.first_bar?.toISOString() ?? null,
      lastBar: r.last_bar?.toISOString() ?? null, bars: r.bars, fetched: r.fetched.map(([start, end]) => ({ start, end })),
    })),
  };
}
