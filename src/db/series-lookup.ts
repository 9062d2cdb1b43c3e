import type { Queryable } from './pool.js';

/** The id of a stored series, or null: reading never creates one (unlike series.ts's seriesId). */
export async function findSeries(q: Queryable, symbol: string, timeframe: string, adjusted: boolean): Promise<number | null> {
  const { rows } = await q.query<{ series_id: number }>(
    'SELECT series_id FROM series WHERE symbol = $1 AND timeframe = $2 AND adjusted = $3',
    [symbol, timeframe, adjusted],
  );
  return rows[0]?.series_id ?? null;
}
