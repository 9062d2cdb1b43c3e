import type { Queryable } from './pool.js';

export interface SeriesSpec {
  symbol: string;
  /** Canonical label (parseTimeframe(x).label): one series whatever spelling a job used. */
  timeframe: string;
  multiplier: number;
  timespan: string;
  adjusted: boolean;
}

/**
 * Creates the series of every symbol x timeframe in one statement (a cross join of two arrays, so
 * a 10,000-unit job sends two short arrays, not 10,000 rows). Sorted so that two jobs over
 * overlapping symbols take row locks in the same order and cannot deadlock.
 */
export async function ensureSeries(
  q: Queryable,
  symbols: readonly string[],
  timeframes: readonly Omit<SeriesSpec, 'symbol' | 'adjusted'>[],
  adjusted: boolean,
): Promise<void> {
  const syms = [...new Set(symbols)].sort();
  const tfs = [...new Map(timeframes.map((t) => [t.timeframe, t])).values()].sort((a, b) => (a.timeframe < b.timeframe ? -1 : 1));
  await q.query(
    `INSERT INTO series (symbol, timeframe, multiplier, timespan, adjusted)
     SELECT s.symbol, t.timeframe, t.multiplier, t.timespan, $5
       FROM unnest($1::text[]) AS s(symbol)
      CROSS JOIN unnest($2::text[], $3::int[], $4::text[]) AS t(timeframe, multiplier, timespan)
      ORDER BY s.symbol, t.timeframe
     ON CONFLICT (symbol, timeframe, adjusted) DO NOTHING`,
    [syms, tfs.map((t) => t.timeframe), tfs.map((t) => t.multiplier), tfs.map((t) => t.timespan), adjusted],
  );
}

/** The id of one series, creating it when a unit runs without its job having been initialised. */
export async function seriesId(q: Queryable, spec: SeriesSpec): Promise<number> {
  const found = await q.query<{ series_id: number }>(
    'SELECT series_id FROM series WHERE symbol = $1 AND timeframe = $2 AND adjusted = $3',
    [spec.symbol, spec.timeframe, spec.adjusted],
  );
  if (found.rows[0]) return found.rows[0].series_id;
  await ensureSeries(q, [spec.symbol], [spec], spec.adjusted);
  const { rows } = await q.query<{ series_id: number }>(
    'SELECT series_id FROM series WHERE symbol = $1 AND timeframe = $2 AND adjusted = $3',
    [spec.symbol, spec.timeframe, spec.adjusted],
  );
  return rows[0]!.series_id;
}
