import type { Queryable } from './pool.js';

export interface FetchedDay {
  symbol: string;
  /** The series' canonical timeframe label. */
  timeframe: string;
  day: string;
  fetchedAt: Date;
}

/**
 * When the coverage ledger last fetched each day of the series named, between two New York dates
 * (inclusive): what a schedule's run needs to tell final sessions from those still to fetch.
 */
export async function readFetchedDays(
  db: Queryable,
  p: { symbols: readonly string[]; timeframes: readonly string[]; adjusted: boolean; start: string; end: string },
): Promise<FetchedDay[]> {
  const { rows } = await db.query<FetchedDay>(
    `SELECT s.symbol, s.timeframe, cd.day::text AS day, cd.fetched_at AS "fetchedAt"
       FROM series s
       JOIN coverage_days cd USING (series_id)
      WHERE s.symbol = ANY($1::text[]) AND s.timeframe = ANY($2::text[]) AND s.adjusted = $3
        AND cd.day BETWEEN $4::date AND $5::date`,
    [p.symbols, p.timeframes, p.adjusted, p.start, p.end],
  );
  return rows;
}
