// Grouped daily (issue 13): a grouped job's session days (job_days) and what each day's request
// writes. One module for the day's lifecycle: created with the job, claimed by an attempt, written
// (bars of every symbol, ledger, unit counters) in one fenced transaction, failed, and finally
// folded into the per-symbol units' outcome.
import type { Pool, Queryable } from './pool.js';
import { withTransaction } from './transaction.js';
import { GROUPED_TIMEFRAME } from '../../workflows/vocabulary.js';
import type { Violation } from '../ingest/validate.js';

export interface DayTotals {
  barsFetched: number;
  barsInserted: number;
  barsUpdated: number;
}

type DayRow = { bars_fetched: string | number; bars_inserted: string | number; bars_updated: string | number };
const totalsOf = (r: DayRow): DayTotals => ({ barsFetched: Number(r.bars_fetched), barsInserted: Number(r.bars_inserted), barsUpdated: Number(r.bars_updated) });

/**
 * The job's session days, numbered in date order, and the grouped units' plan (one request a day).
 * `skipped`: the range's sessions left out because the ledger holds them final for every symbol
 * (reprocess "missing"); each grouped unit reports them, and the requests they save, as its own, as
 * its pages_planned counts the shared days. Idempotent.
 */
export async function createJobDays(q: Queryable, jobId: string, days: readonly string[], skipped = 0): Promise<void> {
  await q.query(
    `INSERT INTO job_days (job_id, day_no, day)
     SELECT $1, (d.i - 1)::int, d.day::date FROM unnest($2::text[]) WITH ORDINALITY AS d(day, i)
     ON CONFLICT DO NOTHING`,
    [jobId, days],
  );
  await q.query(
    `UPDATE job_units SET pages_planned = $2, sessions_skipped = $4, requests_saved = $4
      WHERE job_id = $1 AND timeframe = $3 AND pages_planned IS NULL`,
    [jobId, days.length, GROUPED_TIMEFRAME, skipped],
  );
}

export type ClaimedDay =
  | { state: 'claimed'; attemptToken: number; day: string; idleMs: number; lastError: string | null }
  | { state: 'completed'; totals: DayTotals }
  | { state: 'gone'; status: string | null };

/**
 * Starts an attempt of one day: the token moves on (fencing out any earlier attempt), the
 * no-progress clock starts when the day (re)starts. A completed day reports its stored totals.
 */
export async function claimDay(q: Queryable, jobId: string, dayNo: number): Promise<ClaimedDay> {
  const { rows } = await q.query<{ attempt_token: number; day: string; idle_ms: number; error_message: string | null }>(
    `UPDATE job_days
        SET last_progress_at = CASE WHEN status = 'running' THEN coalesce(last_progress_at, now()) ELSE now() END,
            status = 'running', attempts = attempts + 1, attempt_token = attempt_token + 1, updated_at = now()
      WHERE job_id = $1 AND day_no = $2 AND status IN ('pending', 'running', 'failed')
      RETURNING attempt_token, day::text AS day, (extract(epoch FROM now() - last_progress_at) * 1000)::float8 AS idle_ms, error_message`,
    [jobId, dayNo],
  );
  const r = rows[0];
  if (r) return { state: 'claimed', attemptToken: r.attempt_token, day: r.day, idleMs: r.idle_ms, lastError: r.error_message };
  const cur = await q.query<DayRow & { status: string }>(`SELECT status, bars_fetched, bars_inserted, bars_updated FROM job_days WHERE job_id = $1 AND day_no = $2`, [jobId, dayNo]);
  const c = cur.rows[0];
  if (c?.status === 'completed') return { state: 'completed', totals: totalsOf(c) };
  return { state: 'gone', status: c?.status ?? null };
}

/** A grouped unit still taking bars: its number, symbol and series. */
export interface OpenGroupedUnit {
  unitNo: number;
  symbol: string;
  seriesId: number;
}

/** The job's grouped units not finished (pending or running), with their series, and the job's adjustment and validation mode. */
export async function openGroupedUnits(q: Queryable, jobId: string): Promise<{ adjusted: boolean; units: OpenGroupedUnit[] }> {
  const job = await q.query<{ adjusted: boolean }>(`SELECT adjusted FROM jobs WHERE job_id = $1`, [jobId]);
  if (!job.rows[0]) throw new Error(`job ${jobId} not found`);
  const { rows } = await q.query<{ unit_no: number; symbol: string; series_id: number }>(
    `SELECT u.unit_no, u.symbol, s.series_id
       FROM job_units u JOIN series s ON s.symbol = u.symbol AND s.timeframe = u.timeframe AND s.adjusted = $2
      WHERE u.job_id = $1 AND u.timeframe = $3 AND u.status IN ('pending', 'running')
      ORDER BY u.unit_no`,
    [jobId, job.rows[0].adjusted, GROUPED_TIMEFRAME],
  );
  return { adjusted: job.rows[0].adjusted, units: rows.map((r) => ({ unitNo: r.unit_no, symbol: r.symbol, seriesId: r.series_id })) };
}

/** One symbol's share of a day: its bar (null when the answer had none) and what validation found. */
export interface DayBar {
  unitNo: number;
  seriesId: number;
  bar: { t: number; o: number; h: number; l: number; c: number; v: number; vw: number | null; n: number | null } | null;
  violations: readonly Violation[];
}

export interface DayToWrite {
  jobId: string;
  dayNo: number;
  attemptToken: number;
  /** The New York date, epoch days. */
  day: number;
  /** Every open grouped unit of the job, with or without a bar that day. */
  rows: readonly DayBar[];
}

/**
 * Writes one grouped day in one transaction, fenced by the day's attempt token: every symbol's bar
 * into its series (new rows inserted, differing rows replaced, identical ones untouched, as the page
 * writer does), one ledger row per series for the date (`complete`, or `no_bars` for a symbol the
 * answer left out: fetched, no bar), the violations, each unit's counters (one page, its bar), and
 * the day's row `completed` with its totals. Null when another attempt owns the day: nothing written.
 */
export async function writeGroupedDay(pool: Pool, d: DayToWrite): Promise<DayTotals | null> {
  return withTransaction(pool, async (c) => {
    const own = await c.query(`SELECT 1 FROM job_days WHERE job_id = $1 AND day_no = $2 AND attempt_token = $3 AND status = 'running' FOR UPDATE`, [
      d.jobId,
      d.dayNo,
      d.attemptToken,
    ]);
    if (own.rowCount === 0) return null;
    const withBar = d.rows.filter((r) => r.bar !== null);
    const col = <T>(f: (r: DayBar) => T): T[] => withBar.map(f);
    const written = await c.query<{ series_id: number; inserted: boolean }>(
      `WITH src AS (
         SELECT * FROM unnest($1::int[], $2::float8[], $3::float8[], $4::float8[], $5::float8[], $6::float8[], $7::float8[], $8::float8[], $9::float8[])
                AS x(series_id, t, o, h, l, c, v, vw, n)
       )
       INSERT INTO bars AS b (series_id, ts, open, high, low, close, volume, vwap, trades)
       SELECT series_id, timestamptz 'epoch' + t * interval '1 ms', o, h, l, c, v, vw, n::bigint FROM src
       ON CONFLICT (series_id, ts) DO UPDATE
          SET open = excluded.open, high = excluded.high, low = excluded.low, close = excluded.close,
              volume = excluded.volume, vwap = excluded.vwap, trades = excluded.trades
        WHERE (b.open, b.high, b.low, b.close, b.volume, b.vwap, b.trades)
              IS DISTINCT FROM (excluded.open, excluded.high, excluded.low, excluded.close, excluded.volume, excluded.vwap, excluded.trades)
       RETURNING b.series_id, (xmax = 0) AS inserted`,
      [
        col((r) => r.seriesId),
        col((r) => r.bar!.t),
        col((r) => r.bar!.o),
        col((r) => r.bar!.h),
        col((r) => r.bar!.l),
        col((r) => r.bar!.c),
        col((r) => r.bar!.v),
        col((r) => r.bar!.vw),
        col((r) => r.bar!.n),
      ],
    );
    const outcome = new Map(written.rows.map((r) => [r.series_id, r.inserted]));
    const all = <T>(f: (r: DayBar) => T): T[] => d.rows.map(f);
    await c.query(
      `UPDATE job_units u
          SET status = 'running', started_at = coalesce(u.started_at, now()), pages = u.pages + 1,
              bars_fetched = u.bars_fetched + x.fetched, bars_inserted = u.bars_inserted + x.ins, bars_updated = u.bars_updated + x.upd,
              error_code = NULL, error_message = NULL, last_progress_at = now(), updated_at = now()
         FROM unnest($2::int[], $3::int[], $4::int[], $5::int[]) AS x(unit_no, fetched, ins, upd)
        WHERE u.job_id = $1 AND u.unit_no = x.unit_no AND u.status IN ('pending', 'running')`,
      [
        d.jobId,
        all((r) => r.unitNo),
        all((r) => (r.bar ? 1 : 0)),
        all((r) => (outcome.get(r.seriesId) === true ? 1 : 0)),
        all((r) => (outcome.get(r.seriesId) === false ? 1 : 0)),
      ],
    );
    // A fresh fetch of the date for every series: its facts replace whatever the ledger held.
    await c.query(
      `INSERT INTO coverage_days AS cd (series_id, day, session, bars, first_bar, last_bar, outside_session, violations, fetched_at, job_id)
       SELECT f.series_id, date '1970-01-01' + $2::int, true, f.bars,
              timestamptz 'epoch' + f.t * interval '1 ms', timestamptz 'epoch' + f.t * interval '1 ms', 0, f.violations, now(), $1
         FROM unnest($3::int[], $4::int[], $5::float8[], $6::int[]) AS f(series_id, bars, t, violations)
       ON CONFLICT (series_id, day) DO UPDATE SET
         session = EXCLUDED.session, bars = EXCLUDED.bars, first_bar = EXCLUDED.first_bar, last_bar = EXCLUDED.last_bar,
         outside_session = 0, violations = EXCLUDED.violations, fetched_at = now(), job_id = EXCLUDED.job_id`,
      [d.jobId, d.day, all((r) => r.seriesId), all((r) => (r.bar ? 1 : 0)), all((r) => r.bar?.t ?? null), all((r) => r.violations.length)],
    );
    const vs = d.rows.flatMap((r) => r.violations.map((v) => ({ seriesId: r.seriesId, ...v })));
    if (vs.length > 0) {
      await c.query(
        `INSERT INTO bar_violations (job_id, series_id, ts, rule, detail)
         SELECT $1, x.series_id, timestamptz 'epoch' + x.t * interval '1 ms', x.rule, x.detail
           FROM unnest($2::int[], $3::float8[], $4::text[], $5::text[]) AS x(series_id, t, rule, detail)
         ON CONFLICT DO NOTHING`,
        [d.jobId, vs.map((v) => v.seriesId), vs.map((v) => v.ts), vs.map((v) => v.rule), vs.map((v) => v.detail)],
      );
    }
    const totals: DayTotals = { barsFetched: withBar.length, barsInserted: 0, barsUpdated: 0 };
    for (const inserted of outcome.values()) {
      if (inserted) totals.barsInserted++;
      else totals.barsUpdated++;
    }
    await c.query(
      `UPDATE job_days SET status = 'completed', bars_fetched = $3, bars_inserted = $4, bars_updated = $5,
              error_code = NULL, error_message = NULL, completed_at = now(), updated_at = now(), last_progress_at = now()
        WHERE job_id = $1 AND day_no = $2`,
      [d.jobId, d.dayNo, totals.barsFetched, totals.barsInserted, totals.barsUpdated],
    );
    return totals;
  });
}

/** A transient error of a day's attempt, kept for the deadline's message. */
export async function noteDayError(q: Queryable, jobId: string, dayNo: number, attemptToken: number, code: string, message: string): Promise<void> {
  await q.query(`UPDATE job_days SET error_code = $4, error_message = $5, updated_at = now() WHERE job_id = $1 AND day_no = $2 AND attempt_token = $3`, [
    jobId,
    dayNo,
    attemptToken,
    code,
    message.slice(0, 1000),
  ]);
}

/** The day's activity failed for good: the day is failed (its error kept) until a retry runs it again. */
export async function markDayFailed(q: Queryable, jobId: string, dayNo: number, code: string, message: string): Promise<{ status: string }> {
  const { rows } = await q.query<{ status: string }>(
    `UPDATE job_days SET status = CASE WHEN status = 'completed' THEN status ELSE 'failed' END,
            error_code = CASE WHEN status = 'completed' THEN error_code ELSE $3 END,
            error_message = CASE WHEN status = 'completed' THEN error_message ELSE $4 END,
            attempt_token = attempt_token + 1, updated_at = now()
      WHERE job_id = $1 AND day_no = $2
      RETURNING status`,
    [jobId, dayNo, code, message.slice(0, 1000)],
  );
  return { status: rows[0]?.status ?? 'failed' };
}

export interface GroupedOutcome {
  completed: number[];
  failed: number[];
  /** The failure the failed units carry (the first failed day's, with how many days failed). */
  failure: { code: string; message: string } | null;
  /** Sums over the units finished here, as stored (all their attempts). */
  totals: DayTotals;
}

/**
 * Once no day is queued or running: every open grouped unit completes when all the job's days are
 * completed, and fails otherwise with the first failed day's reason (each symbol lacks that day).
 */
export async function finishGroupedUnits(pool: Pool, jobId: string): Promise<GroupedOutcome> {
  return withTransaction(pool, async (c) => {
    const days = await c.query<{ total: number; open: number; day: string | null; error_code: string | null; error_message: string | null }>(
      `SELECT (SELECT count(*) FROM job_days WHERE job_id = $1)::int AS total,
              (SELECT count(*) FROM job_days WHERE job_id = $1 AND status <> 'completed')::int AS open,
              f.day::text AS day, f.error_code, f.error_message
         FROM (SELECT 1) one
         LEFT JOIN LATERAL (SELECT day, error_code, error_message FROM job_days
                             WHERE job_id = $1 AND status <> 'completed' ORDER BY day LIMIT 1) f ON true`,
      [jobId],
    );
    const d = days.rows[0]!;
    const failure =
      d.open === 0
        ? null
        : { code: d.error_code ?? 'internal', message: `${d.open} of ${d.total} session days failed (grouped daily); first ${d.day}: ${d.error_message ?? 'not fetched'}`.slice(0, 1000) };
    const { rows } = await c.query<{ unit_no: number; status: string } & DayRow>(
      `UPDATE job_units
          SET status = $2, error_code = $3, error_message = $4, completed_at = now(), updated_at = now()
        WHERE job_id = $1 AND timeframe = $5 AND status IN ('pending', 'running')
        RETURNING unit_no, status, bars_fetched, bars_inserted, bars_updated`,
      [jobId, failure ? 'failed' : 'completed', failure?.code ?? null, failure?.message ?? null, GROUPED_TIMEFRAME],
    );
    const totals: DayTotals = { barsFetched: 0, barsInserted: 0, barsUpdated: 0 };
    for (const r of rows) {
      const t = totalsOf(r);
      totals.barsFetched += t.barsFetched;
      totals.barsInserted += t.barsInserted;
      totals.barsUpdated += t.barsUpdated;
    }
    const nos = rows.map((r) => r.unit_no).sort((a, b) => a - b);
    return { completed: failure ? [] : nos, failed: failure ? nos : [], failure, totals };
  });
}

/** For a job restarted to retry: how many days it has and which are not completed (to run again). */
export async function openDays(q: Queryable, jobId: string): Promise<{ total: number; open: number[] }> {
  const { rows } = await q.query<{ day_no: number; status: string }>(`SELECT day_no, status FROM job_days WHERE job_id = $1 ORDER BY day_no`, [jobId]);
  return { total: rows.length, open: rows.filter((r) => r.status !== 'completed').map((r) => r.day_no) };
}
