import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { from as copyFrom } from 'pg-copy-streams';
import type { Pool, PoolClient } from './pool.js';
import { withTransaction } from './transaction.js';
import { encodeBarsBinary, STAGE_COLUMNS, type BarRow } from './copy-binary.js';
import { writeCoverage, type CoverageToWrite } from './coverage-write.js';

export interface PageToWrite {
  jobId: string;
  unitNo: number;
  /** The `attempt_token` this activity attempt claimed; the fence against a superseded attempt. */
  attemptToken: number;
  seriesId: number;
  bars: readonly BarRow[];
  /** Bars the page carried (default `bars.length`): more than `bars` when repeated timestamps were left out. */
  fetched?: number;
  /** Where to resume after this page; stored with the page, in the same transaction. */
  cursor: unknown;
  /** The page's ledger rows and violations: committed with the bars, in the same transaction. */
  coverage?: Pick<CoverageToWrite, 'afterTs' | 'days' | 'violations'>;
}

export interface PageWritten {
  /** False when another attempt owns the unit now: nothing was written. */
  committed: boolean;
  inserted: number;
  /** Stored bars this page changed (a revision, today's bar completed); identical ones are not written. */
  updated: number;
}

/** Thrown (and the transaction rolled back) when the caller's signal fires mid-write. */
export class WriteAbortedError extends Error {
  constructor() {
    super('page write aborted');
    this.name = 'WriteAbortedError';
  }
}

/** The fence said another attempt owns the unit: roll back, report `committed: false`. */
class NotOwned extends Error {}

/**
 * Writes pages of bars idempotently: binary COPY into a per-connection temp stage, then one
 * statement that inserts the new rows, replaces stored rows whose values differ (a corrected bar)
 * and leaves identical ones untouched (the WHERE of DO UPDATE: no new row version, so a plain re-run
 * writes nothing), and advances the unit's cursor and counters, fenced by the attempt token. A
 * retried page or an overlapping job never duplicates a bar, and the counts of new and changed
 * rows are true (xmax = 0 marks a row this statement inserted). All of it commits together or not at all.
 */
export function createPageWriter(pool: Pool) {
  // Temp tables live as long as the connection; remember which pooled connections have one.
  const staged = new WeakSet<PoolClient>();

  async function ensureStage(client: PoolClient): Promise<void> {
    if (staged.has(client)) return;
    await client.query(
      `CREATE TEMP TABLE IF NOT EXISTS bars_stage (
         ts timestamptz, open float8, high float8, low float8, close float8, volume float8, vwap float8, trades int8
       ) ON COMMIT DELETE ROWS`,
    );
    staged.add(client);
  }

  return async function writePage(page: PageToWrite, signal?: AbortSignal): Promise<PageWritten> {
    const check = () => {
      if (signal?.aborted) throw new WriteAbortedError();
    };
    try {
      return await withTransaction(
        pool,
        async (client) => {
          if (page.bars.length > 0) {
            const payload = encodeBarsBinary(page.bars);
            await pipeline(Readable.from([payload]), client.query(copyFrom(`COPY bars_stage (${STAGE_COLUMNS}) FROM STDIN (FORMAT binary)`)));
            check();
          }
          const { rows } = await client.query<{ inserted: number; updated: number }>(
            `WITH w AS (
               INSERT INTO bars AS b (series_id, ts, open, high, low, close, volume, vwap, trades)
               SELECT $1, ${STAGE_COLUMNS} FROM bars_stage
               ON CONFLICT (series_id, ts) DO UPDATE
                  SET open = excluded.open, high = excluded.high, low = excluded.low, close = excluded.close,
                      volume = excluded.volume, vwap = excluded.vwap, trades = excluded.trades
                WHERE (b.open, b.high, b.low, b.close, b.volume, b.vwap, b.trades)
                      IS DISTINCT FROM (excluded.open, excluded.high, excluded.low, excluded.close, excluded.volume, excluded.vwap, excluded.trades)
               RETURNING (xmax = 0) AS inserted
             ), n AS (
               SELECT count(*) FILTER (WHERE inserted)::int AS inserted, count(*) FILTER (WHERE NOT inserted)::int AS updated FROM w
             )
             UPDATE job_units
                SET resume_cursor = $5::jsonb, pages = pages + 1,
                    bars_fetched = bars_fetched + $6, bars_inserted = bars_inserted + n.inserted, bars_updated = bars_updated + n.updated,
                    error_code = NULL, error_message = NULL, updated_at = now(), last_progress_at = now()
               FROM n
              WHERE job_id = $2 AND unit_no = $3 AND attempt_token = $4 AND status = 'running'
              RETURNING n.inserted, n.updated`,
            [page.seriesId, page.jobId, page.unitNo, page.attemptToken, JSON.stringify(page.cursor ?? null), page.fetched ?? page.bars.length],
          );
          check();
          // Rolled back: the bars of a superseded attempt must not land either.
          if (!rows[0]) throw new NotOwned();
          if (page.coverage) await writeCoverage(client, { ...page.coverage, seriesId: page.seriesId, jobId: page.jobId });
          return { committed: true, inserted: rows[0].inserted, updated: rows[0].updated };
        },
        // A connection that failed mid-COPY is in an unknown protocol state: never reuse it.
        { prepare: ensureStage, discardOn: (err) => !(err instanceof WriteAbortedError || err instanceof NotOwned) },
      );
    } catch (err) {
      if (err instanceof NotOwned) return { committed: false, inserted: 0, updated: 0 };
      throw err;
    }
  };
}

export type PageWriter = ReturnType<typeof createPageWriter>;
