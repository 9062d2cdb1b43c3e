import type { Pool, Queryable } from './pool.js';
import { withTransaction } from './transaction.js';
import { ensureSeries, type SeriesSpec } from './series.js';
import { createJobDays } from './grouped-days.js';
import { daysHeldByAll } from './grouped-days-held.js';
import { parseDateToDay } from '../polygon/time.js';

export interface InitJobParams {
  jobId: string;
  workflowId: string;
  symbols: readonly string[];
  /** As the job names them, in job order (unit numbers depend on it). */
  timeframes: readonly string[];
  /** Canonical form of each entry of `timeframes`, same order. */
  canonical: readonly Omit<SeriesSpec, 'symbol' | 'adjusted'>[];
  startDate: string;
  endDate: string;
  adjusted: boolean;
  concurrency: number;
  /** A job started without the API (a schedule's run) records its endpoint here. */
  webhook?: { url: string };
  /** A grouped job's session days (YYYY-MM-DD, ascending): one job_days row each. */
  groupedDays?: readonly string[];
  /** The settle instant (UTC ms) of each of `groupedDays`: with reprocess "missing", days held final for every symbol are left out. */
  groupedSettleMs?: readonly number[];
  strategy?: 'per_ticker' | 'grouped';
}

export interface InitJobResult {
  unitsTotal: number;
  status: string;
  startedAt: string;
  /** A grouped job's session days to fetch (job_days rows): the range's sessions less those skipped. */
  groupedDays?: number;
}

/**
 * Makes the job, its series and all its units exist, once: every statement is ON CONFLICT DO
 * NOTHING so an activity retry (or a job the API already inserted) changes nothing twice.
 * unit_no = i * timeframes.length + j, the numbering the workflow derives without reading back.
 */
export async function initJob(pool: Pool, p: InitJobParams): Promise<InitJobResult> {
  const unitsTotal = p.symbols.length * p.timeframes.length;
  return withTransaction(pool, async (c) => {
    await c.query(
      `INSERT INTO jobs (job_id, workflow_id, symbols, timeframes, start_date, end_date, adjusted, concurrency, units_total, webhook_url, strategy)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (job_id) DO NOTHING`,
      [p.jobId, p.workflowId, p.symbols, p.timeframes, p.startDate, p.endDate, p.adjusted, p.concurrency, unitsTotal, p.webhook?.url ?? null, p.strategy ?? 'per_ticker'],
    );
    await ensureSeries(c, p.symbols, p.canonical, p.adjusted);
    await c.query(
      `INSERT INTO job_units (job_id, unit_no, symbol, timeframe)
       SELECT $1, ((s.i - 1) * $4 + (t.j - 1))::int, s.symbol, t.timeframe
         FROM unnest($2::text[]) WITH ORDINALITY AS s(symbol, i)
        CROSS JOIN unnest($3::text[]) WITH ORDINALITY AS t(timeframe, j)
       ON CONFLICT DO NOTHING`,
      [p.jobId, p.symbols, p.timeframes, p.timeframes.length],
    );
    const groupedDays = p.groupedDays ? await ensureJobDays(c, p) : undefined;
    const { rows } = await c.query<{ status: string; started_at: Date }>(
      `UPDATE jobs
          SET status = CASE WHEN status = 'pending' THEN 'running' ELSE status END,
              started_at = coalesce(started_at, now()), updated_at = now()
        WHERE job_id = $1
        RETURNING status, started_at`,
      [p.jobId],
    );
    return { unitsTotal, status: rows[0]!.status, startedAt: rows[0]!.started_at.toISOString(), ...(groupedDays !== undefined ? { groupedDays } : {}) };
  });
}

/**
 * A grouped job's days, decided once: the first initJob to get here picks them (the range's
 * sessions, less those the ledger holds final for every symbol when the job's reprocess is
 * "missing") and every later one (an activity retry, after the days' own writes made more of the
 * range final) keeps them, so the count the workflow runs by never moves. Answers that count.
 */
async function ensureJobDays(c: Queryable, p: InitJobParams): Promise<number> {
  const all = p.groupedDays!;
  const cur = await c.query<{ n: number; reprocess: string }>(
    `SELECT (SELECT count(*) FROM job_days WHERE job_id = $1)::int AS n, reprocess FROM jobs WHERE job_id = $1`,
    [p.jobId],
  );
  const r = cur.rows[0]!;
  if (r.n > 0) return r.n;
  let days: readonly string[] = all;
  if (r.reprocess === 'missing' && p.groupedSettleMs) {
    const epochDays = all.map((d) => parseDateToDay(d)!);
    const held = await daysHeldByAll(c, { symbols: p.symbols, adjusted: p.adjusted, days: epochDays, settleMs: p.groupedSettleMs });
    days = all.filter((_, i) => !held.has(epochDays[i]!));
  }
  await createJobDays(c, p.jobId, days, all.length - days.length);
  return days.length;
}
