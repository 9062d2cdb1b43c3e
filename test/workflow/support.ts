// Checks shared by the workflow tests: the database against exactly what the simulator serves.
import { expect } from 'vitest';
import { expectedBars, BarSource } from '../../src/polygon-sim/index.js';
import type { Pool } from '../../src/db/pool.js';
import type { Progress } from '../../workflows/messages.js';
import type { UnitRow as CheckerUnitRow } from '../faults/harness/checker.js';

export interface JobRange {
  symbols: string[];
  timeframes: string[];
  startDate: string;
  endDate: string;
  adjusted?: boolean;
}

/** Bars the simulator serves per `symbol|timeframe`, from one shared cache. */
export function expectedCounts(r: JobRange, source = new BarSource({ cacheBytes: 64 * 1024 * 1024 })): { bySeries: Map<string, number>; total: number } {
  const bySeries = new Map<string, number>();
  let total = 0;
  for (const s of r.symbols)
    for (const tf of r.timeframes) {
      const n = expectedBars(s, tf, r.startDate, r.endDate, r.adjusted ?? true, source).length;
      bySeries.set(`${s}|${tf}`, n);
      total += n;
    }
  return { bySeries, total };
}

/** Every stored bar within the range's New York dates equals the simulator's, value for value, none missing or extra (intraday and daily timeframes). */
export async function expectExactBars(pool: Pool, r: JobRange): Promise<number> {
  const source = new BarSource({ cacheBytes: 64 * 1024 * 1024 });
  let total = 0;
  for (const s of r.symbols)
    for (const tf of r.timeframes) {
      const want = expectedBars(s, tf, r.startDate, r.endDate, r.adjusted ?? true, source);
      const { rows } = await pool.query(
        `SELECT (extract(epoch FROM b.ts) * 1000)::float8 AS t, b.open AS o, b.high AS h, b.low AS l, b.close AS c,
                b.volume AS v, b.vwap AS vw, b.trades AS n
           FROM bars b JOIN series x USING (series_id)
          WHERE x.symbol = $1 AND x.timeframe = $2 AND x.adjusted = $3
            AND b.ts >= ($4::date)::timestamp AT TIME ZONE 'America/New_York'
            AND b.ts < ($5::date + 1)::timestamp AT TIME ZONE 'America/New_York'
          ORDER BY b.ts`,
        [s, tf, r.adjusted ?? true, r.startDate, r.endDate],
      );
      expect(rows.length, `${s} ${tf}: stored bars`).toBe(want.length);
      expect(rows, `${s} ${tf}: stored values`).toEqual(want.map((b) => ({ ...b, vw: b.vw ?? null, n: b.n ?? null })));
      total += want.length;
    }
  return total;
}

/** The fault checker's unit row, without the job id the workflow tests already know. */
export type UnitRow = Omit<CheckerUnitRow, 'job_id'>;

export async function unitRows(pool: Pool, jobId: string): Promise<UnitRow[]> {
  const { rows } = await pool.query<UnitRow>(
    `SELECT unit_no, symbol, timeframe, status, attempts, pages, bars_fetched, bars_inserted, error_code, error_message
       FROM job_units WHERE job_id = $1 ORDER BY unit_no`,
    [jobId],
  );
  return rows;
}

export async function jobRow(pool: Pool, jobId: string) {
  const { rows } = await pool.query(`SELECT status, started_at, completed_at, error, units_total FROM jobs WHERE job_id = $1`, [jobId]);
  return rows[0] as { status: string; started_at: Date | null; completed_at: Date | null; error: string | null; units_total: number } | undefined;
}

// Kept for the test files that import it from here; the one implementation is in helpers/wait.ts.
export { waitFor } from '../helpers/wait.js';

/**
 * A job that ends `completed` with every unit done, having fetched and stored exactly the
 * simulator's bars for `r` (all of them new): asserts it and returns the expected total.
 */
export async function expectCompletedExactly(pool: Pool, result: Progress, r: JobRange, units: number): Promise<number> {
  const expected = expectedCounts(r);
  expect(result.status).toBe('completed');
  expect(result.counts).toEqual({ pending: 0, running: 0, completed: units, failed: 0, cancelled: 0 });
  expect(result.barsFetched).toBe(expected.total);
  expect(result.barsInserted).toBe(expected.total);
  expect(await expectExactBars(pool, r)).toBe(expected.total);
  return expected.total;
}
