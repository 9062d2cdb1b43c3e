// The old-design figure: the old service's approach, reproduced as the baseline. One symbol-timeframe after
// another; for each, one transaction in which every page is fetched (no read-ahead) and every bar is
// written with its own parameterised INSERT (one round trip per row), committed at the end of the
// unit; every submitted row counted as inserted. Same simulator, same bars, same table, one
// connection, as the old single-process service had.
import pg from 'pg';
import { barsOf, PolygonClient, parseTimeframe } from '../src/polygon/index.js';
import { hrMs } from './stats.js';
import type { FetchSpec } from './data.js';

/** The job's series as the product would fetch them, plus the database the old design writes to. */
export type OldDesignSpec = Omit<FetchSpec, 'parallel'> & { dbUrl: string };

export interface OldDesignRun {
  rows: number;
  /** What the old design reported: every submitted row. */
  reportedInserted: number;
  ms: number;
  rowsPerSec: number;
  fetchMs: number;
  insertMs: number;
}

const INSERT =
  'INSERT INTO bars (series_id, ts, open, high, low, close, volume, vwap, trades) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING';

export async function runOldDesign(spec: OldDesignSpec): Promise<OldDesignRun> {
  const client = new pg.Client({ connectionString: spec.dbUrl, application_name: 'bench-old-design' });
  await client.connect();
  const polygon = new PolygonClient({ baseUrl: spec.baseUrl, apiKey: spec.apiKey, verifyEmptyTicker: false });
  let rows = 0;
  let fetchMs = 0;
  let insertMs = 0;
  const t0 = hrMs();
  try {
    for (const symbol of spec.symbols) {
      for (const tfLabel of spec.timeframes) {
        const tf = parseTimeframe(tfLabel);
        const found = await client.query<{ series_id: number }>(
          `WITH ins AS (
             INSERT INTO series (symbol, timeframe, multiplier, timespan, adjusted) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT DO NOTHING RETURNING series_id)
           SELECT series_id FROM ins UNION ALL
           SELECT series_id FROM series WHERE symbol = $1 AND timeframe = $2 AND adjusted = $5`,
          [symbol, tf.label, tf.multiplier, tf.timespan, spec.adjusted],
        );
        const sid = found.rows[0]!.series_id;
        await client.query('BEGIN');
        const it = polygon.pages({ ticker: symbol, timeframe: tf, from: spec.from, to: spec.to, adjusted: spec.adjusted })[Symbol.asyncIterator]();
        for (;;) {
          const f0 = hrMs();
          const r = await it.next();
          fetchMs += hrMs() - f0;
          if (r.done) break;
          const i0 = hrMs();
          for (const b of barsOf(r.value.bars)) {
            await client.query(INSERT, [sid, new Date(b.t), b.o, b.h, b.l, b.c, b.v, b.vw, b.n]);
            rows++;
          }
          insertMs += hrMs() - i0;
        }
        await client.query('COMMIT');
      }
    }
  } finally {
    polygon.close();
    await client.end();
  }
  const ms = hrMs() - t0;
  return { rows, reportedInserted: rows, ms, rowsPerSec: (rows / ms) * 1000, fetchMs, insertMs };
}
