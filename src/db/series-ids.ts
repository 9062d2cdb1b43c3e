import type { Queryable } from './pool.js';

/** The ids of the stored series among symbols x (canonical) timeframes of one adjustment; reading creates none. */
export async function findSeriesIds(
  q: Queryable,
  symbols: readonly string[],
  timeframes: readonly string[],
  adjusted: boolean,
): Promise<{ seriesId: number; symbol: string; timeframe: string }[]> {
  const { rows } = await q.query<{ series_id: number; symbol: string; timeframe: string }>(
    'SELECT series_id, symbol, timeframe FROM series WHERE symbol = ANY($1::text[]) AND timeframe = ANY($2::text[]) AND adjusted = $3',
    [symbols, timeframes, adjusted],
  );
  return rows.map((r) => ({ seriesId: r.series_id, symbol: r.symbol, timeframe: r.timeframe }));
}
