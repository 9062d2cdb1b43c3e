import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { from as copyFrom } from 'pg-copy-streams';
import type { Pool, PoolClient } from './pool.js';
import { withTransaction } from './transaction.js';
import { BARS_COLUMNS, encodeBarsBinary, STAGE_COLUMNS } from './copy-binary.js';
import type { BarColumns } from '../polygon/bar-columns.js';
import { writeCoverage, type CoverageToWrite } from './coverage-write.js';

export interface PageToWrite {
  jobId: string;
  unitNo: number;
  /** The `attempt_token` this activity attempt claimed; the fence against a superseded attempt. */
  attemptToken: number;
  seriesId: number;
  bars: BarColumns;
  /** Bars the page carried (default `bars.count`): more than `bars` when repeated timestamps were left out. */
  fetched?: number;
  /** Where to resume after this page; stored with the page, in the same transaction. */
  cursor: unknown;
  /** The page's ledger rows and violations: committed with the bars, in the same transaction. */
  coverage?: Pick<CoverageToWrite, 'afterTs' | 'days' | 'violations'>;
}

/** How a page reached `bars` (src/db/write-page.ts): see createPageWriter. */
export type WritePath = 'direct' | 'staged' | 'fallback';

export interface PageWritten {
  /** False when another attempt owns the unit now: nothing was written. */
  committed: boolean;
  inserted: number;
  /** Stored bars this page changed (a revision, today's bar completed); identical ones are not written. */
  updated: number;
  /**
   * `direct`: the page's range held no bar, its rows were copied straight into `bars`; `staged`: the
   * range held bars, the page went through the stage and the merge; `fallback`: the range looked
   * empty but a concurrent writer filled it first, so the direct attempt was rolled back and the
   * page written staged.
   */
  path: WritePath;
}

export interface PageWriterOptions {
  /**
   * False: every page goes through the stage and the merge, as before the direct load existed
   * (the bench's idempotent ceiling measures that path). Default true.
   */
  direct?: boolean;
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

/** Postgres' unique_violation: the direct load met a bar a concurrent writer committed first. */
const isUniqueViolation = (err: unknown): boolean => (err as { code?: unknown } | null)?.code === '23505';

/** Earliest and latest timestamp of the page: its bars need not be in order (the validator flags that, the page is stored). */
function tsRange(bars: BarColumns): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  const ts = bars.t;
  for (let i = 0; i < bars.count; i++) {
    const t = ts[i]!;
    if (t < lo) lo = t;
    if (t > hi) hi = t;
  }
  return [lo, hi];
}

/**
 * Writes pages of bars idempotently, one transaction a page with the unit's cursor and counters
 * (fenced by the attempt token) and the page's coverage ledger rows: all of it commits together or
 * not at all. Two ways in:
 *
 * - Direct, when one index probe on the bars key says no stored bar lies in [first ts, last ts] of
 *   the page (most backfill pages: a range the series never held): binary COPY straight into
 *   `bars`. Every row is new, so the page's count of new rows is its row count (the same statement
 *   as the probe advances the unit by it, one round trip for both), and Postgres skips the stage,
 *   the speculative insertion and the RETURNING of the merge (about 2.5x less server CPU per bar).
 *   The primary key still guards: a concurrent writer that filled the range between the
 *   probe and the COPY (two jobs over the same series) makes the COPY fail with a unique violation
 *   (it waits for that writer's commit first); the whole transaction is rolled back and the page
 *   written again, staged, so counts stay exact and nothing is duplicated.
 * - Staged, otherwise: binary COPY into a per-connection temp stage, then one statement that
 *   inserts the new rows, replaces stored rows whose values differ (a corrected bar) and leaves
 *   identical ones untouched (the WHERE of DO UPDATE: no new row version, so a plain re-run writes
 *   nothing). xmax = 0 marks a row this statement inserted, so the counts of new and changed rows
 *   are true.
 */
export function createPageWriter(pool: Pool, opts: PageWriterOptions = {}) {
  const tryDirect = opts.direct ?? true;
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

  const unitParams = (page: PageToWrite) => [page.jobId, page.unitNo, page.attemptToken, JSON.stringify(page.cursor ?? null), page.fetched ?? page.bars.count];

  /** The page through the stage and the merge; throws NotOwned when the fence says the unit is not ours. */
  async function writeStaged(client: PoolClient, page: PageToWrite, check: () => void): Promise<{ inserted: number; updated: number }> {
    if (page.bars.count > 0) {
      const payload = encodeBarsBinary(page.bars);
      await pipeline(Readable.from([payload]), client.query(copyFrom(`COPY bars_stage (${STAGE_COLUMNS}) FROM STDIN (FORMAT binary)`)));
      check();
    }
    const { rows } = await client.query<{ inserted: number; updated: number }>(
      `WITH w AS (
         INSERT INTO bars AS b (series_id, ts, open, high, low, close, volume, vwap, trades)
         SELECT $6, ${STAGE_COLUMNS} FROM bars_stage
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
          SET resume_cursor = $4::jsonb, pages = pages + 1,
              bars_fetched = bars_fetched + $5, bars_inserted = bars_inserted + n.inserted, bars_updated = bars_updated + n.updated,
              error_code = NULL, error_message = NULL, updated_at = now(), last_progress_at = now()
         FROM n
        WHERE job_id = $1 AND unit_no = $2 AND attempt_token = $3 AND status = 'running'
        RETURNING n.inserted, n.updated`,
      [...unitParams(page), page.seriesId],
    );
    check();
    // Rolled back: the bars of a superseded attempt must not land either.
    if (!rows[0]) throw new NotOwned();
    return rows[0];
  }

  /**
   * The probe and the fence in one statement: whether any stored bar of the series lies in the
   * page's [earliest, latest] ts (one descent of the primary key), and if none does, the unit's
   * cursor and counters advanced as if every bar of the page were new, fenced by the attempt token.
   * The COPY that follows makes that true or fails (and the rollback takes the update with it).
   */
  async function probeAndAdvance(client: PoolClient, page: PageToWrite): Promise<{ held: boolean; owned: boolean }> {
    const [lo, hi] = page.bars.count > 0 ? tsRange(page.bars) : [null, null];
    const { rows } = await client.query<{ held: boolean; owned: boolean }>(
      `WITH p AS (
         SELECT EXISTS (
           SELECT 1 FROM bars
            WHERE series_id = $6
              AND ts BETWEEN timestamptz 'epoch' + $7::float8 * interval '1 ms' AND timestamptz 'epoch' + $8::float8 * interval '1 ms'
         ) AS held
       ), u AS (
         UPDATE job_units
            SET resume_cursor = $4::jsonb, pages = pages + 1,
                bars_fetched = bars_fetched + $5, bars_inserted = bars_inserted + $9,
                error_code = NULL, error_message = NULL, updated_at = now(), last_progress_at = now()
          WHERE job_id = $1 AND unit_no = $2 AND attempt_token = $3 AND status = 'running' AND NOT (SELECT held FROM p)
          RETURNING 1
       )
       SELECT (SELECT held FROM p) AS held, EXISTS (SELECT 1 FROM u) AS owned`,
      [...unitParams(page), page.seriesId, lo, hi, page.bars.count],
    );
    return rows[0]!;
  }

  /** The page's rows straight into `bars` (the range was empty at the probe): every row is new. */
  async function copyDirect(client: PoolClient, page: PageToWrite, check: () => void): Promise<void> {
    if (page.bars.count === 0) return;
    const payload = encodeBarsBinary(page.bars, page.seriesId);
    const copy = client.query(copyFrom(`COPY bars (${BARS_COLUMNS}) FROM STDIN (FORMAT binary)`));
    await pipeline(Readable.from([payload]), copy);
    // The unit was credited with every bar of the page: a COPY that stored fewer must not commit.
    if (copy.rowCount !== page.bars.count) throw new Error(`direct COPY stored ${copy.rowCount} of ${page.bars.count} bars`);
    check();
  }

  async function writeOnce(page: PageToWrite, path: 'direct' | 'staged', signal: AbortSignal | undefined): Promise<PageWritten> {
    const check = () => {
      if (signal?.aborted) throw new WriteAbortedError();
    };
    let mode: WritePath = path;
    const body = async (client: PoolClient): Promise<PageWritten> => {
      let n = { inserted: page.bars.count, updated: 0 };
      if (path === 'direct') {
        const probe = await probeAndAdvance(client, page);
        if (probe.held) mode = 'staged';
        else if (!probe.owned) throw new NotOwned();
        else await copyDirect(client, page, check);
      }
      if (mode === 'staged') n = await writeStaged(client, page, check);
      if (page.coverage) await writeCoverage(client, { ...page.coverage, seriesId: page.seriesId, jobId: page.jobId });
      return { committed: true, ...n, path: mode };
    };
    try {
      return await withTransaction(pool, body, {
        // Made before BEGIN (a rollback would drop it), on every connection whichever path it takes.
        prepare: ensureStage,
        // A connection that failed mid-COPY for anything but a unique violation (which Postgres
        // reports, then returns to normal and drops the rest of the copy data) is in an unknown
        // protocol state: never reuse it.
        discardOn: (err) => !(err instanceof WriteAbortedError || err instanceof NotOwned || isUniqueViolation(err)),
      });
    } catch (err) {
      if (err instanceof NotOwned) return { committed: false, inserted: 0, updated: 0, path: mode };
      throw err;
    }
  }

  return async function writePage(page: PageToWrite, signal?: AbortSignal): Promise<PageWritten> {
    if (!tryDirect) return writeOnce(page, 'staged', signal);
    try {
      return await writeOnce(page, 'direct', signal);
    } catch (err) {
      // A concurrent writer committed bars of this range after the probe: nothing of this
      // transaction stayed; the merge writes the page again and counts only what it adds.
      if (!isUniqueViolation(err)) throw err;
      return { ...(await writeOnce(page, 'staged', signal)), path: 'fallback' };
    }
  };
}

export type PageWriter = ReturnType<typeof createPageWriter>;
