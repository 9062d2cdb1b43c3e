// The ledger against the bars table: for every New York date of a series, the ledger's bar count
// and first/last bar equal what is stored, so a test can prove the ledger exact after any run. Pure
// SQL and expect (no worker imports): the fault suite uses it against its own stack.
import { expect } from 'vitest';
import type { Pool } from '../../src/db/pool.js';

export interface StoredDay {
  day: string;
  bars: number;
  first: string | null;
  last: string | null;
}

/** Per date: the ledger's facts and the bars table's, side by side. */
export async function ledgerVersusBars(pool: Pool, symbol: string, timeframe: string, start: string, end: string) {
  const q = (sql: string) => pool.query<StoredDay>(sql, [symbol, timeframe, start, end]);
  const stored = await q(
    `SELECT (b.ts AT TIME ZONE 'America/New_York')::date::text AS day, count(*)::int AS bars,
            min(b.ts)::text AS first, max(b.ts)::text AS last
       FROM bars b JOIN series s USING (series_id)
      WHERE s.symbol = $1 AND s.timeframe = $2 AND s.adjusted
        AND b.ts >= $3::date::timestamp AT TIME ZONE 'America/New_York' AND b.ts < ($4::date + 1)::timestamp AT TIME ZONE 'America/New_York'
      GROUP BY 1 ORDER BY 1`,
  );
  const ledger = await q(
    `SELECT cd.day::text AS day, cd.bars, cd.first_bar::text AS first, cd.last_bar::text AS last
       FROM coverage_days cd JOIN series s USING (series_id)
      WHERE s.symbol = $1 AND s.timeframe = $2 AND s.adjusted AND cd.day BETWEEN $3::date AND $4::date AND cd.bars > 0
      ORDER BY 1`,
  );
  return { stored: stored.rows, ledger: ledger.rows };
}

export async function expectLedgerMatchesBars(pool: Pool, symbol: string, timeframe: string, start: string, end: string): Promise<number> {
  const { stored, ledger } = await ledgerVersusBars(pool, symbol, timeframe, start, end);
  expect(stored.length, `${symbol} ${timeframe}: dates with bars`).toBeGreaterThan(0);
  expect(ledger, `${symbol} ${timeframe}: ledger vs bars`).toEqual(stored);
  return stored.length;
}

/** date -> state for a series, from the ledger. */
export async function ledgerStates(pool: Pool, symbol: string, timeframe: string): Promise<Record<string, string>> {
  const { rows } = await pool.query<{ day: string; state: string }>(
    `SELECT cd.day::text AS day, cd.state FROM coverage_days cd JOIN series s USING (series_id)
      WHERE s.symbol = $1 AND s.timeframe = $2 AND s.adjusted ORDER BY cd.day`,
    [symbol, timeframe],
  );
  return Object.fromEntries(rows.map((r) => [r.day, r.state]));
}
